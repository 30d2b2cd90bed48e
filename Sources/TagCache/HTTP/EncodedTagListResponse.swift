import Foundation

/// `GET /v2/<name>/tags/list` fresh hits kept encoded in `EncodedResponseCache`: the key of a request and the
/// entry of a rendered page.
///
/// A page has no header fields that depend on the time of the request, so a hit sends the stored status, header
/// fields and body as they are.
enum EncodedTagListResponse {
    /// Starts every key, so that no key of this route equals one of `EncodedTagsResponse`.
    static let keyPrefix = "/v2/tags/list\u{0}"

    /// Returns the key of a request for repository `name`: the name as sent in the path and the `n` and `last`
    /// values as sent. The name is not resolved to a reference, because that is the work a hit avoids, and the
    /// same name always resolves the same way.
    static func key(_ request: HTTPRequest, name: String) -> String {
        var key = keyPrefix
        key += name
        for parameter in ["n", "last"] {
            key += "\u{0}"
            if let value = request.queryValue(parameter) {
                key += "="
                key += value
            }
        }
        return key
    }

    /// Builds the entry for `response`, the `200` page rendered for `answer`, or nil for any other response.
    static func entry(
        of response: HTTPResponse, answer: CacheAnswer, servedUntil: Date
    ) -> EncodedResponseCache.Entry? {
        guard response.status == 200 else { return nil }
        return EncodedResponseCache.Entry(
            reference: answer.entry.reference, fetchedAt: answer.entry.fetchedAt, expiresAt: answer.entry.expiresAt,
            servedUntil: servedUntil, policy: answer.policy, entityTag: nil,
            fixedHeaders: response.headers, body: ResponseBody(copying: response.body))
    }

    /// Returns the page stored in `entry`.
    static func response(_ entry: EncodedResponseCache.Entry) -> HTTPResponse {
        HTTPResponse(status: 200, headers: entry.fixedHeaders, sharedBody: entry.body)
    }
}
