import Synchronization

/// Runs at most one operation per key at a time; callers that arrive while it runs share its result.
///
/// The operation runs in its own task, so a caller that goes away does not cancel the work others wait for.
final class SingleFlight<Value: Sendable>: Sendable {
    private let running = Mutex<[String: Task<Value, Never>]>([:])

    /// Runs `operation` for `key`, or joins the run already in progress.
    /// - Returns: The result, and whether it came from a run another caller started.
    func run(_ key: String, _ operation: @escaping @Sendable () async -> Value) async -> (value: Value, coalesced: Bool) {
        let (task, coalesced) = running.withLock { running in
            if let task = running[key] {
                return (task, true)
            }
            let task = Task { await operation() }
            running[key] = task
            return (task, false)
        }

        let value = await task.value
        if !coalesced {
            running.withLock { running in
                if running[key] == task {
                    running[key] = nil
                }
            }
        }
        return (value, coalesced)
    }

    func isRunning(_ key: String) -> Bool {
        running.withLock { $0[key] != nil }
    }

    /// Waits until every run in progress, and any started meanwhile, has finished.
    func waitForAll() async {
        while true {
            let tasks = running.withLock { Array($0.values) }
            if tasks.isEmpty { return }
            for task in tasks {
                _ = await task.value
            }
            // Leaders remove their key after their own await; give them the chance before looking again.
            await Task.yield()
        }
    }
}
