/// Settings of the cache's background work: refresh-ahead of entries that clients keep reading, and eviction of
/// entries they stopped reading.
public struct CacheMaintenance: Sendable, Equatable {
    /// Seconds before expiry at which an entry read since its last fetch is refreshed in the background, so that
    /// a repository clients keep reading is not answered stale. At most half the TTL is used, and 0 turns it off.
    public var refreshAhead: Int = 30
    /// Seconds since the last read (or the fetch, for an entry never read) after which an entry is deleted.
    public var inactive: Int = 30 * 86_400
    /// Maximum number of stored entries, nil for no limit. Beyond it the least recently read entries are deleted.
    public var maxEntries: Int?

    public init() {}

    public init(refreshAhead: Int, inactive: Int, maxEntries: Int?) {
        self.refreshAhead = refreshAhead
        self.inactive = inactive
        self.maxEntries = maxEntries
    }

    /// Seconds before expiry at which refresh-ahead starts for entries under `policy`.
    func refreshAheadLead(_ policy: CachePolicy) -> Double {
        min(Double(refreshAhead), Double(policy.ttl) / 2)
    }
}
