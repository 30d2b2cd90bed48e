import Foundation

/// The `200` response of `GET /v1/tags` after the request's sort, filter and limit, with `details` when asked.
///
/// The body and headers come from `TagsResponse`, given the answer with its tags replaced by the query's result,
/// so the two responses differ only in the tag list and the added `details` member.
struct QueriedTagsResponse: Sendable {
    let query: TagQuery
    /// Adds `"details": [{"tag": ..., "first_seen": ...}]`, in the order of `tags`.
    let detail: Bool
    let history: (any TagHistoryReading)?

    /// Whether the request needs tag history, which this server may not keep.
    var needsHistory: Bool { detail || query.needsHistory }

    /// Renders `answer` filtered and sorted by the query. `ifNoneMatch` applies to the filtered list, except with
    /// `detail`, whose body carries more than the list its ETag identifies, so it is always sent in full.
    func render(_ answer: CacheAnswer, ifNoneMatch: String? = nil) -> HTTPResponse {
        var firstSeen: [String: Date] = [:]
        if needsHistory, let history {
            do {
                firstSeen = try history.firstSeenTimes(for: answer.entry.reference)
            } catch {
                return APIError(status: 500, code: "INTERNAL_ERROR", message: "cache database error: \(error.description)")
                    .response
            }
        }

        var entry = answer.entry
        entry.tags = query.apply(to: entry.tags, firstSeen: firstSeen)
        var response = TagsResponse.render(
            CacheAnswer(entry: entry, source: answer.source, now: answer.now, policy: answer.policy),
            ifNoneMatch: detail ? nil : ifNoneMatch)
        if detail {
            response.body = Self.insertingDetails(into: response.body, tags: entry.tags, firstSeen: firstSeen)
        }
        return response
    }

    /// Inserts the `details` member before the closing brace of the JSON object in `body`.
    private static func insertingDetails(into body: [UInt8], tags: [String], firstSeen: [String: Date]) -> [UInt8] {
        let closing = body.lastIndex(of: UInt8(ascii: "}"))
        precondition(closing != nil, "TagsResponse.render returned a body that is not a JSON object")

        let items = tags.map { tag in
            let time = firstSeen[tag].map { "\"\(RFC3339.format($0))\"" } ?? "null"
            return "{\"tag\":\(JSONText.string(tag)),\"first_seen\":\(time)}"
        }
        let member = ",\"details\":[\(items.joined(separator: ","))]"
        var result = body
        result.insert(contentsOf: Array(member.utf8), at: closing!)
        return result
    }
}
