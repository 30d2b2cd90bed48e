import Foundation

extension RegistryClient {
    /// Maximum number of redirects followed for one token request.
    static let maxTokenRedirects = 5

    /// Sends `GET /v2/` and obtains an authorization for `scope` when the registry returns a challenge.
    ///
    /// - Returns: The `Authorization` value, nil for anonymous access, and the challenges of the 401, if any.
    func probe(
        _ target: FetchTarget, scope: String, credential: RegistryCredential? = nil
    ) async throws(FetchError) -> (String?, [Challenge]) {
        guard let url = target.baseURL.resolving("/v2/") else {
            preconditionFailure("/v2/ always resolves against a base URL")
        }
        let request = target.request(
            url, addresses: target.addresses, authorization: nil,
            maxBodyBytes: min(Self.maxAuxiliaryBodyBytes, target.settings.maxPageBytes))
        let response = try await send(request, for: target)
        log.debug("registry.probe", ["registry": target.registry, "status": String(response.status)])

        switch response.status {
        case 200:
            return (nil, [])
        case 401:
            let challenges = try challenges(in: response, target: target)
            let authorization = try await authorize(
                target, scope: scope, challenges: challenges, credential: credential)
            return (authorization, challenges)
        default:
            throw FetchError(
                .invalidResponse,
                "registry \(target.registry) returned HTTP \(response.status) to GET \(url) instead of 200 or "
                    + "401\(registryMessageSuffix(response.body)); check that it serves the OCI distribution "
                    + "API at \(target.baseURL) and whether plain_http is set correctly")
        }
    }

    /// Obtains a new authorization after a `tags/list` request returned 401. The challenge of that response
    /// is used, or the one from `/v2/` when the response carries none. A Bearer challenge with
    /// `error="insufficient_scope"` and a `scope` gets a token for that scope instead of `scope`.
    func reauthenticate(
        _ target: FetchTarget, scope: String, response: ClientResponse, probeChallenges: [Challenge]?,
        credential: RegistryCredential? = nil
    ) async throws(FetchError) -> String? {
        let pageChallenges = try challenges(in: response, target: target)
        if !pageChallenges.isEmpty {
            var requestedScope = scope
            if let bearer = pageChallenges.first(where: { $0.hasScheme("Bearer") }),
                bearer.parameter("error") == "insufficient_scope", let challengeScope = bearer.parameter("scope"),
                !challengeScope.isEmpty
            {
                requestedScope = challengeScope
            }
            return try await authorize(
                target, scope: requestedScope, challenges: pageChallenges, credential: credential)
        }
        if let probeChallenges, !probeChallenges.isEmpty {
            return try await authorize(target, scope: scope, challenges: probeChallenges, credential: credential)
        }
        let (authorization, challenges) = try await probe(target, scope: scope, credential: credential)
        guard !challenges.isEmpty else {
            throw FetchError(
                .unauthorized,
                "registry \(target.registry) returned 401 to tags/list of repository \(target.repository) "
                    + "without an authentication challenge, while /v2/ permits anonymous access; "
                    + Self.credentialAdvice(credential, registry: target.registry))
        }
        return authorization
    }

    /// Returns what to do about rejected or missing credentials, naming where they came from.
    static func credentialAdvice(_ credential: RegistryCredential?, registry: String) -> String {
        if let credential {
            return "check the credentials for \(registry) in \(credential.source)"
        }
        return "the repository may need credentials; give them with --creds or --authfile, or add an entry for "
            + "\(registry) to an auth.json"
    }

    /// Returns whether `response` is a `401` whose Bearer challenge carries `error="insufficient_scope"`.
    func isInsufficientScope(_ response: ClientResponse, target: FetchTarget) -> Bool {
        guard response.status == 401, let challenges = try? challenges(in: response, target: target) else {
            return false
        }
        return challenges.contains { $0.hasScheme("Bearer") && $0.parameter("error") == "insufficient_scope" }
    }

    /// Picks a supported challenge and returns the `Authorization` value that satisfies it.
    private func authorize(
        _ target: FetchTarget, scope: String, challenges: [Challenge], credential: RegistryCredential?
    ) async throws(FetchError) -> String {
        if let bearer = challenges.first(where: { $0.hasScheme("Bearer") }) {
            let token = try await fetchToken(target, scope: scope, challenge: bearer, credential: credential)
            return "Bearer \(token)"
        }
        if challenges.contains(where: { $0.hasScheme("Basic") }) {
            guard let credential else {
                throw FetchError(
                    .unauthorized,
                    "registry \(target.registry) requires credentials (HTTP Basic authentication) for repository "
                        + "\(target.repository); give them with --creds or --authfile, or add an entry for "
                        + "\(target.registry) to an auth.json")
            }
            return credential.basicAuthorization
        }
        let schemes = challenges.map(\.scheme).joined(separator: ", ")
        throw FetchError(
            .unauthorized,
            "registry \(target.registry) requires authentication with \(schemes), which tagcache does not "
                + "support; only Bearer tokens and HTTP Basic are supported")
    }

