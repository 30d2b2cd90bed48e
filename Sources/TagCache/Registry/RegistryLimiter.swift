import Synchronization

/// Per-registry load control: at most `concurrency` fetches at once and at most `rate` requests per second to
/// each registry, keyed as references write the registry.
///
/// Fetches wait for a slot in priority order, `interactive` before `background`, each in arrival order. Requests
/// take tokens from a bucket that contains at most one token and refills at `rate` per second, so requests are spaced
/// `1 / rate` seconds apart and never burst. Requests waiting for a token are granted in no fixed order, but at
/// most `concurrency` of them wait, because each runs inside a slot. A `429` halves the registry's rate, at most once per second, and the
/// rate then recovers by a tenth of its ceiling every `recoveryInterval`.
public final class RegistryLimiter: Sendable {
    /// The limits of one registry.
    public struct Limits: Sendable, Equatable {
        /// Fetches at once; at least 1.
        public var concurrency: Int
        /// Requests per second; 0 for no limit.
        public var rate: Double

        public init(concurrency: Int, rate: Double) {
            precondition(concurrency >= 1, "concurrency must be at least 1")
            precondition(rate >= 0, "rate must not be negative")
            self.concurrency = concurrency
            self.rate = rate
        }
    }

    /// Lowest rate a `429` reduces a registry to, in requests per second.
    static let minimumRate = 0.1

    let limitsForRegistry: @Sendable (String) -> Limits
    /// Seconds between recovery steps of a reduced rate.
    let recoveryInterval: Double
    private let state = Mutex<State>(State())

    private struct State {
        var registries: [String: RegistryLoad] = [:]
        var nextWaiterID = 0
    }

    /// - Parameter recoveryInterval: Seconds between recovery steps after a `429`.
    public init(limits: @escaping @Sendable (String) -> Limits, recoveryInterval: Double = 10) {
        precondition(recoveryInterval > 0, "recoveryInterval must be positive")
        self.limitsForRegistry = limits
        self.recoveryInterval = recoveryInterval
    }

    /// Creates a limiter with each registry's `concurrency` and `rate` settings.
    public convenience init(settings: @escaping @Sendable (String) -> RegistrySettings) {
        self.init(limits: { registry in
            let registrySettings = settings(registry)
            return Limits(concurrency: registrySettings.concurrency, rate: registrySettings.rate)
        })
    }

    // MARK: Slots

