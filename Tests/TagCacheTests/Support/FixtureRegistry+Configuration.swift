extension FixtureRegistry {
    /// The behaviour a test scripts: page sizes, `Link` headers and authentication.
    struct Configuration: Sendable {
        var pageSize: PageSize = .requested
        var link = LinkStyle()
        var authentication: Authentication = .anonymous
        /// Credentials the token realm requires in bearer mode. Nil issues tokens to anyone.
        var tokenCredentials: TokenCredentials?
        /// Scope a token must carry for `tags/list` of a repository, in place of its pull scope. A token with
        /// another scope gets `401` with `error="insufficient_scope"` naming this scope.
        var requiredScopes: [String: String] = [:]
        /// Issues tokens for any scope and answers `tags/list` of an unknown repository with `401
        /// insufficient_scope`, as Docker Hub does for a missing or private repository.
        var hidesUnknownRepositories = false
        /// Header fields added to every response, such as Docker Hub's `ratelimit-remaining`.
        var extraHeaders: [(name: String, value: String)] = []

        init(pageSize: PageSize = .requested, link: LinkStyle = LinkStyle(), authentication: Authentication = .anonymous) {
            self.pageSize = pageSize
            self.link = link
            self.authentication = authentication
        }
    }

    /// What the token realm accepts: `GET` with HTTP Basic `user:password` and `account=user`, or, when
    /// `refreshToken` is set, the OAuth2 `POST` (whose form body the server drops, so it is not checked) or
    /// `GET` with Basic `user:refreshToken`.
    struct TokenCredentials: Sendable {
        var user: String
        var password: String
        var refreshToken: String?
        /// Answers a `POST` with `404`, as realms without OAuth2 support do.
        var rejectsPost = false
    }

    /// How many tags one `tags/list` page contains.
    enum PageSize: Sendable {
        /// The request's `n`, or every remaining tag when `n` is missing.
        case requested
        /// This many tags whatever `n` is, with a `Link` to the next page while tags remain.
        case fixed(Int)
        /// Every tag on one page without a `Link`, whatever `n` is.
        case all
    }

    /// Where the `Link` header of a page points and how it is written.
    struct LinkStyle: Sendable {
        enum Target: Sendable {
            /// `</v2/NAME/tags/list?n=N&last=TAG>`
            case relative
            /// `<http://HOST/v2/NAME/tags/list?n=N&last=TAG>`, with HOST from the request's `Host` header.
            case absolute
            /// `</v2/NAME/tags/list?n=N&cursor=TOKEN>`. TOKEN contains percent-encoded `+`, `/` and `=`, and a
            /// request whose cursor does not decode to the issued value gets `400`.
            case opaqueCursor
            /// `<http://127.0.0.1:PORT/v2/NAME/tags/list?n=N&last=TAG>`, a link to another server.
            case otherPort(UInt16)
        }

        var target: Target = .relative
        /// Writes `rel="next"` when true and `rel=next` when false.
        var quotesRelation = true
        /// Puts a `rel="prev"` link before the `rel="next"` link in the same header value.
        var listsPreviousFirst = false
        /// Makes page `from` link to the URL of the earlier page `to`, both counted from 0, instead of the next
        /// page. Page 0 is the client's own first URL, so `to` must be at least 1.
        var loop: (from: Int, to: Int)?

        init(
            target: Target = .relative, quotesRelation: Bool = true, listsPreviousFirst: Bool = false,
            loop: (from: Int, to: Int)? = nil
        ) {
            precondition(loop.map { $0.to >= 1 && $0.to < $0.from } ?? true, "a loop must go back to a page from 1 on")
            self.target = target
            self.quotesRelation = quotesRelation
            self.listsPreviousFirst = listsPreviousFirst
            self.loop = loop
        }
    }

    /// What `/v2/` and `tags/list` require in the `Authorization` header.
    enum Authentication: Sendable {
        case anonymous
        /// A token from the realm `http://HOST/token` on this registry. The token endpoint returns `400` unless
        /// `service` equals this value and `scope` is `repository:NAME:pull` for a repository that exists.
        case bearer(service: String, tokenField: TokenField)
        /// HTTP Basic with these credentials.
        case basic(user: String, password: String)
    }

    /// The JSON field a token response carries the token in. The distribution token specification allows both.
    enum TokenField: String, Sendable {
        case token
        case accessToken = "access_token"
    }

    /// An error response the registry returns in place of its normal response, or a change to the normal response.
    enum Fault: Sendable {
        /// `503` with an OCI error body.
        case serviceUnavailable
        /// `429` with `Retry-After` in seconds.
        case tooManyRequests(retryAfterSeconds: Int)
        /// The normal response, sent after this many seconds from a deferred handler, so no server thread waits.
        case delay(seconds: Double)
        /// The normal response with its body padded by spaces to this many bytes.
        case oversizedBody(bytes: Int)
    }

    /// The endpoint a request went to.
    enum RequestKind: Sendable, Equatable {
        /// `GET /v2/`
        case probe
        case tagsList
        /// The token realm, `/token`.
        case token
        case other
    }

    /// One request as the registry received it.
    struct RecordedRequest: Sendable {
        var method: String
        /// Percent-decoded path, as libmicrohttpd passes it.
        var path: String
        /// Percent-decoded query arguments in order.
        var query: [(name: String, value: String)]
        var authorization: String?
        var kind: RequestKind
        /// When the handler received the request.
        var receivedAt = ContinuousClock.now

        /// Path and query, with the query re-encoded from the decoded arguments.
        ///
        /// NOTE: libmicrohttpd decodes the query before it calls the handler, so this is not the raw request
        /// line. A value encoded differently on the wire, such as `%7e` for `~`, records the same.
        var target: String {
            guard !query.isEmpty else { return path }
            let arguments = query.map { "\($0.name)=\(FixtureRegistry.percentEncoded($0.value))" }
            return path + "?" + arguments.joined(separator: "&")
        }

        /// Returns the first value of query argument `name`, or nil.
        func queryValue(_ name: String) -> String? {
            query.first { $0.name == name }?.value
        }
    }
}
