import Synchronization

extension FixtureRegistry {
    /// The registry's mutable state, shared by the test thread and the server's threads.
    final class Storage: Sendable {
        let state: Mutex<State>

        init(configuration: Configuration) {
            state = Mutex(State(configuration: configuration))
        }
    }

    struct State {
        var configuration: Configuration
        var repositories: [String: Repository] = [:]
        var pendingFaults: [PendingFault] = []
        var requests: [RecordedRequest] = []
        /// Scope of every token the realm issued, keyed by token.
        var issuedTokens: [String: String] = [:]
        /// Requests whose response a `delay` fault still holds, and the most held at once.
        var delayedInFlight = 0
        var maxDelayedInFlight = 0

        init(configuration: Configuration) {
            self.configuration = configuration
        }

        /// Removes one use of the first pending fault that applies to `kind` and returns it.
        mutating func takeFault(for kind: RequestKind) -> Fault? {
            guard let index = pendingFaults.firstIndex(where: { $0.kind == nil || $0.kind == kind }) else {
                return nil
            }
            let fault = pendingFaults[index].fault
            pendingFaults[index].remaining -= 1
            if pendingFaults[index].remaining == 0 {
                pendingFaults.remove(at: index)
            }
            return fault
        }
    }

    /// A repository's tags in the order pages list them, with each tag's position for `last` lookups.
    struct Repository {
        let tags: [String]
        let positions: [String: Int]

        init(tags: [String]) {
            self.tags = tags
            self.positions = Dictionary(uniqueKeysWithValues: tags.enumerated().map { ($0.element, $0.offset) })
        }
    }

    struct PendingFault {
        var fault: Fault
        /// Nil applies to requests of any kind.
        var kind: RequestKind?
        var remaining: Int
    }
}
