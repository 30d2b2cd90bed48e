/// The load state of one registry in `RegistryLimiter`: fetches running and waiting, the next free request time
/// and the request rate after `429` responses. A value type, so every change happens under the limiter's lock.
struct RegistryLoad {
    /// A fetch waiting for a slot, resumed with true when it gets one and false when its task is cancelled.
    struct Waiter {
        var id: Int
        var continuation: CheckedContinuation<Bool, Never>
    }

    /// Fetches holding a slot.
    var running = 0
    /// Waiting fetches by priority, each queue in arrival order.
    var waiting: [FetchPriority: [Waiter]] = [:]

    /// When the latest request was granted.
    var lastRequestAt: ContinuousClock.Instant?

    /// Requests per second in effect after `429` responses, or nil while the configured rate applies.
    var reducedRate: Double?
    /// The rate a reduced rate recovers to: the configured one, or the rate observed at the first `429` when no
    /// rate is configured.
    var recoveryCeiling: Double = 0
    /// When the reduced rate last changed, by a `429` or a recovery step.
    var rateChangedAt: ContinuousClock.Instant?

    /// Requests granted in the current whole second since `secondStartedAt`, and in the second before it, to
    /// estimate the rate a registry without a configured rate was sent.
    var secondStartedAt: ContinuousClock.Instant?
    var requestsThisSecond = 0
    var requestsLastSecond = 0

    /// Removes and returns the first waiter of the highest priority.
    mutating func popWaiter() -> Waiter? {
        for priority in [FetchPriority.interactive, .background] {
            if var queue = waiting[priority], !queue.isEmpty {
                let waiter = queue.removeFirst()
                waiting[priority] = queue
                return waiter
            }
        }
        return nil
    }

    /// Removes the waiter `id` and returns it, or nil when it was resumed already.
    mutating func removeWaiter(_ id: Int) -> Waiter? {
        for (priority, queue) in waiting {
            if let index = queue.firstIndex(where: { $0.id == id }) {
                return waiting[priority]?.remove(at: index)
            }
        }
        return nil
    }

    var waitingCount: Int {
        waiting.values.reduce(0) { $0 + $1.count }
    }

    /// Counts one request sent at `now` for the observed rate.
    mutating func countRequest(at now: ContinuousClock.Instant) {
        let second = Duration.seconds(1)
        if let start = secondStartedAt, now - start < second {
            requestsThisSecond += 1
            return
        }
        let wasPreviousSecond = secondStartedAt.map { now - $0 < second * 2 } ?? false
        requestsLastSecond = wasPreviousSecond ? requestsThisSecond : 0
        requestsThisSecond = 1
        secondStartedAt = now
    }

    /// Requests per second sent recently: the larger of the current and the previous whole second.
    var observedRate: Double {
        Double(max(requestsThisSecond, requestsLastSecond))
    }
}
