import Foundation
import Synchronization

/// A `TagStore` in one SQLite file, which the service and the command-line tool may open at the same time.
///
/// Each instance owns one connection and serializes its calls on it. Calls block the calling thread while SQLite
/// works, and a write waits up to `SQLiteConnection.busyTimeoutMilliseconds` while another connection holds the
/// write lock. Readers on other connections get either the tag set before a `replaceTags` or the one after it,
/// never a mix, because `replaceTags` writes in one transaction and `entry(for:)` reads in one.
public final class SQLiteTagStore: TagStore {
    /// Path of the database file.
    public let path: String

    // The connection is not Sendable. The Mutex is its only owner and lends it to one thread at a time, and no
    // method lets it escape the lock, so sharing this instance between threads is safe. It is internal only so
    // that the extensions in SQLiteTagStore+*.swift can lock it.
    let connection: Mutex<SQLiteConnection>

    /// Opens or creates the database at `path`, creating its directory when missing, and applies the schema
    /// migrations the file lacks.
    /// Closes the database. Later calls throw `StoreError` instead of touching it.
    public func close() {
        connection.withLock { $0.close() }
    }

    public init(path: String) throws(StoreError) {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        do {
            // A stat is cheaper than createDirectory's walk up the path, and the directory exists on most opens.
            if !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) || !isDirectory.boolValue {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
        } catch {
            throw StoreError(
                message: "Cannot create the directory \(directory) for the tag database: "
                    + "\(error.localizedDescription). Create it, or choose a database path in a writable directory."
            )
        }

        let connection = try SQLiteConnection(path: path)
        try Migrator().migrate(connection)
        self.path = path
        self.connection = Mutex(connection)
    }

    /// Opens the store like `init(path:)`, on a thread outside Swift concurrency's pool, so that other tasks keep
    /// running while SQLite creates or migrates the schema.
    public static func open(path: String) async throws(StoreError) -> SQLiteTagStore {
        try await BlockingWork.run { () throws(StoreError) in try SQLiteTagStore(path: path) }
    }

    public func entry(for reference: ImageReference) throws(StoreError) -> StoredEntry? {
        try connection.withLock { connection throws(StoreError) -> StoredEntry? in
            try connection.withTransaction(immediate: false) { () throws(StoreError) -> StoredEntry? in
                guard let (id, entry) = try Self.repositoryRow(of: reference, connection) else { return nil }
                var withTags = entry
                withTags.tags = try Self.currentTags(of: id, connection).tags
                return withTags
            }
        }
    }

    @discardableResult
    public func replaceTags(
        _ tags: [String], for reference: ImageReference, fetchedAt: Date, expiresAt: Date
    ) throws(StoreError) -> StoredEntry {
        try connection.withLock { connection throws(StoreError) -> StoredEntry in
            try connection.withTransaction(immediate: true) { () throws(StoreError) -> StoredEntry in
                try Self.replaceTags(
                    TagOrder.sortedUnique(tags), for: reference, fetchedAt: fetchedAt.unixMilliseconds,
                    expiresAt: expiresAt.unixMilliseconds, connection
                )
            }
        }
    }

    /// Does nothing when no entry of `reference` is stored, because an entry needs a fetched tag set.
    public func recordFailure(
        for reference: ImageReference, message: String, at time: Date, nextAttemptAt: Date?
    ) throws(StoreError) {
        try connection.withLock { connection throws(StoreError) in
            try connection.run(
                """
                UPDATE repositories
                SET last_error = ?, last_error_at = ?, next_attempt_at = ?, failure_count = failure_count + 1
                WHERE reference = ?
                """,
                [
                    .text(message), .integer(time.unixMilliseconds),
                    .integerOrNull(nextAttemptAt?.unixMilliseconds), .text(reference.name),
                ]
            )
        }
    }

    @discardableResult
    public func removeEntry(for reference: ImageReference) throws(StoreError) -> Bool {
        try connection.withLock { connection throws(StoreError) -> Bool in
            try connection.withTransaction(immediate: true) { () throws(StoreError) -> Bool in
                // The foreign key's ON DELETE CASCADE deletes the tag history with the row.
                try connection.run("DELETE FROM repositories WHERE reference = ?", [.text(reference.name)])
                let existed = connection.changes > 0
                try connection.run("DELETE FROM failed_lookups WHERE reference = ?", [.text(reference.name)])
                return existed
            }
        }
    }

    public func allEntries() throws(StoreError) -> [StoredEntry] {
        try connection.withLock { connection throws(StoreError) -> [StoredEntry] in
            try connection.query("SELECT \(Self.entryColumns) FROM repositories ORDER BY reference") {
                row throws(StoreError) in try Self.entry(from: row)
            }
        }
    }

    /// Returns every tag `reference` has listed since tagcache first stored it, current and removed, in byte order.
    /// Returns an empty array when no entry is stored.
    public func tagHistory(for reference: ImageReference) throws(StoreError) -> [TagHistoryEntry] {
        try connection.withLock { connection throws(StoreError) -> [TagHistoryEntry] in
            try connection.withTransaction(immediate: false) { () throws(StoreError) -> [TagHistoryEntry] in
                guard let (id, _) = try Self.repositoryRow(of: reference, connection) else { return [] }
                let (current, firstFetchedAt) = try Self.currentTags(of: id, connection)
                var rows: [String: TagHistoryEntry] = [:]
                for entry in try connection.query(
                    "SELECT tag, first_seen_at, removed_at FROM tags WHERE repository_id = ?", [.integer(id)]
                ) { row in
                    TagHistoryEntry(
                        tag: row.string(0), firstSeenAt: Date(unixMilliseconds: row.int64(1)),
                        removedAt: row.optionalInt64(2).map(Date.init(unixMilliseconds:)))
                } {
                    rows[entry.tag] = entry
                }

                // A current tag without a row has been listed since the first fetch.
                var history = current.map { tag in
                    TagHistoryEntry(
                        tag: tag, firstSeenAt: rows[tag]?.firstSeenAt ?? Date(unixMilliseconds: firstFetchedAt),
                        removedAt: nil)
                }
                history += rows.values.filter { $0.removedAt != nil }
                return history.sorted { $0.tag.utf8.lexicographicallyPrecedes($1.tag.utf8) }
            }
        }
    }
}
