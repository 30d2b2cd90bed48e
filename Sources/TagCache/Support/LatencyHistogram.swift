/// Counts of durations in the cumulative buckets of a Prometheus histogram.
struct LatencyHistogram: Sendable, Equatable {
    /// Upper bounds in seconds, shared by every latency histogram tagcache exports.
    static let bounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

    /// Observations at or below each bound, in the order of `bounds`.
    private(set) var buckets = Array(repeating: 0, count: LatencyHistogram.bounds.count)
    private(set) var count = 0
    private(set) var sum: Double = 0

    mutating func observe(_ seconds: Double) {
        for (index, bound) in Self.bounds.enumerated() where seconds <= bound {
            buckets[index] += 1
        }
        count += 1
        sum += seconds
    }
}
