/// The `200` response of `GET /v1/tags`: the JSON body, `Cache-Status` (RFC 9211) and `Age`.
enum TagsResponse {
    static func render(_ answer: CacheAnswer) -> HTTPResponse {
        let entry = answer.entry
        var body = "{\"reference\":\(JSONText.string(entry.reference.name))"
        body += ",\"tags\":\(JSONText.array(entry.tags))"
        body += ",\"fetched_at\":\"\(RFC3339.format(entry.fetchedAt))\""
        body += ",\"expires_at\":\"\(RFC3339.format(entry.expiresAt))\""
        body += ",\"stale\":\(answer.isStale)"
        body += "}\n"

        return HTTPResponse(
            status: 200,
            headers: [
                ("Content-Type", "application/json"),
                ("Cache-Status", cacheStatus(answer)),
                ("Age", String(answer.age)),
            ],
            body: Array(body.utf8))
    }

    /// The `Cache-Status` field value, with `tagcache` as the cache's name.
    static func cacheStatus(_ answer: CacheAnswer) -> String {
        switch answer.source {
        case .fresh:
            return "tagcache; hit; ttl=\(answer.ttl)"
        case .staleWhileRevalidate:
            return "tagcache; hit; ttl=\(answer.ttl); detail=stale-while-revalidate"
        case .staleAfterRecentError:
            return "tagcache; hit; ttl=\(answer.ttl); detail=stale-if-error"
        case .staleIfError:
            return "tagcache; fwd=stale; ttl=\(answer.ttl); detail=stale-if-error"
        case .miss(let collapsed):
            return "tagcache; fwd=uri-miss; fwd-status=200; stored; ttl=\(answer.ttl)" + (collapsed ? "; collapsed" : "")
        case .revalidated(let collapsed):
            return "tagcache; fwd=stale; fwd-status=200; stored; ttl=\(answer.ttl)" + (collapsed ? "; collapsed" : "")
        }
    }
}
