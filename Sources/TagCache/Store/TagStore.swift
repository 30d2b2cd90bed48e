import Foundation

/// Persistent storage of cached tag lists. SQLite today; a shared database for clusters can implement the same
/// protocol.
///
/// Implementations are safe to call from any thread. Times are stored with millisecond precision.
public protocol TagStore: Sendable {
    /// Returns the stored entry of `reference`, or nil when none is stored.
    func entry(for reference: ImageReference) throws(StoreError) -> StoredEntry?

    /// Replaces the tag set of `reference` in one transaction and clears any recorded failure.
    ///
    /// `changedAt` moves to `fetchedAt` only when the set differs from the stored one. Tags that disappear keep
    /// their history row with a removal time; tags that appear get `fetchedAt` as first-seen time.
    /// - Returns: The entry as now stored.
    @discardableResult
    func replaceTags(
        _ tags: [String], for reference: ImageReference, fetchedAt: Date, expiresAt: Date
    ) throws(StoreError) -> StoredEntry

    /// Records a failed refresh and adds one to `failureCount`, without touching the stored tags or their times.
    /// Does nothing when no entry of `reference` is stored.
    func recordFailure(
        for reference: ImageReference, message: String, at time: Date, nextAttemptAt: Date?
    ) throws(StoreError)

    /// Returns the failed fetch recorded for `reference` while it has no stored entry, or nil.
    func failedLookup(for reference: ImageReference) throws(StoreError) -> FailedLookup?

    /// Records or replaces the failed fetch of `failure.reference`.
    ///
    /// - Parameter removingEntry: Also delete the stored entry and its tag history, in the same transaction, as a
    ///   repository the registry reports unknown needs.
    func recordFailedLookup(_ failure: FailedLookup, removingEntry: Bool) throws(StoreError)

    /// Deletes the entry of `reference`, its tag history and any failed fetch recorded for it. Returns whether an
    /// entry existed.
    @discardableResult
    func removeEntry(for reference: ImageReference) throws(StoreError) -> Bool

    /// Returns every stored entry without its tags (`tags` is empty, `tagCount` is set), ordered by reference.
    func allEntries() throws(StoreError) -> [StoredEntry]

    /// Adds a batch of reads to the stored entries in one transaction. Reads of references no longer stored are
    /// dropped, and `lastReadAt` never moves back.
    func recordReads(_ reads: [EntryReads]) throws(StoreError)

    /// Returns up to `limit` entries without tags that expire after `now` and at or before `before`, were read
    /// since their last fetch, and are not waiting out a failed refresh, soonest expiry first.
    func entriesToRefreshAhead(now: Date, expiringBefore before: Date, limit: Int) throws(StoreError) -> [StoredEntry]

    /// Deletes the entries last used before `time`, where use is the last read or, for an entry never read, its
    /// fetch. Returns how many were deleted.
    @discardableResult
    func evictEntries(lastUsedBefore time: Date) throws(StoreError) -> Int

    /// Deletes the least recently used entries until at most `maxEntries` remain. Returns how many were deleted.
    @discardableResult
    func evictLeastRecentlyUsed(keeping maxEntries: Int) throws(StoreError) -> Int

    /// Returns the number of stored entries.
    func entryCount() throws(StoreError) -> Int

    /// Returns every recorded failed fetch of a reference without a stored entry, ordered by reference.
    func allFailedLookups() throws(StoreError) -> [FailedLookup]

    /// Deletes failed fetches whose retry time is before `time`. Returns how many were deleted.
    @discardableResult
    func removeFailedLookups(retryBefore time: Date) throws(StoreError) -> Int

    /// Adds a batch of per-registry increments, collected up to `time`, to the stored totals in one transaction.
    /// The latest request, error and rate-limit headers move only forward in time.
    func recordRegistryActivity(_ activity: [RegistryActivity], at time: Date) throws(StoreError)

    /// Deletes the totals of registries that no batch added to since before `time`. Returns how many were deleted.
    @discardableResult
    func removeRegistryActivity(updatedBefore time: Date) throws(StoreError) -> Int

    /// Returns the stored totals of every registry, ordered by registry.
    func allRegistryActivity() throws(StoreError) -> [RegistryActivity]
}

/// One cached repository.
public struct StoredEntry: Sendable, Equatable {
    public var reference: ImageReference
    /// Current tags in byte order.
    public var tags: [String]
    public var tagCount: Int
    public var fetchedAt: Date
    public var expiresAt: Date
    /// Last time the tag set changed.
    public var changedAt: Date
    public var lastError: String?
    public var lastErrorAt: Date?
    public var nextAttemptAt: Date?
    /// Consecutive failed refreshes since the last successful fetch.
    public var failureCount: Int
    /// Last read written to the store; nil when none was written since the entry was stored.
    public var lastReadAt: Date?
    public var readCount: Int

    public init(
        reference: ImageReference, tags: [String], tagCount: Int, fetchedAt: Date, expiresAt: Date,
        changedAt: Date, lastError: String? = nil, lastErrorAt: Date? = nil, nextAttemptAt: Date? = nil,
        failureCount: Int = 0, lastReadAt: Date? = nil, readCount: Int = 0
    ) {
        self.reference = reference
        self.tags = tags
        self.tagCount = tagCount
        self.fetchedAt = fetchedAt
        self.expiresAt = expiresAt
        self.changedAt = changedAt
        self.lastError = lastError
        self.lastErrorAt = lastErrorAt
        self.nextAttemptAt = nextAttemptAt
        self.failureCount = failureCount
        self.lastReadAt = lastReadAt
        self.readCount = readCount
    }
}

/// A failed database operation: what was attempted, SQLite's result code and message, and the SQL.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var code: Int32
    public var sql: String?

    public init(message: String, code: Int32 = 0, sql: String? = nil) {
        self.message = message
        self.code = code
        self.sql = sql
    }

    public var description: String {
        var text = message
        if code != 0 { text += " (SQLite code \(code))" }
        if let sql { text += " in: \(sql)" }
        return text
    }
}
