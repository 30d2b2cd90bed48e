/// The freshness windows one registry sets in place of the `cache` defaults; nil keeps the default.
public struct CachePolicyOverride: Sendable, Equatable {
    public var ttl: Int?
    public var staleWhileRevalidate: Int?
    public var staleIfError: Int?

    public init(ttl: Int? = nil, staleWhileRevalidate: Int? = nil, staleIfError: Int? = nil) {
        self.ttl = ttl
        self.staleWhileRevalidate = staleWhileRevalidate
        self.staleIfError = staleIfError
    }

    /// Returns `defaults` with the windows this override sets replaced.
    public func applied(to defaults: CachePolicy) -> CachePolicy {
        var policy = defaults
        if let ttl { policy.ttl = ttl }
        if let staleWhileRevalidate { policy.staleWhileRevalidate = staleWhileRevalidate }
        if let staleIfError { policy.staleIfError = staleIfError }
        return policy
    }
}
