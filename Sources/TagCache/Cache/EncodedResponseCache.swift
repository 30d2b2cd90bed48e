import Foundation
import Synchronization

/// Responses already encoded for fresh hits, in memory, so that a hit costs no database read, JSON encoding or
/// date formatting. The database stays the source of truth and this layer only mirrors it.
///
/// Entries are dropped when the database changes: `TagCacheService` removes the entries of a reference after its
/// own writes, and `currentGeneration()` drops every entry once the store reports a commit by another connection
/// (another process such as `tagcache list-tags`). That report is polled at most once per `changeCheckInterval`,
/// so requests may get entries older than another process's commit for about that long after it.
///
/// Each route keeps its own kind of response here and renders hits itself. Its keys start with a prefix of its
/// own, so that the keys of two routes never collide.
///
/// An insert names the generation it read the database in, and an insert from before an invalidation is dropped,
/// so an entry rendered from rows that a write replaced in the meantime is never stored.
final class EncodedResponseCache: Sendable {
    /// A response as sent for a fresh hit, without the header fields that depend on the time of the request.
    struct Entry: Sendable {
        let reference: ImageReference
        let fetchedAt: Date
        let expiresAt: Date
        /// The end of the time this entry may be sent: its expiry, or the start of its refresh-ahead lead, from
        /// which the store path must handle requests so that it starts the refresh.
        let servedUntil: Date
        let policy: CachePolicy
        /// The entity tag `If-None-Match` is compared with, or nil when the response is always sent in full.
        let entityTag: EntityTag?
        /// Header fields that do not change with the time of the request, in order.
        let fixedHeaders: [(name: String, value: String)]
        /// Allocated once when the entry is made, and sent without a copy by every hit.
        let body: ResponseBody

        /// Approximate memory held, in bytes, that the byte limit counts.
        var cost: Int {
            var bytes = body.count + 256
            for header in fixedHeaders {
                bytes += header.name.utf8.count + header.value.utf8.count + 32
            }
            return bytes
        }
    }

    private struct Slot {
        let entry: Entry
        let cost: Int
        var lastUsed: UInt64
    }

    private struct State {
        var slots: [String: Slot] = [:]
        var bytes = 0
        var tick: UInt64 = 0
        /// Incremented by every invalidation.
        var generation: UInt64 = 0
        var dataVersion: Int64?
    }

    /// Maximum bytes of stored entries (bodies, header fields and a fixed overhead each), as `Entry.cost` counts.
    let maxBytes: Int
    let changeCheckInterval: Duration
    private let dataVersion: @Sendable () -> Int64?
    private let state = Mutex(State())
    /// Nanoseconds on `ContinuousClock` since `start` at which the next change check is due.
    private let nextCheck = Atomic<Int64>(0)
    private let start = ContinuousClock.now

    /// - Parameters:
    ///   - dataVersion: Returns a number that changes whenever another connection commits to the database, or nil
    ///     when it cannot be read, which drops every entry.
    init(maxBytes: Int, changeCheckInterval: Duration, dataVersion: @escaping @Sendable () -> Int64?) {
        precondition(maxBytes > 0, "maxBytes must be positive, got \(maxBytes)")
        self.maxBytes = maxBytes
        self.changeCheckInterval = changeCheckInterval
        self.dataVersion = dataVersion
    }

    /// Number of stored entries.
    var count: Int { state.withLock { $0.slots.count } }

    /// Bytes held by stored entries, as `Entry.cost` counts them.
    var bytes: Int { state.withLock { $0.bytes } }

    /// Checks for commits by other connections when a check is due, dropping every entry after one, and returns
    /// the generation to pass to `insert`.
    func currentGeneration() -> UInt64 {
        let now = nanosecondsSinceStart()
        let due = nextCheck.load(ordering: .relaxed)
        if now >= due {
            let next = now + Self.nanoseconds(changeCheckInterval)
            // One thread checks, and the others keep using the entries until its result arrives.
            if nextCheck.compareExchange(expected: due, desired: next, ordering: .relaxed).exchanged {
                let version = dataVersion()
                state.withLock { state in
                    if version == nil || version != state.dataVersion {
                        Self.removeAll(&state)
                        state.dataVersion = version
                    }
                }
            }
        }
        return state.withLock { $0.generation }
    }

    /// Returns the entry stored under `key` and marks it used, or nil.
    func entry(forKey key: String) -> Entry? {
        state.withLock { state in
            guard state.slots[key] != nil else { return nil }
            state.tick += 1
            state.slots[key]!.lastUsed = state.tick
            return state.slots[key]!.entry
        }
    }

    /// Stores `entry` under `key` unless the cache was invalidated since `generation` was read, then removes the
    /// least recently used entries while the total exceeds `maxBytes`.
    func insert(_ entry: Entry, forKey key: String, generation: UInt64) {
        let cost = entry.cost + key.utf8.count
        guard cost <= maxBytes else { return }
        state.withLock { state in
            guard state.generation == generation else { return }
            if let old = state.slots.removeValue(forKey: key) {
                state.bytes -= old.cost
            }
            state.tick += 1
            state.slots[key] = Slot(entry: entry, cost: cost, lastUsed: state.tick)
            state.bytes += cost
            if state.bytes > maxBytes {
                Self.evict(&state, downTo: maxBytes - maxBytes / 4)
            }
        }
    }

    /// Removes the entry stored under `key`, such as one past `servedUntil`.
    func remove(forKey key: String) {
        state.withLock { state in
            if let old = state.slots.removeValue(forKey: key) {
                state.bytes -= old.cost
            }
        }
    }

    /// Removes every entry of `reference`, after a write to its stored entry.
    func invalidate(_ reference: ImageReference) {
        state.withLock { state in
            state.generation += 1
            let keys = state.slots.filter { $0.value.entry.reference == reference }.map(\.key)
            for key in keys {
                state.bytes -= state.slots.removeValue(forKey: key)!.cost
            }
        }
    }

    /// Removes every entry, after a write that may touch any stored entry.
    func invalidateAll() {
        state.withLock { Self.removeAll(&$0) }
    }

    private static func removeAll(_ state: inout State) {
        state.generation += 1
        state.slots.removeAll()
        state.bytes = 0
    }

    /// Removes the least recently used entries until at most `limit` bytes remain. Evicting a quarter of the
    /// budget at once spreads the cost of the sort over many inserts.
    private static func evict(_ state: inout State, downTo limit: Int) {
        let oldestFirst = state.slots.sorted { $0.value.lastUsed < $1.value.lastUsed }
        for (key, slot) in oldestFirst {
            guard state.bytes > limit else { break }
            state.slots.removeValue(forKey: key)
            state.bytes -= slot.cost
        }
    }

    private func nanosecondsSinceStart() -> Int64 {
        Self.nanoseconds(ContinuousClock.now - start)
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    }
}
