import Foundation

/// The OCI Distribution client. Lists a repository's tags with `GET /v2/NAME/tags/list`, following `Link`
/// pagination, after Bearer-token or HTTP Basic authentication when the registry requires it.
///
/// A fetch sends `GET /v2/` only when its first `tags/list` request fails with a status other than 401 or needs a
/// challenge that the 401 lacked. Tokens are cached per registry, scope and credential until they expire.
/// Credentials go only to the registry and its token realm.
public final class RegistryClient: TagFetcher {
    let settingsForRegistry: @Sendable (String) -> RegistrySettings
    let log: Log
    let http = HTTPClient()
    let tokens = TokenCache()
    let credentials: CredentialResolver
    /// Rate-limit headers and retry counts per registry, for a status page.
    public let stats: RegistryStats
    /// Spaces every request to a registry by its `rate`; nil sends requests without waiting.
    let limiter: RegistryLimiter?

    /// Responses other than `tags/list` pages (the `/v2/` probe, token responses) are small. Their bodies are
    /// capped here or at the registry's `maxPageBytes`, whichever is lower.
    static let maxAuxiliaryBodyBytes = 1024 * 1024

    /// - Parameter settings: Returns the settings of a registry as written in references, such as `docker.io`.
    /// - Parameter credentials: Finds the credential for each repository; anonymous by default.
    /// - Parameter limiter: Spaces the requests to each registry (probe, token, pages) by its `rate` and lowers
    ///   that rate after a `429`. Wrap the client in a `LimitedFetcher` with the same limiter to bound concurrency.
    public init(
        settings: @escaping @Sendable (String) -> RegistrySettings, credentials: CredentialResolver = .anonymous,
        stats: RegistryStats = RegistryStats(), limiter: RegistryLimiter? = nil, log: Log
    ) {
        self.settingsForRegistry = settings
        self.credentials = credentials
        self.stats = stats
        self.limiter = limiter
        self.log = log
    }

    public func listTags(of reference: ImageReference) async throws(FetchError) -> FetchedTags {
        let settings = settingsForRegistry(reference.registry)
        precondition(settings.pageSize > 0 && settings.maxPages > 0, "page settings must be positive")
        let target = try await FetchTarget.make(for: reference, settings: settings)
        let scope = "repository:\(reference.path):pull"
        let credential = try credential(for: reference)
        let cacheKey = Self.tokenCacheKey(scope: scope, credential: credential)

        // Without a cached token, the first tags/list request goes out anonymously instead of after a /v2/ probe.
        // A registry that requires authentication returns 401 with the challenge the probe would get, and
        // authorize(after:) sends the probe only for other failures. When a token no longer works, the first 401
        // re-authenticates once.
        var authorization: String?
        var probeChallenges: [Challenge]?
        var mayProbe = false
        if let token = tokens.token(registry: target.registry, scope: cacheKey, now: Date()) {
            authorization = "Bearer \(token)"
        } else {
            mayProbe = true
        }

        let firstPage = target.baseURL.resolving("/v2/\(reference.path)/tags/list?n=\(settings.pageSize)")
        guard let firstPage else {
            preconditionFailure("a repository path always forms a valid URL path")
        }
        var chain = PageChain(reference: reference, firstPage: firstPage)
        var pageURL = firstPage
        var tags: [String] = []
        var pages = 0
        var hasReauthenticated = false

        while true {
            let request = target.request(
                pageURL, addresses: target.addresses, authorization: authorization,
                maxBodyBytes: settings.maxPageBytes)
            let response = try await send(request, for: target)
            let isFirstAnonymousResponse = mayProbe
            mayProbe = false

            if isFirstAnonymousResponse && response.status != 200,
                let firstAuthorization = try await authorize(
                    after: response, target: target, scope: scope, credential: credential,
                    probeChallenges: &probeChallenges)
            {
                authorization = firstAuthorization
                continue
            }
            if response.status == 401 && !hasReauthenticated {
                hasReauthenticated = true
                tokens.remove(registry: target.registry, scope: cacheKey)
                authorization = try await reauthenticate(
                    target, scope: scope, response: response, probeChallenges: probeChallenges,
                    credential: credential)
                continue
            }
            guard response.status == 200 else {
                // Docker Hub returns this to a valid token for a missing or a private repository alike.
                if authorization?.hasPrefix("Bearer ") == true && isInsufficientScope(response, target: target) {
                    throw FetchError(
                        .nameUnknownOrDenied,
                        "registry \(target.registry) issued a token but denied access to repository "
                            + "\(target.repository) (HTTP 401 insufficient_scope): the repository does not exist "
                            + "or is private; check its name, then "
                            + Self.credentialAdvice(credential, registry: target.registry))
                }
                throw statusError(
                    response, request: request, target: target, sentToken: authorization != nil,
                    credential: credential)
            }

            pages += 1
            let pageTags = try decodePage(response.body, url: pageURL, target: target)
            tags += pageTags
            log.debug(
                "registry.page",
                [
                    "registry": target.registry, "repository": target.repository, "page": String(pages),
                    "status": String(response.status), "tags": String(pageTags.count),
                ])

            let linkValues = response.headers.values(for: "Link")
            guard let next = try chain.nextPage(after: pageURL, linkValues: linkValues) else { break }
            guard pages < settings.maxPages else {
                throw FetchError(
                    .limitExceeded,
                    "repository \(target.repository) on registry \(target.registry) has more than "
                        + "\(settings.maxPages) pages of tags; raise max_pages for this registry in the "
                        + "configuration")
            }
            pageURL = next
        }

        return FetchedTags(tags: TagOrder.sortedUnique(tags), pages: pages)
    }

