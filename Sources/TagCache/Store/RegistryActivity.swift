import Foundation

/// Requests and fetches tagcache made to one registry: either the totals a store holds, or the increments collected in memory
/// since the last batch was written.
public struct RegistryActivity: Sendable, Equatable {
    /// The latest `ratelimit-limit` and `ratelimit-remaining` headers a registry sent, as sent (Docker Hub's
    /// `100;w=21600` is 100 pulls per 21,600 s window).
    public struct RateLimit: Sendable, Equatable {
        public var limit: String?
        public var remaining: String?
        public var observedAt: Date

        public init(limit: String?, remaining: String?, observedAt: Date) {
            self.limit = limit
            self.remaining = remaining
            self.observedAt = observedAt
        }
    }

    /// The registry as references write it, e.g. `docker.io` or `127.0.0.1:5000`.
    public var registry: String
    /// HTTP requests the OCI client sent, token requests and retries included.
    public var requests = 0
    public var retries = 0
    /// Responses with status 429.
    public var rateLimited = 0
    /// Tag list fetches by any fetcher, and how many failed.
    public var fetches = 0
    public var errors = 0
    /// Requests by response status; status 0 counts requests that got no response.
    public var responses: [Int: Int] = [:]
    public var lastRequestAt: Date?
    public var lastError: String?
    public var lastErrorAt: Date?
    public var rateLimit: RateLimit?

    public init(registry: String) {
        self.registry = registry
    }

    /// Returns the label of a `responses` key in reports and metrics: the status code, or `none` for 0.
    static func statusLabel(_ status: Int) -> String {
        status == 0 ? "none" : String(status)
    }

    /// Adds the counts of `later` and takes its latest request, error and rate-limit headers where they are newer.
    public mutating func merge(_ later: RegistryActivity) {
        precondition(later.registry == registry, "cannot merge activity of \(later.registry) into \(registry)")
        requests += later.requests
        retries += later.retries
        rateLimited += later.rateLimited
        fetches += later.fetches
        errors += later.errors
        responses.merge(later.responses, uniquingKeysWith: +)
        if let time = later.lastRequestAt, lastRequestAt.map({ time >= $0 }) ?? true {
            lastRequestAt = time
        }
        if let time = later.lastErrorAt, lastErrorAt.map({ time >= $0 }) ?? true {
            lastErrorAt = time
            lastError = later.lastError
        }
        if let limit = later.rateLimit, rateLimit.map({ limit.observedAt >= $0.observedAt }) ?? true {
            rateLimit = limit
        }
    }
}
