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
    }

    public let entry: StoredEntry
    public let source: Source
    /// The instant the answer was made, for computing age and remaining time.
    public let now: Date

    public var isStale: Bool {
        switch source {
        case .fresh, .miss, .revalidated: false
        case .staleWhileRevalidate, .staleIfError, .staleAfterRecentError: true
        }
    }

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

    public var description: String {
        switch self {
        case .fetch(let error): error.message
        case .store(let error): "cache database error: \(error.description)"
        }
    }
}
