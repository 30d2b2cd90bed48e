@testable import TagCache

extension FixtureRegistry.State {
    /// Returns one `tags/list` page of `name`, starting after the request's `last` or `cursor`, with a `Link` to
    /// the next page while tags remain and the page size allows pagination.
    func tagsPage(for request: HTTPRequest, repository name: String) -> HTTPResponse {
        guard let repository = repositories[name] else {
            return Self.errorResponse(404, code: "NAME_UNKNOWN", message: "repository name not known to registry")
        }
        var requestedSize: Int?
        if let text = request.queryValue("n") {
            guard let value = Int(text), value > 0 else {
                return Self.errorResponse(400, code: "PAGINATION_NUMBER_INVALID", message: "invalid n: \(text)")
            }
            requestedSize = value
        }

        let start: Int
        switch startOffset(of: request, in: repository) {
        case .success(let offset):
            start = offset
        case .failure(let rejection):
            return rejection.response
        }

        // A nil page size lists every tag from `first` on, without a Link.
        var first = start
        let pageSize: Int?
        switch configuration.pageSize {
        case .requested:
            pageSize = requestedSize
        case .fixed(let size):
            pageSize = size
        case .all:
            pageSize = nil
            first = 0
        }
        let end = pageSize.map { min(first + $0, repository.tags.count) } ?? repository.tags.count

        struct Body: Encodable {
            var name: String
            var tags: [String]
        }
        var response = HTTPResponse(
            status: 200, headers: [("Content-Type", "application/json")],
            body: Self.jsonBytes(Body(name: name, tags: Array(repository.tags[first..<end]))))

        if let pageSize, end < repository.tags.count {
            let links = PageLinks(
                style: configuration.link, repository: name, tags: repository.tags, requestedSize: requestedSize,
                host: request.header("Host") ?? "")
            response.headers.append(("Link", links.header(pageStart: first, pageEnd: end, pageSize: pageSize)))
        }
        return response
    }

    /// Finds the offset after the request's `cursor` or `last`, or 0 when it has neither.
    private func startOffset(
        of request: HTTPRequest, in repository: FixtureRegistry.Repository
    ) -> Result<Int, FixtureRegistry.Rejection> {
        if let cursor = request.queryValue("cursor") {
            guard let offset = PageLinks.offset(ofCursor: cursor), offset <= repository.tags.count else {
                return .failure(FixtureRegistry.Rejection(Self.errorResponse(
                    400, code: "PAGINATION_CURSOR_INVALID",
                    message: "cursor \(cursor) is not one this registry issued; send the Link target back unchanged")))
            }
            return .success(offset)
        }
        if let last = request.queryValue("last") {
            guard let position = repository.positions[last] else {
                return .failure(FixtureRegistry.Rejection(Self.errorResponse(
                    400, code: "PAGINATION_LAST_INVALID", message: "last=\(last) is not a tag of this repository")))
            }
            return .success(position + 1)
        }
        return .success(0)
    }
}

extension FixtureRegistry {
    /// A request the registry rejects, with the error response to send.
    struct Rejection: Error {
        let response: HTTPResponse

        init(_ response: HTTPResponse) {
            self.response = response
        }
    }
}

/// Writes the `Link` header of one page in the style the configuration sets.
private struct PageLinks {
    let style: FixtureRegistry.LinkStyle
    let repository: String
    let tags: [String]
    let requestedSize: Int?
    /// The request's `Host` header, for absolute links.
    let host: String

    /// Returns the `Link` value for the page of `pageStart..<pageEnd`, where each page has `pageSize` tags.
    func header(pageStart: Int, pageEnd: Int, pageSize: Int) -> String {
        var nextStart = pageEnd
        if let loop = style.loop, pageStart / pageSize == loop.from {
            nextStart = loop.to * pageSize
        }
        let relation = style.quotesRelation ? #""next""# : "next"
        let next = "<\(url(startingAt: nextStart))>; rel=\(relation)"
        guard style.listsPreviousFirst else { return next }

        let previousRelation = style.quotesRelation ? #""prev""# : "prev"
        return "<\(url(startingAt: max(0, pageStart - pageSize)))>; rel=\(previousRelation), \(next)"
    }

    /// Returns the URL of the page whose first tag is at `offset`. Offset 0 is the first page's URL.
    private func url(startingAt offset: Int) -> String {
        var arguments: [String] = []
        if let requestedSize {
            arguments.append("n=\(requestedSize)")
        }
        if offset > 0 {
            switch style.target {
            case .opaqueCursor:
                arguments.append("cursor=\(Self.cursor(forOffset: offset))")
            case .relative, .absolute, .otherPort:
                arguments.append("last=\(FixtureRegistry.percentEncoded(tags[offset - 1]))")
            }
        }
        let path = "/v2/\(repository)/tags/list" + (arguments.isEmpty ? "" : "?" + arguments.joined(separator: "&"))

        switch style.target {
        case .relative, .opaqueCursor:
            return path
        case .absolute:
            return "http://\(host)\(path)"
        case .otherPort(let port):
            return "http://127.0.0.1:\(port)\(path)"
        }
    }

    /// Encodes `offset` as a cursor for a link. It decodes to `page+OFFSET/==`, so a client that decodes `%2B`
    /// before sending the cursor back sends a `+`, which libmicrohttpd decodes to a space.
    static func cursor(forOffset offset: Int) -> String {
        "page%2B\(offset)%2F%3D%3D"
    }

    /// Returns the offset of a cursor as the server decoded it, or nil when it is not `page+OFFSET/==`.
    static func offset(ofCursor decoded: String) -> Int? {
        guard decoded.hasPrefix("page+"), decoded.hasSuffix("/==") else { return nil }
        return Int(decoded.dropFirst("page+".count).dropLast("/==".count))
    }
}
