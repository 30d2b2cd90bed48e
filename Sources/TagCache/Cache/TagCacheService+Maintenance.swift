import Foundation

/// Background work a long-running service calls periodically: writing reads, refresh-ahead and eviction.
extension TagCacheService {
    /// Most refresh-ahead refreshes started by one `refreshAhead()` call, so that a restart after a long stop
    /// spreads its refreshes over several calls.
    static let refreshAheadBatch = 100

    /// Seconds a failed lookup is kept after its retry time, so that the backoff of a repository failing again
    /// soon after keeps growing.
    static let failedLookupRetention: Double = 3600

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

    /// Writes collected reads, then starts background refreshes of entries read since their last fetch that are
    /// about to expire.
    ///
    /// An entry qualifies inside its registry's refresh-ahead lead before expiry (see `CacheMaintenance`). Entries
    /// that already expired are left to the next read, so a restart does not refresh every stored entry at once.
    public func refreshAhead() {
        flushReads()
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

    /// Deletes entries not used for `inactive`, then the least recently used beyond `maxEntries`, and failed
    /// lookups long past their retry time. Writes pending reads first, so recent reads protect their entries.
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
            if inactive + overLimit > 0 {
                encodedResponses?.invalidateAll()
                log.info("cache.evict", ["inactive": String(inactive), "over_limit": String(overLimit)])
            }
        } catch {
            // An eviction that failed midway may have deleted entries before the error.
            encodedResponses?.invalidateAll()
            log.error("store.write_failed", ["operation": "evict", "error": error.description])
        }
    }
}
