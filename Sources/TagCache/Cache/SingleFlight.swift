import Synchronization

/// Runs at most one operation per key at a time; callers that arrive while it runs share its result.
///
/// The operation runs in its own task, so a caller that goes away does not cancel the work others wait for. The
/// task removes its key itself when it ends, so a run counts as in progress from the moment `run` or `start`
/// returns until its result exists.
final class SingleFlight<Value: Sendable>: Sendable {
    private struct Flight {
        let id: UInt64
        let task: Task<Value, Never>
    }

    private struct State {
        var flights: [String: Flight] = [:]
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())

    /// Runs `operation` for `key`, or joins the run already in progress.
    /// - Returns: The result, and whether it came from a run another caller started.
    func run(_ key: String, _ operation: @escaping @Sendable () async -> Value) async -> (value: Value, coalesced: Bool) {
        let (task, coalesced) = flight(for: key, operation)
        return (await task.value, coalesced)
    }

    /// Starts `operation` for `key` unless a run is in progress, and returns without waiting.
    func start(_ key: String, _ operation: @escaping @Sendable () async -> Value) {
        _ = flight(for: key, operation)
    }

    /// The number of runs in progress.
    var count: Int {
        state.withLock { $0.flights.count }
    }

    func isRunning(_ key: String) -> Bool {
        state.withLock { $0.flights[key] != nil }
    }

    /// Waits until every run in progress, and any started meanwhile, has finished.
    func waitForAll() async {
        while true {
            let tasks = state.withLock { $0.flights.values.map(\.task) }
            if tasks.isEmpty { return }
            for task in tasks {
                _ = await task.value
            }
        }
    }

    private func flight(
        for key: String, _ operation: @escaping @Sendable () async -> Value
    ) -> (task: Task<Value, Never>, coalesced: Bool) {
        state.withLock { state in
            if let flight = state.flights[key] {
                return (flight.task, true)
            }
            let id = state.nextID
            state.nextID += 1
            // The task takes the lock to remove its key, so it cannot do so before the key is inserted below.
            let task = Task {
                let value = await operation()
                self.state.withLock { state in
                    if state.flights[key]?.id == id {
                        state.flights[key] = nil
                    }
                }
                return value
            }
            state.flights[key] = Flight(id: id, task: task)
            return (task, false)
        }
    }
}