    private func challenges(in response: ClientResponse, target: FetchTarget) throws(FetchError) -> [Challenge] {
        var challenges: [Challenge] = []
        for value in response.headers.values(for: "WWW-Authenticate") {
            do {
                challenges += try WWWAuthenticate.parse(value)
            } catch {
                throw FetchError(
                    .invalidResponse,
                    "registry \(target.registry) sent an invalid WWW-Authenticate header: \(error); report "
                        + "this to the registry's operator")
            }
        }
        return challenges
    }

    /// Requests a token for `scope` from the realm of `challenge` and caches it. With a password the request
    /// carries HTTP Basic credentials and `account`. With an identity token it is the OAuth2 refresh-token
    /// `POST`, falling back to `GET` with Basic credentials when the realm returns `404`, because some realms
    /// support only `GET`.
    private func fetchToken(
        _ target: FetchTarget, scope: String, challenge: Challenge, credential: RegistryCredential?
    ) async throws(FetchError) -> String {
        let realmURL = try realmURL(of: challenge, target: target)
        if let credential, case .identityToken(let refreshToken) = credential.secret {
            let form = [
                "grant_type=refresh_token", "refresh_token=\(Self.percentEncoded(refreshToken))",
                "client_id=tagcache", "scope=\(Self.percentEncoded(scope))",
            ] + (challenge.parameter("service").map { ["service=\(Self.percentEncoded($0))"] } ?? [])
            let posted = try await requestToken(
                TokenRequest(url: realmURL, form: form.joined(separator: "&"), credential: credential),
                target: target, scope: scope)
            if let token = posted {
                return token
            }
        }

        var url = realmURL
        if let service = challenge.parameter("service") {
            url = url.appendingQueryItem("service=\(Self.percentEncoded(service))")
        }
        url = url.appendingQueryItem("scope=\(Self.percentEncoded(scope))")
        if let credential, !credential.username.isEmpty {
            url = url.appendingQueryItem("account=\(Self.percentEncoded(credential.username))")
        }
        let token = try await requestToken(
            TokenRequest(url: url, form: nil, credential: credential), target: target, scope: scope)
        guard let token else {
            throw FetchError(
                .invalidResponse,
                "token service \(url.scheme)://\(url.authority)\(url.path) of registry \(target.registry) "
                    + "returned HTTP 404; report this to the registry's operator")
        }
        return token
    }

    /// One token request: a `GET` of `url`, or a form `POST` when `form` is set.
    private struct TokenRequest {
        var url: HTTPURL
        var form: String?
        var credential: RegistryCredential?
    }

    /// Sends a token request, following redirects, and stores the token. Returns nil when the realm answers
    /// `404` to a form `POST`, so the caller can fall back to `GET`.
    private func requestToken(
        _ tokenRequest: TokenRequest, target: FetchTarget, scope: String
    ) async throws(FetchError) -> String? {
        let realm = tokenRequest.url
        var url = realm
        var redirects = 0
        while true {
            let addresses = try await tokenServiceAddresses(of: url, target: target)
            // Credentials go to the realm's origin only, never to where it redirects.
            let sendsCredentials = tokenRequest.credential != nil && url.hasSameOrigin(as: realm)
            var request = target.request(
                url, addresses: addresses,
                authorization: sendsCredentials && tokenRequest.form == nil
                    ? tokenRequest.credential?.basicAuthorization : nil,
                maxBodyBytes: min(Self.maxAuxiliaryBodyBytes, target.settings.maxPageBytes))
            if let form = tokenRequest.form, sendsCredentials {
                request.method = "POST"
                request.body = Array(form.utf8)
                request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            }
            let response = try await send(request, for: target)
            let realmText = "\(url.scheme)://\(url.authority)\(url.path)"
            log.debug(
                "registry.token",
                ["registry": target.registry, "realm": realmText, "method": request.method,
                 "status": String(response.status)])

            switch response.status {
            case 200:
                return try storeToken(
                    from: response.body, target: target, scope: scope, credential: tokenRequest.credential, url: url)
            case 301, 302, 303, 307, 308:
                redirects += 1
                url = try redirectTarget(of: response, from: url, target: target, redirects: redirects)
            case 404 where request.method == "POST":
                return nil
            case 401, 403:
                throw FetchError(
                    .unauthorized,
                    tokenRejection(response, realm: realmText, target: target, credential: tokenRequest.credential))
            default:
                throw FetchError(
                    .invalidResponse,
                    "token service \(realmText) of registry \(target.registry) returned HTTP \(response.status)"
                        + "\(registryMessageSuffix(response.body)); retry later or report this to the registry's "
                        + "operator")
            }
        }
    }

