/// A source of tag lists: the OCI Distribution HTTP client, `skopeo`, or in future a peer tagcache.
public protocol TagFetcher: Sendable {
    /// Lists every tag of `reference`, following pagination to the end.
    ///
    /// - Returns: The tags de-duplicated and sorted in byte order, with the number of pages read.
    /// - Throws: `FetchError` describing what failed and what to do next.
    func listTags(of reference: ImageReference) async throws(FetchError) -> FetchedTags
}

/// A complete tag list as one fetch returned it.
public struct FetchedTags: Sendable, Equatable {
    /// Tags de-duplicated and sorted in byte order.
    public var tags: [String]

    /// Number of `tags/list` pages read.
    public var pages: Int

    public init(tags: [String], pages: Int) {
        self.tags = tags
        self.pages = pages
    }
}

/// A failed fetch. `message` names the registry, the repository and the next step for the user, and never
/// contains a credential.
public struct FetchError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The registry reports that the repository does not exist (`404 NAME_UNKNOWN`).
        case nameUnknown
        /// The registry issued a token and then returned `401 insufficient_scope`, which is how Docker Hub
        /// responds for a repository that does not exist and for a private one alike.
        case nameUnknownOrDenied
        /// The registry rejected the credentials, or requires credentials tagcache does not have, or the
        /// credentials could not be read.
        case unauthorized
        /// The registry refused access (`403`).
        case denied
        /// The access policy forbids contacting this registry address.
        case registryNotAllowed
        /// A connect or request timeout expired.
        case timeout
        /// The connection failed: refused, reset, DNS failure, TLS failure.
        case unreachable
        /// The registry returned something that is not a valid OCI response, or an unexpected status.
        case invalidResponse
        /// A configured limit (pages, page bytes) was exceeded.
        case limitExceeded
    }

    public var kind: Kind
    public var message: String

    /// Whether the registry reported the repository missing (or, as Docker Hub does, missing or private), which
    /// the cache remembers for `negative_ttl` and never hides behind a stored list.
    public var isNegative: Bool {
        kind == .nameUnknown || kind == .nameUnknownOrDenied
    }

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
