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

    /// Stores `tags` as the current set of `reference`. `tags` must be sorted in byte order without duplicates, as
    /// `TagOrder.sortedUnique` returns them. Must run in an immediate transaction. Times are Unix milliseconds.
    static func replaceTags(
        _ tags: [String], for reference: ImageReference, fetchedAt: Int64, expiresAt: Int64,
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
            // The first fetch writes no rows to `tags`: its tags are current since first_fetched_at.
            id = try insertRepository(reference, firstFetchedAt: fetchedAt, connection)
            changedAt = fetchedAt
        }

        var tagList: [UInt8] = []
        tagList.append(contentsOf: #"{"tags":"#.utf8)
        JSONText.appendArray(tags, to: &tagList)
        tagList.append(UInt8(ascii: "}"))
        try connection.run(
            """
            UPDATE repositories
            SET fetched_at = ?, expires_at = ?, changed_at = ?, tag_count = ?, tag_list = ?,
                last_error = NULL, last_error_at = NULL, next_attempt_at = NULL, failure_count = 0
            WHERE id = ?
            """,
            [
                .integer(fetchedAt), .integer(expiresAt), .integer(changedAt), .integer(Int64(tags.count)),
                .text(String(decoding: tagList, as: UTF8.self)), .integer(id),
            ]
        )
        try connection.run("DELETE FROM failed_lookups WHERE reference = ?", [.text(reference.name)])

        return StoredEntry(
            reference: reference,
            tags: tags,
            tagCount: tags.count,
            fetchedAt: Date(unixMilliseconds: fetchedAt),
            expiresAt: Date(unixMilliseconds: expiresAt),
            changedAt: Date(unixMilliseconds: changedAt)
        )
    }

    /// Inserts the row of a repository seen for the first time, with placeholder times that the caller overwrites.
    private static func insertRepository(
        _ reference: ImageReference, firstFetchedAt: Int64, _ connection: SQLiteConnection
    ) throws(StoreError) -> Int64 {
        let ids = try connection.query(
            """
            INSERT INTO repositories (
                reference, registry, fetched_at, expires_at, changed_at, tag_count, first_fetched_at)
            VALUES (?, ?, 0, 0, 0, 0, ?)
            RETURNING id
            """,
            [.text(reference.name), .text(reference.registry), .integer(firstFetchedAt)]
        ) { row in row.int64(0) }
        guard let id = ids.first else {
            preconditionFailure("INSERT … RETURNING id returned no row")
        }
        return id
    }

    /// Marks the current tags missing from `tags` as removed at `time` and makes every tag in `tags` current.
    /// A tag seen before keeps its first-seen time. `tags` must be sorted in byte order without duplicates.
    ///
    /// - Returns: Whether the current set changed.
    private static func updateTags(
        of repositoryID: Int64, to tags: [String], at time: Int64, _ connection: SQLiteConnection
    ) throws(StoreError) -> Bool {
        let (currentList, firstFetchedAt) = try currentTags(of: repositoryID, connection)
        let current = Set(currentList)
        let new = Set(tags)
        let removed = currentList.filter { !new.contains($0) }
        // Filtering keeps the byte order of `tags`, which insertTags relies on.
        let added = current.isEmpty ? tags : tags.filter { !current.contains($0) }

        // A removed tag of the first fetch has no row yet; it gets one with the first fetch as first-seen time.
        try connection.runForEach(
            """
            INSERT INTO tags (repository_id, tag, first_seen_at, removed_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (repository_id, tag) DO UPDATE SET removed_at = excluded.removed_at
            """,
            removed
        ) { [.integer(repositoryID), .text($0), .integer(firstFetchedAt), .integer(time)] }
        try insertTags(added, of: repositoryID, at: time, connection)
        return !removed.isEmpty || !added.isEmpty
    }

    /// Returns the current tags of `repositoryID` in byte order and the time its first fetch was stored.
    ///
    /// Lists stored before `tag_list` existed are read from their rows in `tags`, which then hold every current
    /// tag, so the first-fetch time falls back to 0 without being used.
    static func currentTags(
        of repositoryID: Int64, _ connection: SQLiteConnection
    ) throws(StoreError) -> (tags: [String], firstFetchedAt: Int64) {
        let stored = try connection.query(
            "SELECT tag_list, first_fetched_at FROM repositories WHERE id = ?", [.integer(repositoryID)]
        ) { row in (list: row.optionalUTF8(0), firstFetchedAt: row.optionalInt64(1) ?? 0) }
        guard let stored = stored.first else { return ([], 0) }
        guard let list = stored.list else {
            let tags = try connection.query(
                "SELECT tag FROM tags WHERE repository_id = ? AND removed_at IS NULL ORDER BY tag",
                [.integer(repositoryID)]
            ) { row in row.string(0) }
            return (tags, stored.firstFetchedAt)
        }
        guard let tags = TagListScanner.tags(in: list) else {
            throw StoreError(
                message: "The stored tag list of repository row \(repositoryID) is not a {\"tags\":[...]} "
                    + "document, so the database was changed outside tagcache. Delete that repository's row, or "
                    + "move the database aside so that tagcache creates an empty cache.")
        }
        return (tags, stored.firstFetchedAt)
    }

    /// Makes `tags` current for `repositoryID`: a new tag gets `time` as first-seen time, and a removed one comes
    /// back with its old first-seen time. `tags` must be sorted in byte order, so that the rows are appended to
    /// the end of the primary key's B-tree instead of splitting its pages.
    ///
    /// All tags go in one statement that reads them from a JSON array with `json_each`, which for 50,000 tags
    /// took about a third of the time of one `INSERT` per tag (SQLite 3.40.1). SQLite ends a JSON string at an
    /// escaped NUL, so a list with a NUL in a tag is inserted one row at a time.
    private static func insertTags(
        _ tags: [String], of repositoryID: Int64, at time: Int64, _ connection: SQLiteConnection
    ) throws(StoreError) {
        guard !tags.isEmpty else { return }
        if tags.contains(where: { $0.utf8.contains(0) }) {
            try connection.runForEach(
                """
                INSERT INTO tags (repository_id, tag, first_seen_at) VALUES (?, ?, ?)
                ON CONFLICT (repository_id, tag) DO UPDATE SET removed_at = NULL
                """,
                tags
            ) { [.integer(repositoryID), .text($0), .integer(time)] }
            return
        }

        // SQLite requires a WHERE clause in an INSERT … SELECT with an upsert, to parse ON CONFLICT unambiguously.
        try connection.run(
            """
            INSERT INTO tags (repository_id, tag, first_seen_at)
            SELECT ?, value, ? FROM json_each(?) WHERE true
            ON CONFLICT (repository_id, tag) DO UPDATE SET removed_at = NULL
            """,
            [.integer(repositoryID), .integer(time), .text(JSONText.array(tags))]
        )
    }
}
