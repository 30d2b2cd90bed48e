import Foundation

/// `GET /v1/tags` fresh hits kept encoded in `EncodedResponseCache`: the key of a request, the entry of a rendered
/// response, and the response sent from an entry.
enum EncodedTagsResponse {
    /// Query parameters besides `reference` that change the body or headers of `GET /v1/tags`.
    static let bodyParameters = ["sort", "order", "include", "exclude", "hide_signatures", "limit", "detail"]

    /// Starts every key, so that no key of this route equals one of `EncodedTagListResponse`.
    static let keyPrefix = "/v1/tags\u{0}"

    /// Returns the key of `request`: `keyPrefix`, the `reference` text as sent and the first value of each of
    /// `bodyParameters`, which are what `Routes` reads. The reference is not normalized, because parsing it is the
    /// work a hit avoids, and every spelling of a reference normalizes the same way.
    static func key(_ request: HTTPRequest, referenceText: String) -> String {
        var key = keyPrefix
        key += referenceText
        for name in bodyParameters {
            key += "\u{0}"
            if let value = request.queryValue(name) {
                key += "="
                key += value
            }
        }
        return key
    }

    /// Builds the entry for `response`, the full `200` response rendered for `answer`, or nil for any other
    /// response.
    ///
    /// - Parameter comparesEntityTag: Whether `If-None-Match` applies to the response, which it does not with
    ///   `detail=1`.
    static func entry(
        of response: HTTPResponse, answer: CacheAnswer, servedUntil: Date, comparesEntityTag: Bool
    ) -> EncodedResponseCache.Entry? {
        guard response.status == 200 else { return nil }
        let fixedNames: Set<String> = ["Content-Type", "ETag", "Last-Modified"]
        let fixedHeaders = response.headers.filter { fixedNames.contains($0.name) }
        guard fixedHeaders.count == fixedNames.count,
            let entityTagField = fixedHeaders.first(where: { $0.name == "ETag" })?.value
        else { return nil }

        let opaqueTag = entityTagField.dropFirst().dropLast()
        return EncodedResponseCache.Entry(
            reference: answer.entry.reference, fetchedAt: answer.entry.fetchedAt, expiresAt: answer.entry.expiresAt,
            servedUntil: servedUntil, policy: answer.policy,
            entityTag: comparesEntityTag ? EntityTag(opaqueTag: String(opaqueTag)) : nil,
            fixedHeaders: fixedHeaders, body: ResponseBody(copying: response.body))
    }

    /// Returns the response for `entry` at `now`: `304` when `ifNoneMatch` matches its entity tag, `200` with the
    /// stored body otherwise. The fields are those `TagsResponse.render` sends for a fresh answer, in its order.
    static func response(_ entry: EncodedResponseCache.Entry, now: Date, ifNoneMatch: String?) -> HTTPResponse {
        let answer = CacheAnswer(
            entry: StoredEntry(
                reference: entry.reference, tags: [], tagCount: 0, fetchedAt: entry.fetchedAt,
                expiresAt: entry.expiresAt, changedAt: entry.fetchedAt),
            source: .fresh, now: now, policy: entry.policy)
        var headers = entry.fixedHeaders
        headers.reserveCapacity(headers.count + 3)
        headers.append(("Cache-Control", TagsResponse.cacheControl(answer)))
        headers.append(("Age", String(answer.age)))
        headers.append(("Cache-Status", TagsResponse.cacheStatus(answer)))

        if let ifNoneMatch, let entityTag = entry.entityTag, entityTag.matches(ifNoneMatch: ifNoneMatch) {
            headers.removeAll { $0.name == "Content-Type" }
            return HTTPResponse(status: 304, headers: headers)
        }
        return HTTPResponse(status: 200, headers: headers, sharedBody: entry.body)
    }
}
