import Foundation
import Synchronization

/// Requests and fetches per registry, as the fetchers and the cache record them: the latest rate-limit headers,
/// requests by response status with their latency, retries, and tag list fetches with their errors.
///
/// It keeps two views. Totals since the process started feed `GET /metrics`. Increments since the last
/// `drainActivity()` go to the store in batches, so that `tagcache status` on the database shows what every
/// process did. Thread-safe; every method may be called from any thread.
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

    /// Requests to one registry since start.
    struct RequestTotals: Sendable, Equatable {
        /// Requests by response status; 0 counts requests that got no response.
        var responses: [Int: Int] = [:]
        var latency = LatencyHistogram()
    }

    /// The name figures are recorded under once `maxRegistries` registries have figures. References cannot name
    /// it, because the reference grammar allows no parentheses in a registry.
    public static let otherRegistries = "(other)"

    private struct State {
        /// Registries with figures of their own, at most `maxRegistries`.
        var tracked: Set<String> = []
        var rateLimits: [String: RateLimit] = [:]
        var retries: [String: Int] = [:]
        var requests: [String: RequestTotals] = [:]
        var pending: [String: RegistryActivity] = [:]

        mutating func withPending(_ registry: String, _ change: (inout RegistryActivity) -> Void) {
            var activity = pending[registry] ?? RegistryActivity(registry: registry)
            change(&activity)
            pending[registry] = activity
        }
    }

    private let state = Mutex(State())
    /// Most registries with figures of their own. Further ones share `otherRegistries`, so clients that ask for
    /// ever new registries cannot grow memory, metrics and the database without bound.
    let maxRegistries: Int

    public init(maxRegistries: Int = 1000) {
        precondition(maxRegistries >= 1, "maxRegistries must be at least 1")
        self.maxRegistries = maxRegistries
    }

    /// Returns the name under which figures of `registry` are recorded: `registry` itself, or `otherRegistries`
    /// once `maxRegistries` others have figures.
    public func recordedName(of registry: String) -> String {
        state.withLock { name(of: registry, in: &$0) }
    }

    private func name(of registry: String, in state: inout State) -> String {
        if state.tracked.contains(registry) { return registry }
        guard state.tracked.count < maxRegistries else { return Self.otherRegistries }
        state.tracked.insert(registry)
        return registry
    }

    /// Returns the latest rate-limit headers of `registry`, or nil when it never sent any.
    public func rateLimit(for registry: String) -> RateLimit? {
        state.withLock { $0.rateLimits[registry] }
    }

    /// Returns the number of retried requests to `registry` since start.
    public func retries(for registry: String) -> Int {
        state.withLock { $0.retries[registry] ?? 0 }
    }

    /// Returns every registry with recorded rate-limit headers or retries, sorted.
    public var registries: [String] {
        state.withLock { Set($0.rateLimits.keys).union($0.retries.keys).sorted() }
    }

    /// Returns the requests of every registry since start, by registry.
    func requestTotals() -> [String: RequestTotals] {
        state.withLock { $0.requests }
    }

    /// Counts one HTTP request to `registry` that took `seconds` and got `status`, or no response when nil.
    func recordRequest(registry: String, status: Int?, seconds: Double, at time: Date = Date()) {
        let status = status ?? 0
        state.withLock { state in
            let registry = name(of: registry, in: &state)
            var totals = state.requests[registry] ?? RequestTotals()
            totals.responses[status, default: 0] += 1
            totals.latency.observe(seconds)
            state.requests[registry] = totals
            state.withPending(registry) { activity in
                activity.requests += 1
                activity.responses[status, default: 0] += 1
                if status == 429 { activity.rateLimited += 1 }
                activity.lastRequestAt = max(activity.lastRequestAt ?? time, time)
            }
        }
    }

    func recordHeaders(_ headers: HTTPHeaders, registry: String, now: Date = Date()) {
        let limit = headers["ratelimit-limit"]
        let remaining = headers["ratelimit-remaining"]
        guard limit != nil || remaining != nil else { return }
        let rateLimit = RateLimit(
            limitHeader: limit, remainingHeader: remaining, limit: limit.flatMap(Self.leadingNumber),
            remaining: remaining.flatMap(Self.leadingNumber), observedAt: now)
        state.withLock { state in
            let registry = name(of: registry, in: &state)
            state.rateLimits[registry] = rateLimit
            state.withPending(registry) { activity in
                activity.rateLimit = RegistryActivity.RateLimit(limit: limit, remaining: remaining, observedAt: now)
            }
        }
    }

    func recordRetry(registry: String) {
        state.withLock { state in
            let registry = name(of: registry, in: &state)
            state.retries[registry, default: 0] += 1
            state.withPending(registry) { $0.retries += 1 }
        }
    }

    /// Counts one tag list fetch from `registry` by any fetcher, failed with `error` unless it is nil.
    public func recordFetch(registry: String, error: String?, at time: Date) {
        state.withLock { state in
            let registry = name(of: registry, in: &state)
            state.withPending(registry) { activity in
                activity.fetches += 1
                if let error {
                    activity.errors += 1
                    if activity.lastErrorAt.map({ time >= $0 }) ?? true {
                        activity.lastError = error
                        activity.lastErrorAt = time
                    }
                }
            }
        }
    }

    /// Removes and returns the increments recorded since the last call, ordered by registry.
    public func drainActivity() -> [RegistryActivity] {
        let pending = state.withLock { state in
            defer { state.pending.removeAll() }
            return state.pending
        }
        return pending.values.sorted { $0.registry < $1.registry }
    }

    /// Puts increments back after a failed write, merged with those recorded since.
    public func restoreActivity(_ activity: [RegistryActivity]) {
        state.withLock { state in
            for increment in activity {
                state.withPending(increment.registry) { $0.merge(increment) }
            }
        }
    }

    private static func leadingNumber(_ value: String) -> Int? {
        Int(value.trimmingCharacters(in: .whitespaces).prefix { $0.isASCII && $0.isNumber })
    }
}
