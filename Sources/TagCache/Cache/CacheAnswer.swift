import Foundation

/// A tag list the cache returns, with how it was obtained.
public struct CacheAnswer: Sendable {
    public enum Source: Sendable, Equatable {
        /// Stored and fresh; no registry request.
        case fresh
        /// Stored and stale inside stale-while-revalidate; a background refresh runs.
        case staleWhileRevalidate
        /// Stored and stale; the refresh just attempted failed with this error.
        case staleIfError(FetchError)
        /// Stored and stale; a recent refresh failed, so no new attempt is made before `nextAttemptAt`.
        case staleAfterRecentError
        /// Nothing was stored; fetched now. `collapsed` when another request's fetch supplied it.
        case miss(collapsed: Bool)
        /// Stored but past stale-while-revalidate; fetched again now.
        case revalidated(collapsed: Bool)
        /// Stored and usable, but the request's `no-cache` or `max-age` asked for a fetch; fetched now.
        case revalidatedOnRequest(collapsed: Bool)
        /// Stored and stale past stale-while-revalidate, inside the request's `max-stale`; a background refresh
        /// runs.
        case maxStale
        /// Stored, answered whatever its age because the request contained `only-if-cached`, without a registry request.
        case onlyIfCached
    }

    public let entry: StoredEntry
    public let source: Source
    /// The instant the answer was made, for computing age and remaining time.
    public let now: Date
    /// The freshness windows of the entry's registry, which the response's `Cache-Control` advertises.
    public let policy: CachePolicy

    init(entry: StoredEntry, source: Source, now: Date, policy: CachePolicy) {
        self.entry = entry
        self.source = source
        self.now = now
        self.policy = policy
    }

    public var isStale: Bool {
        switch source {
        case .fresh, .miss, .revalidated, .revalidatedOnRequest: false
        case .staleWhileRevalidate, .staleIfError, .staleAfterRecentError, .maxStale: true
        case .onlyIfCached: entry.expiresAt <= now
        }
    }

    /// The strong entity tag of the tag list.
    public var entityTag: EntityTag { EntityTag(tags: entry.tags) }

    /// Whole seconds until expiry; negative once expired.
    public var ttl: Int {
        Int(entry.expiresAt.timeIntervalSince(now).rounded(.down))
    }

    /// Whole seconds since the list was fetched, as the `Age` header reports it.
    public var age: Int {
        max(0, Int(now.timeIntervalSince(entry.fetchedAt).rounded(.down)))
    }
}

/// A lookup that produced no usable tag list.
public enum CacheError: Error, Sendable, CustomStringConvertible {
    case fetch(FetchError)
    case store(StoreError)
    /// The request contained `only-if-cached` and nothing is stored for the reference.
    case notCached(ImageReference)
    /// A recent fetch of a reference without a stored list failed with this error, which is returned without a
    /// new attempt for `retryAfter` more seconds. A `nameUnknown` error here is a negative cache entry.
    case recentFailure(FetchError, retryAfter: Int)

    public var description: String {
        switch self {
        case .fetch(let error): error.message
        case .recentFailure(let error, let retryAfter):
            "\(error.message) (this failure is cached; tagcache asks the registry again in \(retryAfter) s)"
        case .notCached(let reference):
            "no tag list of \(reference.name) is stored, and only-if-cached forbids fetching it; "
                + "ask again without only-if-cached"
        case .store(let error): "cache database error: \(error.description)"
        }
    }
}