    /// Obtains the authorization for a fetch whose first, anonymous tags/list request returned `response`, a
    /// status other than 200, as a `/v2/` probe's challenge would have.
    ///
    /// A 401 starts the authentication with its own challenge, so the one re-authentication of a fetch stays for
    /// a token the registry then rejects, such as one with too narrow a scope. Any other status sends the probe:
    /// its errors tell a server that is no registry from a missing repository, and some registries return 404 or
    /// 403 to an anonymous tags/list but a challenge to `/v2/`.
    /// - Returns: The `Authorization` value to repeat the request with, or nil when `response` is final.
    private func authorize(
        after response: ClientResponse, target: FetchTarget, scope: String, credential: RegistryCredential?,
        probeChallenges: inout [Challenge]?
    ) async throws(FetchError) -> String? {
        if response.status == 401 {
            return try await reauthenticate(
                target, scope: scope, response: response, probeChallenges: nil, credential: credential)
        }
        let (authorization, challenges) = try await probe(target, scope: scope, credential: credential)
        probeChallenges = challenges
        return authorization
    }

    private func credential(for reference: ImageReference) throws(FetchError) -> RegistryCredential? {
        do {
            return try credentials.credential(for: reference)
        } catch {
            throw FetchError(
                .unauthorized, "cannot read the credentials for registry \(reference.registry): \(error.message)")
        }
    }

    /// The body of a `tags/list` response. `tags` is null for a repository without tags on some registries.
    private struct TagListBody: Decodable {
        var name: String?
        var tags: [String]?
    }

    func decodePage(_ body: [UInt8], url: HTTPURL, target: FetchTarget) throws(FetchError) -> [String] {
        if let tags = TagListScanner.tags(in: body) {
            return tags
        }
        do {
            return try JSONDecoder().decode(TagListBody.self, from: Data(body)).tags ?? []
        } catch {
            throw FetchError(
                .invalidResponse,
                "registry \(target.registry) returned a tags/list body for repository \(target.repository) "
                    + "that is not the expected JSON object with a tags array (\(url)); report this to the "
                    + "registry's operator")
        }
    }
}
