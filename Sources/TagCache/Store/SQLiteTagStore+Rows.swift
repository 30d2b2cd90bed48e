import Foundation

/// SQL of `SQLiteTagStore`, run on a connection that the caller has locked and, where noted, in a transaction.
extension SQLiteTagStore {
    /// Columns that `entry(from:)` reads, in its order.
    static let entryColumns = """
        reference, registry, fetched_at, expires_at, changed_at, tag_count, last_error, last_error_at, \
        next_attempt_at, failure_count, last_read_at, read_count
        """

    /// Returns the row id and the entry without tags of `reference`, or nil when none is stored.
    static func repositoryRow(
        of reference: ImageReference, _ connection: SQLiteConnection
    ) throws(StoreError) -> (id: Int64, entry: StoredEntry)? {
        let rows = try connection.query(
            "SELECT id, \(entryColumns) FROM repositories WHERE reference = ?", [.text(reference.name)]
        ) { row throws(StoreError) in
            (row.int64(0), try entry(from: row, firstColumn: 1))
        }
        return rows.first
    }

    /// Builds an entry with empty `tags` from the `entryColumns` of `row`, starting at `firstColumn`.
    static func entry(from row: SQLiteRow, firstColumn: Int = 0) throws(StoreError) -> StoredEntry {
        let name = row.string(firstColumn)
        let registry = row.string(firstColumn + 1)
        guard name.hasPrefix(registry + "/"), name.count > registry.count + 1 else {
            throw StoreError(
                message: "The stored repository \(name) does not start with its registry \(registry)/, so the "
                    + "database was changed outside tagcache. Delete that repository's row, or move the database "
                    + "aside so that tagcache creates an empty cache."
            )
        }
        let path = String(name.dropFirst(registry.count + 1))

        return StoredEntry(
            reference: ImageReference(registry: registry, path: path),
            tags: [],
            tagCount: Int(row.int64(firstColumn + 5)),
            fetchedAt: Date(unixMilliseconds: row.int64(firstColumn + 2)),
            expiresAt: Date(unixMilliseconds: row.int64(firstColumn + 3)),
            changedAt: Date(unixMilliseconds: row.int64(firstColumn + 4)),
            lastError: row.optionalString(firstColumn + 6),
            lastErrorAt: row.optionalInt64(firstColumn + 7).map(Date.init(unixMilliseconds:)),
            nextAttemptAt: row.optionalInt64(firstColumn + 8).map(Date.init(unixMilliseconds:)),
            failureCount: Int(row.int64(firstColumn + 9)),
            lastReadAt: row.optionalInt64(firstColumn + 10).map(Date.init(unixMilliseconds:)),
            readCount: Int(row.int64(firstColumn + 11))
        )
    }

    /// Stores `tags` as the current set of `reference`. Must run in an immediate transaction. Times are Unix
    /// milliseconds.
    static func replaceTags(
        _ tags: Set<String>, for reference: ImageReference, fetchedAt: Int64, expiresAt: Int64,
        _ connection: SQLiteConnection
    ) throws(StoreError) -> StoredEntry {
        precondition(connection.isInTransaction, "replaceTags must run in a transaction")

        let id: Int64
        let changedAt: Int64
        if let (storedID, stored) = try repositoryRow(of: reference, connection) {
            id = storedID
            let changed = try updateTags(of: id, to: tags, at: fetchedAt, connection)
            changedAt = changed ? fetchedAt : stored.changedAt.unixMilliseconds
        } else {
            id = try insertRepository(reference, connection)
            try updateTags(of: id, to: tags, at: fetchedAt, connection)
            changedAt = fetchedAt
        }

        try connection.run(
            """
            UPDATE repositories
            SET fetched_at = ?, expires_at = ?, changed_at = ?, tag_count = ?,
                last_error = NULL, last_error_at = NULL, next_attempt_at = NULL, failure_count = 0
            WHERE id = ?
            """,
            [.integer(fetchedAt), .integer(expiresAt), .integer(changedAt), .integer(Int64(tags.count)), .integer(id)]
        )
        try connection.run("DELETE FROM failed_lookups WHERE reference = ?", [.text(reference.name)])

        return StoredEntry(
            reference: reference,
            // SQLite's BINARY collation, which entry(for:) sorts with, compares the UTF-8 bytes.
            tags: TagOrder.sorted(tags),
            tagCount: tags.count,
            fetchedAt: Date(unixMilliseconds: fetchedAt),
            expiresAt: Date(unixMilliseconds: expiresAt),
            changedAt: Date(unixMilliseconds: changedAt)
        )
    }

    /// Inserts the row of a repository seen for the first time, with placeholder times that the caller overwrites.
    private static func insertRepository(
        _ reference: ImageReference, _ connection: SQLiteConnection
    ) throws(StoreError) -> Int64 {
        let ids = try connection.query(
            """
            INSERT INTO repositories (reference, registry, fetched_at, expires_at, changed_at, tag_count)
            VALUES (?, ?, 0, 0, 0, 0)
            RETURNING id
            """,
            [.text(reference.name), .text(reference.registry)]
        ) { row in row.int64(0) }
        guard let id = ids.first else {
            preconditionFailure("INSERT … RETURNING id returned no row")
        }
        return id
    }

    /// Marks the current tags missing from `tags` as removed at `time` and makes every tag in `tags` current.
    /// A tag seen before keeps its first-seen time.
    ///
    /// - Returns: Whether the current set changed.
    @discardableResult
    private static func updateTags(
        of repositoryID: Int64, to tags: Set<String>, at time: Int64, _ connection: SQLiteConnection
    ) throws(StoreError) -> Bool {
        let current = Set(
            try connection.query(
                "SELECT tag FROM tags WHERE repository_id = ? AND removed_at IS NULL", [.integer(repositoryID)]
            ) { row in row.string(0) }
        )
        let removed = current.subtracting(tags)
        let added = tags.subtracting(current)

        try connection.runForEach("UPDATE tags SET removed_at = ? WHERE repository_id = ? AND tag = ?", removed) {
            [.integer(time), .integer(repositoryID), .text($0)]
        }
        // Inserting in key order appends to the end of the primary key's B-tree instead of splitting pages.
        let addedInOrder = TagOrder.sorted(added)
        try connection.runForEach(
            """
            INSERT INTO tags (repository_id, tag, first_seen_at) VALUES (?, ?, ?)
            ON CONFLICT (repository_id, tag) DO UPDATE SET removed_at = NULL
            """,
            addedInOrder
        ) { [.integer(repositoryID), .text($0), .integer(time)] }
        return !removed.isEmpty || !added.isEmpty
    }
}
