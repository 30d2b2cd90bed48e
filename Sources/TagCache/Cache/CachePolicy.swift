import Foundation

/// Freshness windows of cached tag lists, in seconds, after RFC 9111 and RFC 5861.
///
/// An entry is fresh for `ttl` after it was fetched. For `staleWhileRevalidate` seconds after that it is answered
/// at once and refreshed in the background. For `staleIfError` seconds after expiry it is still answered, marked
/// stale, when the registry fails.
public struct CachePolicy: Sendable, Equatable {
    public var ttl: Int = 600
    public var staleWhileRevalidate: Int = 86_400
    public var staleIfError: Int = 30 * 86_400
    /// Seconds a repository the registry reports unknown is answered `404` without asking the registry again.
    public var negativeTTL: Int = 60

    public init() {}

    public init(ttl: Int, staleWhileRevalidate: Int, staleIfError: Int) {
        self.ttl = ttl
        self.staleWhileRevalidate = staleWhileRevalidate
        self.staleIfError = staleIfError
    }
}

/// Position of an entry relative to the windows of a `CachePolicy` at one instant.
enum Freshness: Equatable {
    /// Usable without contacting the registry; `remaining` seconds until expiry.
    case fresh(remaining: Double)
    /// Expired `age` seconds ago, inside stale-while-revalidate: serve it now and refresh it in the background.
    case staleWhileRevalidate(age: Double)
    /// Expired `age` seconds ago, past stale-while-revalidate: fetch, and answer stale only if that fails and the
    /// entry is inside stale-if-error.
    case mustRevalidate(age: Double, usableOnError: Bool)

    init(expiresAt: Date, now: Date, policy: CachePolicy) {
        let remaining = expiresAt.timeIntervalSince(now)
        if remaining > 0 {
            self = .fresh(remaining: remaining)
            return
        }
        let age = -remaining
        if age < Double(policy.staleWhileRevalidate) {
            self = .staleWhileRevalidate(age: age)
        } else {
            self = .mustRevalidate(age: age, usableOnError: age < Double(policy.staleIfError))
        }
    }

    /// Returns whether an entry may replace a failed fetch: it expired less than `staleIfError` ago, or it is inside
    /// stale-while-revalidate, where it would be answered without a fetch anyway.
    static func isUsableOnError(expiresAt: Date, now: Date, policy: CachePolicy) -> Bool {
        let age = now.timeIntervalSince(expiresAt)
        return age < Double(max(policy.staleIfError, policy.staleWhileRevalidate))
    }
}