    private func tokenRejection(
        _ response: ClientResponse, realm: String, target: FetchTarget, credential: RegistryCredential?
    ) -> String {
        let detail = registryMessageSuffix(response.body)
        guard let credential else {
            return "token service \(realm) refused an anonymous token for repository \(target.repository) on "
                + "registry \(target.registry) (HTTP \(response.status))\(detail); "
                + Self.credentialAdvice(nil, registry: target.registry)
        }
        return "token service \(realm) of registry \(target.registry) rejected the credentials from "
            + "\(credential.source) for repository \(target.repository) (HTTP \(response.status))\(detail); "
            + Self.credentialAdvice(credential, registry: target.registry)
    }

    private func realmURL(of challenge: Challenge, target: FetchTarget) throws(FetchError) -> HTTPURL {
        guard let realm = challenge.parameter("realm"), let realmURL = HTTPURL(string: realm) else {
            throw FetchError(
                .invalidResponse,
                "registry \(target.registry) sent a Bearer challenge without a valid http or https realm "
                    + "(\(challenge.parameter("realm") ?? "none")); report this to the registry's operator")
        }
        try checkTokenScheme(realmURL, target: target)
        return realmURL
    }

    private func redirectTarget(
        of response: ClientResponse, from url: HTTPURL, target: FetchTarget, redirects: Int
    ) throws(FetchError) -> HTTPURL {
        guard redirects <= Self.maxTokenRedirects else {
            throw FetchError(
                .invalidResponse,
                "token service of registry \(target.registry) redirected more than \(Self.maxTokenRedirects) "
                    + "times, last from \(url); report this to the registry's operator")
        }
        guard let location = response.headers["Location"], let next = url.resolving(location) else {
            throw FetchError(
                .invalidResponse,
                "token service \(url) of registry \(target.registry) sent HTTP \(response.status) without a "
                    + "valid Location; report this to the registry's operator")
        }
        try checkTokenScheme(next, target: target)
        return next
    }

    /// Rejects a plain-HTTP token URL unless the registry itself is configured for plain HTTP, so a token
    /// request never downgrades from HTTPS.
    private func checkTokenScheme(_ url: HTTPURL, target: FetchTarget) throws(FetchError) {
        guard url.scheme == "https" || target.settings.plainHTTP else {
            throw FetchError(
                .invalidResponse,
                "registry \(target.registry) sent token service URL \(url), which is plain HTTP while the "
                    + "registry uses HTTPS; set plain_http for this registry only if it is meant to speak HTTP")
        }
    }

    /// Returns the addresses of the token service: the registry's own when it is on the same host and port, else a
    /// fresh resolution checked by the access policy with the registry's `allow` setting.
    private func tokenServiceAddresses(of url: HTTPURL, target: FetchTarget) async throws(FetchError) -> [IPAddress] {
        if url.host == target.baseURL.host && url.effectivePort == target.baseURL.effectivePort {
            return target.addresses
        }
        return try await FetchTarget.checkedAddresses(
            of: url, registry: target.registry, allow: target.settings.allow)
    }

    /// The token response of the distribution token authentication specification. Docker Hub sends `token`,
    /// OAuth2-style services `access_token`.
    private struct TokenBody: Decodable {
        var token: String?
        var accessToken: String?
        var expiresIn: Int?
        var issuedAt: String?

        enum CodingKeys: String, CodingKey {
            case token
            case accessToken = "access_token"
            case expiresIn = "expires_in"
            case issuedAt = "issued_at"
        }
    }

    private func storeToken(
        from body: [UInt8], target: FetchTarget, scope: String, credential: RegistryCredential?, url: HTTPURL
    ) throws(FetchError) -> String {
        let decoded = try? JSONDecoder().decode(TokenBody.self, from: Data(body))
        guard let decoded, let token = [decoded.token, decoded.accessToken].compactMap({ $0 }).first(where: {
            !$0.isEmpty
        }) else {
            throw FetchError(
                .invalidResponse,
                "token service \(url.scheme)://\(url.authority)\(url.path) of registry \(target.registry) "
                    + "returned no token or access_token; report this to the registry's operator")
        }
        let now = Date()
        let expiresAt = TokenCache.expiry(expiresIn: decoded.expiresIn, issuedAt: decoded.issuedAt, now: now)
        tokens.store(
            token, registry: target.registry, scope: Self.tokenCacheKey(scope: scope, credential: credential),
            expiresAt: expiresAt, now: now)
        return token
    }

    /// Returns the token cache key of `scope`, so tokens obtained with different credentials never mix.
    static func tokenCacheKey(scope: String, credential: RegistryCredential?) -> String {
        guard let credential else { return scope }
        return scope + " " + credential.fingerprint
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters, so `:` and `/` of a scope survive as data.
    static func percentEncoded(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                encoded.append(Character(Unicode.Scalar(byte)))
            default:
                encoded += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return encoded
    }
}

private extension String {
    func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