    /// Waits for a fetch slot of `registry`. Returns false, holding no slot, when the task is cancelled first.
    func acquireSlot(registry: String, priority: FetchPriority) async -> Bool {
        let concurrency = limitsForRegistry(registry).concurrency
        let id = state.withLock { state in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                state.withLock { state in
                    if Task.isCancelled {
                        continuation.resume(returning: false)
                        return
                    }
                    var load = state.registries[registry, default: RegistryLoad()]
                    if load.running < concurrency && load.waitingCount == 0 {
                        load.running += 1
                        continuation.resume(returning: true)
                    } else {
                        load.waiting[priority, default: []].append(
                            RegistryLoad.Waiter(id: id, continuation: continuation))
                    }
                    state.registries[registry] = load
                }
            }
        } onCancel: {
            let waiter = state.withLock { $0.registries[registry]?.removeWaiter(id) }
            waiter?.continuation.resume(returning: false)
        }
    }

    /// Returns a slot of `registry`, handing it to the next waiter when there is one.
    func releaseSlot(registry: String) {
        let next = state.withLock { state -> RegistryLoad.Waiter? in
            guard var load = state.registries[registry] else {
                preconditionFailure("releaseSlot(registry:) without a slot of \(registry)")
            }
            precondition(load.running > 0, "releaseSlot(registry:) without a slot of \(registry)")
            let waiter = load.popWaiter()
            if waiter == nil {
                load.running -= 1
            }
            state.registries[registry] = load
            return waiter
        }
        next?.continuation.resume(returning: true)
    }

    // MARK: Request rate

    /// Waits until `registry` may receive one more request. Returns false when the task is cancelled first.
    ///
    /// Each grant is spaced from the previous grant as it actually happened, so a waiter that wakes late delays
    /// the next one instead of sending right behind it.
    func acquireRequest(registry: String) async -> Bool {
        let configured = limitsForRegistry(registry).rate
        while true {
            let now = ContinuousClock.now
            let wakeAt = state.withLock { state -> ContinuousClock.Instant? in
                var load = state.registries[registry, default: RegistryLoad()]
                defer { state.registries[registry] = load }
                let rate = effectiveRate(&load, configured: configured, now: now)
                if rate > 0, let last = load.lastRequestAt, now - last < Self.interval(rate: rate) {
                    return last + Self.interval(rate: rate)
                }
                load.lastRequestAt = now
                load.countRequest(at: now)
                return nil
            }
            guard let wakeAt else { return !Task.isCancelled }
            do {
                try await Task.sleep(until: wakeAt, clock: .continuous)
            } catch {
                return false
            }
        }
    }

    /// Computes the spacing of requests at `rate`: `1 / rate` plus 1 %. Over `rate` requests the extra 1 % adds
    /// 10 ms, a margin for the scheduling delay between a grant and the registry's receipt of the request.
    static func interval(rate: Double) -> Duration {
        .seconds(1.01 / rate)
    }

    /// Halves the request rate of `registry` after a `429`, unless it was halved less than a second ago.
    func recordRateLimited(registry: String) {
        let configured = limitsForRegistry(registry).rate
        let now = ContinuousClock.now
        state.withLock { state in
            var load = state.registries[registry, default: RegistryLoad()]
            defer { state.registries[registry] = load }
            if load.reducedRate != nil, let changed = load.rateChangedAt, now - changed < .seconds(1) {
                return
            }
            let current = effectiveRate(&load, configured: configured, now: now)
            let base = current > 0 ? current : max(1, load.observedRate)
            if load.reducedRate == nil {
                load.recoveryCeiling = base
            }
            load.reducedRate = max(Self.minimumRate, base / 2)
            load.rateChangedAt = now
        }
    }

    /// Returns the request rate in effect for `registry`, 0 for no limit.
    public func currentRate(for registry: String) -> Double {
        let configured = limitsForRegistry(registry).rate
        let now = ContinuousClock.now
        return state.withLock { state in
            var load = state.registries[registry, default: RegistryLoad()]
            defer { state.registries[registry] = load }
            return effectiveRate(&load, configured: configured, now: now)
        }
    }

    /// Returns the number of fetches of `registry` that hold a slot and that wait for one.
    public func load(of registry: String) -> (running: Int, waiting: Int) {
        state.withLock { state in
            let load = state.registries[registry] ?? RegistryLoad()
            return (load.running, load.waitingCount)
        }
    }

    /// Returns the number of fetches waiting for a slot, over all registries, by priority.
    public func queueLengths() -> [FetchPriority: Int] {
        state.withLock { state in
            var lengths: [FetchPriority: Int] = [.interactive: 0, .background: 0]
            for load in state.registries.values {
                for (priority, queue) in load.waiting {
                    lengths[priority, default: 0] += queue.count
                }
            }
            return lengths
        }
    }

    /// Applies the recovery steps due at `now` and returns the rate in effect.
    private func effectiveRate(_ load: inout RegistryLoad, configured: Double, now: ContinuousClock.Instant) -> Double {
        guard let reduced = load.reducedRate, let changed = load.rateChangedAt else { return configured }
        let elapsed = now - changed
        let steps = Int(elapsed / .seconds(recoveryInterval))
        guard steps > 0 else { return reduced }

        let recovered = reduced + Double(steps) * load.recoveryCeiling / 10
        if recovered >= load.recoveryCeiling {
            load.reducedRate = nil
            load.rateChangedAt = nil
            return configured
        }
        load.reducedRate = recovered
        load.rateChangedAt = changed + .seconds(recoveryInterval * Double(steps))
        return recovered
    }
}
