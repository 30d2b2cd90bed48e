import Foundation
import Synchronization

/// Per-registry figures the client records for a status page: the latest rate-limit headers and counts of
/// retries. Thread-safe; every method may be called from any thread.
public final class RegistryStats: Sendable {
    /// The `ratelimit-limit` and `ratelimit-remaining` headers of a registry's latest response that carried
    /// them, as Docker Hub sends them (`100;w=21600`: 100 pulls per 21,600 s window).
    public struct RateLimit: Sendable, Equatable {
        /// The header value as sent.
        public var limitHeader: String?
        public var remainingHeader: String?
        /// The leading number of each header, when it has one.
        public var limit: Int?
        public var remaining: Int?
        public var observedAt: Date
    }

    private struct Entry {
        var rateLimit: RateLimit?
        var retries = 0
    }

    private let entries = Mutex<[String: Entry]>([:])

    public init() {}

    /// Returns the latest rate-limit headers of `registry`, or nil when it never sent any.
    public func rateLimit(for registry: String) -> RateLimit? {
        entries.withLock { $0[registry]?.rateLimit }
    }

    /// Returns the number of retried requests to `registry` since start.
    public func retries(for registry: String) -> Int {
        entries.withLock { $0[registry]?.retries ?? 0 }
    }

    /// Returns every registry with recorded figures, sorted.
    public var registries: [String] {
        entries.withLock { $0.keys.sorted() }
    }

    func recordHeaders(_ headers: HTTPHeaders, registry: String, now: Date = Date()) {
        let limit = headers["ratelimit-limit"]
        let remaining = headers["ratelimit-remaining"]
        guard limit != nil || remaining != nil else { return }
        let rateLimit = RateLimit(
            limitHeader: limit, remainingHeader: remaining, limit: limit.flatMap(Self.leadingNumber),
            remaining: remaining.flatMap(Self.leadingNumber), observedAt: now)
        entries.withLock { $0[registry, default: Entry()].rateLimit = rateLimit }
    }

    func recordRetry(registry: String) {
        entries.withLock { $0[registry, default: Entry()].retries += 1 }
    }

    private static func leadingNumber(_ value: String) -> Int? {
        Int(value.trimmingCharacters(in: .whitespaces).prefix { $0.isASCII && $0.isNumber })
    }
}
