import Foundation

/// Brings a database's schema up to date by applying the migrations it has not applied yet, in name order.
///
/// Each migration runs in its own immediate transaction that also inserts its row into `schema_migrations`, so a
/// migration is either applied and recorded or neither. The recorded checksum is the SHA-256 of the SQL text. A
/// migration file must not contain BEGIN, COMMIT or ROLLBACK.
///
/// Two processes may migrate one file at the same time: the second waits for the first one's transaction and
/// then finds the migration recorded.
struct Migrator {
    /// Migrations sorted by name.
    let migrations: [EmbeddedMigration]
    /// SHA-256 of each migration's SQL text by name, computed once because every check compares all of them.
    private let checksums: [String: String]

    init(migrations: [EmbeddedMigration] = embeddedMigrations) {
        let sorted = migrations.sorted { $0.name < $1.name }
        for (previous, next) in zip(sorted, sorted.dropFirst()) {
            precondition(previous.name != next.name, "two migrations are named \(next.name)")
        }
        self.migrations = sorted
        checksums = Dictionary(uniqueKeysWithValues: sorted.map { ($0.name, SHA256.hexDigest(of: $0.sql)) })
    }

    /// Applies every migration that `connection`'s database has not recorded yet.
    ///
    /// - Returns: The names of the migrations this call applied, in order.
    /// - Throws: `StoreError` when a migration fails (the database keeps the migrations applied before it), when a
    ///   recorded migration's checksum differs from this binary's, or when the database records a migration this
    ///   binary does not contain.
    @discardableResult
    func migrate(_ connection: SQLiteConnection) throws(StoreError) -> [String] {
        try connection.execute(Self.createTrackingTable)
        try verify(try recordedChecksums(connection), databasePath: connection.path)

        var applied: [String] = []
        for migration in migrations {
            let didApply = try connection.withTransaction(immediate: true) { () throws(StoreError) -> Bool in
                // Read again under the write lock: another process may have applied it since the check above.
                let recorded = try recordedChecksums(connection)
                try verify(recorded, databasePath: connection.path)
                guard recorded[migration.name] == nil else { return false }

                try apply(migration, to: connection)
                return true
            }
            if didApply {
                applied.append(migration.name)
            }
        }
        return applied
    }

    private func apply(_ migration: EmbeddedMigration, to connection: SQLiteConnection) throws(StoreError) {
        do throws(StoreError) {
            try connection.execute(migration.sql)
        } catch {
            throw StoreError(
                message: "Migration \(migration.name) failed and was rolled back, so the database keeps the "
                    + "schema of the migrations before it. \(error.message) If the database was changed outside "
                    + "tagcache, restore it from a backup.",
                code: error.code,
                sql: error.sql
            )
        }
        try connection.run(
            "INSERT INTO schema_migrations (name, checksum, applied_at) VALUES (?, ?, ?)",
            [.text(migration.name), .text(checksums[migration.name]!), .integer(Date().unixMilliseconds)]
        )
    }

    private func recordedChecksums(_ connection: SQLiteConnection) throws(StoreError) -> [String: String] {
        let rows = try connection.query("SELECT name, checksum FROM schema_migrations") { row in
            (row.string(0), row.string(1))
        }
        return Dictionary(rows, uniquingKeysWith: { first, _ in first })
    }

    /// Throws when the recorded migrations do not match this binary's.
    private func verify(_ recorded: [String: String], databasePath: String) throws(StoreError) {
        for migration in migrations {
            guard let checksum = recorded[migration.name] else { continue }
            let expected = checksums[migration.name]!
            guard checksum == expected else {
                throw StoreError(
                    message: "Migration \(migration.name) in \(databasePath) was applied with SHA-256 \(checksum), "
                        + "but this tagcache binary contains a different text of it (SHA-256 \(expected)). Use "
                        + "the tagcache version that created the database, or restore the database from a backup."
                )
            }
        }

        let known = Set(migrations.map(\.name))
        if let unknown = recorded.keys.sorted().first(where: { !known.contains($0) }) {
            throw StoreError(
                message: "The database \(databasePath) has migration \(unknown) applied, which this tagcache binary "
                    + "does not contain: a newer tagcache has upgraded it. Use a tagcache version that contains "
                    + "\(unknown), or restore the database from a backup made before the upgrade."
            )
        }
    }

    private static let createTrackingTable = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            name TEXT PRIMARY KEY,
            -- SHA-256 of the migration's SQL text, 64 lowercase hexadecimal digits.
            checksum TEXT NOT NULL,
            -- Unix milliseconds.
            applied_at INTEGER NOT NULL
        )
        """
}
