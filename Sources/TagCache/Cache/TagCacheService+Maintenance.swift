import Foundation
import Synchronization

/// Background work a long-running service calls periodically: writing reads, refresh-ahead and eviction.
extension TagCacheService {
    /// Most refresh-ahead refreshes started by one `refreshAhead()` call, so that a restart after a long stop
    /// spreads its refreshes over several calls.
    static let refreshAheadBatch = 100

    /// Seconds a failed lookup is kept after its retry time, so that the backoff of a repository failing again
    /// soon after keeps growing.
    static let failedLookupRetention: Double = 3600

    /// Writes what is collected in memory: reads, and the requests and fetches per registry.
    public func flushPendingWrites() {
        flushReads()
        flushRegistryActivity()
    }

    /// Writes the per-registry increments collected since the last call in one transaction. A failed write keeps
    /// them for the next call.
    public func flushRegistryActivity() {
        let batch = registryStats.drainActivity()
        guard !batch.isEmpty else { return }
        do {
            try store.recordRegistryActivity(batch, at: clock())
        } catch {
            registryStats.restoreActivity(batch)
            log.error("store.write_failed", ["operation": "record_registry_activity", "error": error.description])
        }
    }

    /// Writes the reads collected since the last call in one transaction. A failed write keeps them for the next
    /// call.
    public func flushReads() {
        let batch = reads.drain()
        guard !batch.isEmpty else { return }
        do {
            try store.recordReads(batch)
        } catch {
            reads.restore(batch)
            log.error("store.write_failed", ["operation": "record_reads", "error": error.description])
        }
    }

    /// Writes what is collected in memory, then starts background refreshes of entries read since their last fetch that are
    /// about to expire.
    ///
    /// An entry qualifies inside its registry's refresh-ahead lead before expiry (see `CacheMaintenance`). Entries
    /// that already expired are left to the next read, so a restart does not refresh every stored entry at once.
    public func refreshAhead() {
        flushPendingWrites()
        guard maintenance.refreshAhead > 0 else { return }
        let now = clock()
        let candidates: [StoredEntry]
        do {
            candidates = try store.entriesToRefreshAhead(
                now: now, expiringBefore: now.addingTimeInterval(Double(maintenance.refreshAhead)),
                limit: Self.refreshAheadBatch)
        } catch {
            log.error("store.read_failed", ["operation": "refresh_ahead", "error": error.description])
            return
        }
        for entry in candidates {
            let lead = maintenance.refreshAheadLead(policyForRegistry(entry.reference.registry))
            if entry.expiresAt.timeIntervalSince(now) <= lead {
                refreshInBackground(entry)
            }
        }
    }

    /// Deletes entries not used for `inactive`, then the least recently used beyond `maxEntries`, failed lookups
    /// long past their retry time, and the totals of registries not used for `inactive`. Writes pending reads first, so recent reads protect their entries.
    public func evict() {
        flushReads()
        let now = clock()
        do {
            let inactive = try store.evictEntries(lastUsedBefore: now.addingTimeInterval(-Double(maintenance.inactive)))
            var overLimit = 0
            if let maxEntries = maintenance.maxEntries {
                overLimit = try store.evictLeastRecentlyUsed(keeping: maxEntries)
            }
            try store.removeFailedLookups(retryBefore: now.addingTimeInterval(-Self.failedLookupRetention))
            try store.removeRegistryActivity(updatedBefore: now.addingTimeInterval(-Double(maintenance.inactive)))
            knownEntryCount.withLock { $0 = nil }
            if inactive + overLimit > 0 {
                encodedResponses?.invalidateAll()
                log.info("cache.evict", ["inactive": String(inactive), "over_limit": String(overLimit)])
            }
        } catch {
            // An eviction that failed midway may have deleted entries before the error.
            knownEntryCount.withLock { $0 = nil }
            encodedResponses?.invalidateAll()
            log.error("store.write_failed", ["operation": "evict", "error": error.description])
        }
    }

    /// Deletes the least recently used entries beyond `maxEntries` once a new entry takes the count over it, so
    /// the bound applies between the periodic evictions. The count is kept in memory and taken from the store
    /// after any deletion; entries other processes add are caught by the next `evict()`.
    func enforceMaxEntries(afterAdding reference: ImageReference) {
        guard let maxEntries = maintenance.maxEntries else { return }
        let known = knownEntryCount.withLock { count -> Int? in
            if let current = count { count = current + 1 }
            return count
        }
        var count = known
        if count == nil {
            count = try? store.entryCount()
            knownEntryCount.withLock { $0 = count }
        }
        guard let count, count > maxEntries else { return }

        // Reads not yet written would leave recently read entries looking unused.
        flushReads()
        do {
            let evicted = try store.evictLeastRecentlyUsed(keeping: maxEntries)
            let remaining = try store.entryCount()
            knownEntryCount.withLock { $0 = remaining }
            if evicted > 0 {
                encodedResponses?.invalidateAll()
                log.info("cache.evict", ["over_limit": String(evicted), "after": reference.name])
            }
        } catch {
            knownEntryCount.withLock { $0 = nil }
            encodedResponses?.invalidateAll()
            log.error("store.write_failed", ["operation": "evict", "error": error.description])
        }
    }
}
