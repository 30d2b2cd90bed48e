/// Whether a client is waiting for a fetch. `RegistryLimiter` starts waiting fetches of a registry before
/// background refreshes of the same registry.
public enum FetchPriority: Int, Sendable, Comparable {
    /// A refresh that no client waits for: stale-while-revalidate, refresh-ahead.
    case background = 0
    /// A fetch whose result a client waits for.
    case interactive = 1

    /// The priority of fetches started by the current task; `interactive` unless a caller set another.
    @TaskLocal public static var current: FetchPriority = .interactive

    public static func < (lhs: FetchPriority, rhs: FetchPriority) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}
