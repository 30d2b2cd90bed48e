/// The `n` and `last` parameters of a `tags/list` request, and the page of a sorted tag list they select.
///
/// The page holds up to `size` tags that sort after `last` in byte order. When tags remain after it, the
/// response carries `Link: </v2/<name>/tags/list?n=SIZE&last=TAG>; rel="next"`.
struct TagPageRequest: Sendable {
    let size: Int
    let last: String?

    /// Largest accepted `n`; a larger value would only make one response as big as the whole list.
    static let maximumSize = 100_000

    init(query request: HTTPRequest, defaultSize: Int) throws(OCIError) {
        last = request.queryValue("last")
        guard let text = request.queryValue("n") else {
            size = defaultSize
            return
        }
        guard let value = Int(text), (0...Self.maximumSize).contains(value) else {
            throw OCIError(
                status: 400, code: "PAGINATION_NUMBER_INVALID",
                message: "invalid n=\(text); give a whole number from 0 to \(Self.maximumSize)", detail: text)
        }
        size = value
    }

    /// Returns the `200` response with the page of `tags` (sorted in byte order) for repository `name`.
    func response(name: String, tags: [String]) -> HTTPResponse {
        var start = tags.startIndex
        if let last {
            let bound = Array(last.utf8)
            start = partitionPoint(tags) { bound.lexicographicallyPrecedes($0.utf8) }
        }
        let end = min(tags.endIndex, start + size)
        let page = Array(tags[start..<end])

        var headers: [(name: String, value: String)] = [("Content-Type", "application/json"), OCIRoutes.versionHeader]
        if end < tags.endIndex, let lastOnPage = page.last {
            let target = "/v2/\(name)/tags/list?n=\(size)&last=\(Self.percentEncoded(lastOnPage))"
            headers.append(("Link", "<\(target)>; rel=\"next\""))
        }
        let body = "{\"name\":\(JSONText.string(name)),\"tags\":\(JSONText.array(page))}\n"
        return HTTPResponse(status: 200, headers: headers, body: Array(body.utf8))
    }

    /// Returns the index of the first element of `tags` for which `isAfter` is true, given that it is false for
    /// a prefix and true for the rest.
    private func partitionPoint(_ tags: [String], isAfter: (String) -> Bool) -> Int {
        var low = 0
        var high = tags.count
        while low < high {
            let middle = (low + high) / 2
            if isAfter(tags[middle]) {
                high = middle
            } else {
                low = middle + 1
            }
        }
        return low
    }

    /// Percent-encodes every byte of `text` outside the URI unreserved set (RFC 3986, section 2.3).
    static func percentEncoded(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            let scalar = Unicode.Scalar(byte)
            if ("0"..."9").contains(scalar) || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
                || "-._~".unicodeScalars.contains(scalar)
            {
                result.unicodeScalars.append(scalar)
            } else {
                result += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return result
    }
}
