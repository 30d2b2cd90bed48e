/// Detection of commits made by other connections, for caches in memory that mirror the database.
extension SQLiteTagStore {
    /// Returns SQLite's `PRAGMA data_version` on this instance's connection: a number that changes whenever another
    /// connection, in this process or another one, commits a change to the database. Commits on this instance's own
    /// connection leave it unchanged, so callers must notice their own writes themselves.
    public func dataVersion() throws(StoreError) -> Int64 {
        try connection.withLock { connection throws(StoreError) -> Int64 in
            let rows = try connection.query("PRAGMA data_version") { row in row.int64(0) }
            guard let version = rows.first else {
                throw StoreError(
                    message: "PRAGMA data_version returned no row on \(path); check that the file is a SQLite database")
            }
            return version
        }
    }
}
