/// Delays between attempts to fetch a repository whose fetches keep failing: exponential, capped, with "equal
/// jitter" so that repositories that failed together do not retry together.
///
/// After `n` consecutive failures the ceiling is `base · 2^(n−1)`, at most `maximum`. The delay is drawn from the
/// upper half of the ceiling, `[ceiling/2, ceiling)`. Each delay is therefore at least as long as the one
/// before, until the ceiling reaches `maximum`, where delays vary within its upper half.
struct Backoff: Sendable, Equatable {
    /// Ceiling after the first failure, in seconds.
    var base: Double
    /// Largest ceiling, in seconds.
    var maximum: Double

    init(base: Double, maximum: Double) {
        precondition(base > 0 && maximum >= base, "a backoff needs 0 < base <= maximum, got \(base) and \(maximum)")
        self.base = base
        self.maximum = maximum
    }

    /// The backoff of a repository under `policy`: a base of its TTL clamped to 1…5 s, so that short-lived lists
    /// are retried sooner, and a maximum of 5 minutes.
    init(policy: CachePolicy) {
        self.init(base: Double(min(max(policy.ttl, 1), 5)), maximum: 300)
    }

    /// Returns the delay in seconds after `failures` consecutive failures.
    ///
    /// - Parameter jitter: A number in `0..<1`; 0 gives half the ceiling.
    func delay(afterFailures failures: Int, jitter: Double) -> Double {
        precondition(failures >= 1, "a backoff delay follows at least one failure, got \(failures)")
        precondition(jitter >= 0 && jitter < 1, "jitter must be in 0..<1, got \(jitter)")
        // 2^20 times any base already exceeds any sensible maximum, and keeps the power finite.
        let ceiling = min(maximum, base * Double(1 << min(failures - 1, 20)))
        return ceiling / 2 + ceiling / 2 * jitter
    }
}
