import Foundation

/// Failed fetches of references without a stored tag list, in the `failed_lookups` table.
extension SQLiteTagStore {
    public func failedLookup(for reference: ImageReference) throws(StoreError) -> FailedLookup? {
        try connection.withLock { connection throws(StoreError) -> FailedLookup? in
            try connection.query(
                """
                SELECT kind, message, failed_at, failure_count, retry_at FROM failed_lookups WHERE reference = ?
                """,
                [.text(reference.name)]
            ) { row in
                FailedLookup(
                    reference: reference, kind: row.string(0), message: row.string(1),
                    failedAt: Date(unixMilliseconds: row.int64(2)), failureCount: Int(row.int64(3)),
                    retryAt: Date(unixMilliseconds: row.int64(4)))
            }.first
        }
    }

    public func recordFailedLookup(_ failure: FailedLookup, removingEntry: Bool) throws(StoreError) {
        try connection.withLock { connection throws(StoreError) in
            try connection.withTransaction(immediate: true) { () throws(StoreError) in
                if removingEntry {
                    try connection.run(
                        "DELETE FROM repositories WHERE reference = ?", [.text(failure.reference.name)])
                }
                try connection.run(
                    """
                    INSERT INTO failed_lookups (reference, registry, kind, message, failed_at, failure_count, retry_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (reference) DO UPDATE SET
                        kind = excluded.kind, message = excluded.message, failed_at = excluded.failed_at,
                        failure_count = excluded.failure_count, retry_at = excluded.retry_at
                    """,
                    [
                        .text(failure.reference.name), .text(failure.reference.registry), .text(failure.kind),
                        .text(failure.message), .integer(failure.failedAt.unixMilliseconds),
                        .integer(Int64(failure.failureCount)), .integer(failure.retryAt.unixMilliseconds),
                    ]
                )
            }
        }
    }

    public func allFailedLookups() throws(StoreError) -> [FailedLookup] {
        try connection.withLock { connection throws(StoreError) -> [FailedLookup] in
            try connection.query(
                """
                SELECT reference, registry, kind, message, failed_at, failure_count, retry_at
                FROM failed_lookups ORDER BY reference
                """
            ) { row throws(StoreError) -> FailedLookup in
                let name = row.string(0)
                let registry = row.string(1)
                guard name.hasPrefix(registry + "/"), name.count > registry.count + 1 else {
                    throw StoreError(
                        message: "The failed lookup of \(name) does not start with its registry \(registry)/, so the "
                            + "database was changed outside tagcache. Delete that row from failed_lookups.")
                }
                return FailedLookup(
                    reference: ImageReference(registry: registry, path: String(name.dropFirst(registry.count + 1))),
                    kind: row.string(2), message: row.string(3), failedAt: Date(unixMilliseconds: row.int64(4)),
                    failureCount: Int(row.int64(5)), retryAt: Date(unixMilliseconds: row.int64(6)))
            }
        }
    }
}
