import Foundation

/// Read counts, refresh-ahead candidates and eviction.
extension SQLiteTagStore {
    public func recordReads(_ reads: [EntryReads]) throws(StoreError) {
        guard !reads.isEmpty else { return }
        try connection.withLock { connection throws(StoreError) in
            try connection.withTransaction(immediate: true) { () throws(StoreError) in
                for read in reads {
                    try connection.run(
                        """
                        UPDATE repositories
                        SET last_read_at = max(coalesce(last_read_at, 0), ?), read_count = read_count + ?
                        WHERE reference = ?
                        """,
                        [.integer(read.lastReadAt.unixMilliseconds), .integer(Int64(read.count)),
                         .text(read.reference.name)]
                    )
                }
            }
        }
    }

    public func entriesToRefreshAhead(
        now: Date, expiringBefore before: Date, limit: Int
    ) throws(StoreError) -> [StoredEntry] {
        let now = now.unixMilliseconds
        return try connection.withLock { connection throws(StoreError) -> [StoredEntry] in
            try connection.query(
                """
                SELECT \(Self.entryColumns) FROM repositories
                WHERE expires_at > ? AND expires_at <= ? AND last_read_at >= fetched_at
                    AND (next_attempt_at IS NULL OR next_attempt_at <= ?)
                ORDER BY expires_at
                LIMIT ?
                """,
                [.integer(now), .integer(before.unixMilliseconds), .integer(now), .integer(Int64(limit))]
            ) { row throws(StoreError) in try Self.entry(from: row) }
        }
    }

    public func entryCount() throws(StoreError) -> Int {
        try connection.withLock { connection throws(StoreError) -> Int in
            Int(try connection.query("SELECT count(*) FROM repositories") { row in row.int64(0) }[0])
        }
    }

    @discardableResult
    public func evictEntries(lastUsedBefore time: Date) throws(StoreError) -> Int {
        try connection.withLock { connection throws(StoreError) -> Int in
            try connection.run(
                "DELETE FROM repositories WHERE coalesce(last_read_at, fetched_at) < ?",
                [.integer(time.unixMilliseconds)])
            return connection.changes
        }
    }

    @discardableResult
    public func evictLeastRecentlyUsed(keeping maxEntries: Int) throws(StoreError) -> Int {
        precondition(maxEntries >= 0, "maxEntries must not be negative, got \(maxEntries)")
        return try connection.withLock { connection throws(StoreError) -> Int in
            try connection.withTransaction(immediate: true) { () throws(StoreError) -> Int in
                let count = try connection.query("SELECT count(*) FROM repositories") { row in row.int64(0) }[0]
                let excess = Int(count) - maxEntries
                guard excess > 0 else { return 0 }
                try connection.run(
                    """
                    DELETE FROM repositories WHERE id IN (
                        SELECT id FROM repositories ORDER BY coalesce(last_read_at, fetched_at), id LIMIT ?
                    )
                    """,
                    [.integer(Int64(excess))])
                return connection.changes
            }
        }
    }

    @discardableResult
    public func removeFailedLookups(retryBefore time: Date) throws(StoreError) -> Int {
        try connection.withLock { connection throws(StoreError) -> Int in
            try connection.run("DELETE FROM failed_lookups WHERE retry_at < ?", [.integer(time.unixMilliseconds)])
            return connection.changes
        }
    }
}
