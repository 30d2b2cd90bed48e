import Foundation

@testable import TagCache

extension FixtureRegistry.State {
    /// Returns a `401` with a challenge when `request` lacks the authorization the configuration requires, or nil
    /// when it may proceed.
    ///
    /// - Parameter repository: The repository of a `tags/list` request, whose pull scope a token must carry, or
    ///   nil for the `/v2/` probe, which any issued token passes.
    func challenge(for request: HTTPRequest, repository: String?) -> HTTPResponse? {
        let authorization = request.header("Authorization")
        switch configuration.authentication {
        case .anonymous:
            return nil

        case .basic(let user, let password):
            let expected = "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
            guard authorization != expected else { return nil }
            var response = Self.errorResponse(401, code: "UNAUTHORIZED", message: "authentication required")
            response.headers.append(("WWW-Authenticate", #"Basic realm="fixture""#))
            return response

        case .bearer(let service, _):
            let scope = repository.map { configuration.requiredScopes[$0] ?? Self.pullScope(of: $0) }
            var grantedScope: String?
            if let authorization, authorization.hasPrefix("Bearer ") {
                grantedScope = issuedTokens[String(authorization.dropFirst("Bearer ".count))]
            }
            var isInsufficient = false
            if let grantedScope {
                let isUnknown = repository.map { repositories[$0] == nil } ?? false
                if scope == nil || (grantedScope == scope && !(isUnknown && configuration.hidesUnknownRepositories)) {
                    return nil
                }
                isInsufficient = true
            }
            var challenge = #"Bearer realm="http://\#(request.header("Host") ?? "")/token",service="\#(service)""#
            if let scope {
                challenge += #",scope="\#(scope)""#
            }
            if isInsufficient {
                challenge += #",error="insufficient_scope""#
            }
            var response = Self.errorResponse(401, code: "UNAUTHORIZED", message: "authentication required")
            response.headers.append(("WWW-Authenticate", challenge))
            return response
        }
    }

    /// Issues a token for the request's `scope` after checking `service` and `scope`, the realm's side of the
    /// distribution token authentication specification. Each call issues a new token.
    mutating func issueToken(for request: HTTPRequest) -> HTTPResponse {
        guard case .bearer(let service, let tokenField) = configuration.authentication else {
            return Self.errorResponse(404, code: "NOT_FOUND", message: "this registry has no token realm")
        }
        if let rejection = checkTokenCredentials(request) {
            return rejection
        }
        guard request.queryValue("service") == service || request.method == "POST" else {
            return Self.errorResponse(
                400, code: "INVALID_REQUEST",
                message: "service \(request.queryValue("service") ?? "(missing)") is not \(service)")
        }
        // A form POST carries its scope in the body, which the server drops, so it is granted the pull scope
        // of the first repository by name.
        let scope = request.method == "POST"
            ? repositories.keys.sorted().first.map { Self.pullScope(of: $0) } ?? ""
            : request.queryValue("scope") ?? ""
        let knownScopes = Set(repositories.keys.map { Self.pullScope(of: $0) }).union(configuration.requiredScopes.values)
        guard knownScopes.contains(scope) || configuration.hidesUnknownRepositories else {
            return Self.errorResponse(
                400, code: "INVALID_REQUEST", message: "scope \(scope) is not the pull scope of a known repository")
        }

        let token = "fixture-token-\(issuedTokens.count + 1)"
        issuedTokens[token] = scope
        let body: [String: Any] = [tokenField.rawValue: token, "expires_in": 300]
        do {
            return HTTPResponse(
                status: 200, headers: [("Content-Type", "application/json")],
                body: Array(try JSONSerialization.data(withJSONObject: body)))
        } catch {
            preconditionFailure("a token response of strings and numbers always encodes: \(error)")
        }
    }

    /// Returns a `401` or `404` when the request lacks what `tokenCredentials` requires, or nil.
    func checkTokenCredentials(_ request: HTTPRequest) -> HTTPResponse? {
        guard let credentials = configuration.tokenCredentials else { return nil }
        if request.method == "POST" {
            guard !credentials.rejectsPost, credentials.refreshToken != nil else {
                return Self.errorResponse(404, code: "NOT_FOUND", message: "this realm takes no POST")
            }
            return nil
        }
        let accepted = [credentials.password, credentials.refreshToken].compactMap { $0 }.map {
            "Basic " + Data("\(credentials.user):\($0)".utf8).base64EncodedString()
        }
        guard let authorization = request.header("Authorization"), accepted.contains(authorization),
            request.queryValue("account") == credentials.user
        else {
            return Self.errorResponse(401, code: "UNAUTHORIZED", message: "invalid credentials")
        }
        return nil
    }

    static func pullScope(of repository: String) -> String {
        "repository:\(repository):pull"
    }
}
