/// The responses of `GET /v1/tags` that carry a tag list: `200` with the JSON body, or `304` when the client's
/// `If-None-Match` matches. Both carry `ETag`, `Last-Modified`, `Cache-Control`, `Age` and `Cache-Status`.
enum TagsResponse {
    /// Renders `answer`, as `304 Not Modified` without a body when `ifNoneMatch` matches its entity tag.
    static func render(_ answer: CacheAnswer, ifNoneMatch: String? = nil) -> HTTPResponse {
        let entityTag = answer.entityTag
        let headers: [(name: String, value: String)] = [
            ("ETag", entityTag.headerValue),
            ("Last-Modified", HTTPDate.format(answer.entry.changedAt)),
            ("Cache-Control", cacheControl(answer)),
            ("Age", String(answer.age)),
            ("Cache-Status", cacheStatus(answer)),
        ]
        if let ifNoneMatch, entityTag.matches(ifNoneMatch: ifNoneMatch) {
            return HTTPResponse(status: 304, headers: headers)
        }

        let entry = answer.entry
        var body: [UInt8] = []
        body.append(contentsOf: "{\"reference\":".utf8)
        JSONText.appendString(entry.reference.name, to: &body)
        body.append(contentsOf: ",\"tags\":".utf8)
        JSONText.appendArray(entry.tags, to: &body)
        body.append(contentsOf: ",\"fetched_at\":\"\(RFC3339.format(entry.fetchedAt))\"".utf8)
        body.append(contentsOf: ",\"expires_at\":\"\(RFC3339.format(entry.expiresAt))\"".utf8)
        body.append(contentsOf: ",\"stale\":\(answer.isStale)}\n".utf8)
        return HTTPResponse(status: 200, headers: [("Content-Type", "application/json")] + headers, body: body)
    }

    /// Returns the `Cache-Control` field value: the seconds of freshness left and the entry's stale windows (RFC 9111,
    /// RFC 5861), so that a cache in front of tagcache keeps the same windows.
    static func cacheControl(_ answer: CacheAnswer) -> String {
        let policy = answer.policy
        return "max-age=\(max(0, answer.ttl)), stale-while-revalidate=\(policy.staleWhileRevalidate), "
            + "stale-if-error=\(policy.staleIfError)"
    }

    /// Returns the `Cache-Status` field value (RFC 9211), with `tagcache` as the cache's name.
    static func cacheStatus(_ answer: CacheAnswer) -> String {
        let ttl = "ttl=\(answer.ttl)"
        switch answer.source {
        case .fresh:
            return "tagcache; hit; \(ttl)"
        case .staleWhileRevalidate:
            return "tagcache; hit; \(ttl); detail=stale-while-revalidate"
        case .maxStale:
            return "tagcache; hit; \(ttl); detail=max-stale"
        case .onlyIfCached:
            return "tagcache; hit; \(ttl)" + (answer.isStale ? "; detail=only-if-cached" : "")
        case .staleAfterRecentError:
            return "tagcache; hit; \(ttl); detail=stale-if-error"
        case .staleIfError:
            // A list that is still fresh was forwarded only because the request asked for it.
            let forward = answer.ttl >= 0 ? "request" : "stale"
            return "tagcache; fwd=\(forward); \(ttl); detail=stale-if-error"
        case .miss(let collapsed):
            return "tagcache; fwd=uri-miss; fwd-status=200; stored; \(ttl)" + (collapsed ? "; collapsed" : "")
        case .revalidated(let collapsed):
            return "tagcache; fwd=stale; fwd-status=200; stored; \(ttl)" + (collapsed ? "; collapsed" : "")
        case .revalidatedOnRequest(let collapsed):
            return "tagcache; fwd=request; fwd-status=200; stored; \(ttl)" + (collapsed ? "; collapsed" : "")
        }
    }
}
