import Foundation
import XCTest
@testable import TagCache

final class MigratorTests: XCTestCase {
    private let createItems = EmbeddedMigration(
        name: "0001_items", sql: "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"
    )
    private let addColour = EmbeddedMigration(
        name: "0002_colour", sql: "ALTER TABLE items ADD COLUMN colour TEXT;"
    )

    private func makeConnection() throws -> SQLiteConnection {
        try SQLiteConnection(path: StoreTestDirectory.make(for: self).appending(path: "test.sqlite").path)
    }

    private func recordedMigrations(_ connection: SQLiteConnection) throws -> [[String]] {
        try connection.query("SELECT name, checksum, applied_at FROM schema_migrations ORDER BY name") { row in
            [row.string(0), row.string(1), String(row.int64(2))]
        }
    }

    private func tableNames(_ connection: SQLiteConnection) throws -> [String] {
        try connection.query("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name") { row in
            row.string(0)
        }
    }

    func testMigrate_appliesInNameOrderAndRecordsChecksums() throws {
        let connection = try makeConnection()
        let before = Date().unixMilliseconds

        let applied = try Migrator(migrations: [addColour, createItems]).migrate(connection)
        let recorded = try recordedMigrations(connection)

        XCTAssertEqual(applied, ["0001_items", "0002_colour"])
        XCTAssertEqual(recorded.map { $0[0] }, ["0001_items", "0002_colour"])
        XCTAssertEqual(recorded.map { $0[1] }, [SHA256.hexDigest(of: createItems.sql), SHA256.hexDigest(of: addColour.sql)])
        XCTAssertEqual(recorded[0][1].count, 64)
        XCTAssertGreaterThanOrEqual(Int64(recorded[0][2]) ?? 0, before)
        try connection.run("INSERT INTO items (name, colour) VALUES ('a', 'red')")
    }

    func testMigrate_secondRunAppliesNothing() throws {
        let connection = try makeConnection()
        let migrator = Migrator(migrations: [createItems, addColour])
        try migrator.migrate(connection)
        let firstRecord = try recordedMigrations(connection)

        let applied = try migrator.migrate(connection)

        XCTAssertEqual(applied, [])
        XCTAssertEqual(try recordedMigrations(connection), firstRecord)
    }

    func testMigrate_appliesOnlyNewMigration() throws {
        let connection = try makeConnection()
        try Migrator(migrations: [createItems]).migrate(connection)

        let applied = try Migrator(migrations: [createItems, addColour]).migrate(connection)

        XCTAssertEqual(applied, ["0002_colour"])
        XCTAssertEqual(try recordedMigrations(connection).map { $0[0] }, ["0001_items", "0002_colour"])
    }

    func testMigrate_rejectsChangedMigrationText() throws {
        let connection = try makeConnection()
        try Migrator(migrations: [createItems]).migrate(connection)
        let edited = EmbeddedMigration(
            name: "0001_items", sql: "CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT NOT NULL);"
        )
        let probe = EmbeddedMigration(name: "0002_probe", sql: "CREATE TABLE probe (id INTEGER);")

        XCTAssertThrowsError(try Migrator(migrations: [edited, probe]).migrate(connection)) { error in
            let message = (error as? StoreError)?.message ?? ""
            XCTAssertTrue(message.contains("Migration 0001_items"), message)
            XCTAssertTrue(message.contains(SHA256.hexDigest(of: createItems.sql)), message)
            XCTAssertTrue(message.contains(SHA256.hexDigest(of: edited.sql)), message)
            XCTAssertTrue(message.contains("Use the tagcache version that created the database"), message)
        }
        XCTAssertFalse(try tableNames(connection).contains("probe"))
        XCTAssertEqual(try recordedMigrations(connection).map { $0[0] }, ["0001_items"])
    }

    func testMigrate_rejectsUnknownAppliedMigration() throws {
        let connection = try makeConnection()
        try Migrator(migrations: [createItems, addColour]).migrate(connection)

        XCTAssertThrowsError(try Migrator(migrations: [createItems]).migrate(connection)) { error in
            let message = (error as? StoreError)?.message ?? ""
            XCTAssertTrue(message.contains("migration 0002_colour"), message)
            XCTAssertTrue(message.contains("a newer tagcache"), message)
            XCTAssertTrue(message.contains("Use a tagcache version that contains 0002_colour"), message)
        }
    }

    func testMigrate_rollsBackFailingMigration() throws {
        let connection = try makeConnection()
        let failing = EmbeddedMigration(
            name: "0002_broken",
            sql: "CREATE TABLE half (id INTEGER); INSERT INTO missing_table VALUES (1);"
        )
        let later = EmbeddedMigration(name: "0003_later", sql: "CREATE TABLE later (id INTEGER);")

        XCTAssertThrowsError(try Migrator(migrations: [createItems, failing, later]).migrate(connection)) { error in
            let storeError = error as? StoreError
            XCTAssertEqual(storeError?.code, 1)
            XCTAssertEqual(storeError?.sql, failing.sql)
            let message = storeError?.message ?? ""
            XCTAssertTrue(message.contains("Migration 0002_broken failed and was rolled back"), message)
            XCTAssertTrue(message.contains("no such table: missing_table"), message)
        }
        XCTAssertEqual(try recordedMigrations(connection).map { $0[0] }, ["0001_items"])
        let tables = try tableNames(connection)
        XCTAssertTrue(tables.contains("items"))
        XCTAssertFalse(tables.contains("half"))
        XCTAssertFalse(tables.contains("later"))
        XCTAssertFalse(connection.isInTransaction)
    }

    func testStore_reopenKeepsEmbeddedMigrationRecords() throws {
        let path = try StoreTestDirectory.make(for: self).appending(path: "tags.sqlite").path
        _ = try SQLiteTagStore(path: path)
        let connection = try SQLiteConnection(path: path)
        let first = try recordedMigrations(connection)

        _ = try SQLiteTagStore(path: path)
        let second = try recordedMigrations(connection)

        XCTAssertEqual(first.map { $0[0] }, embeddedMigrations.map(\.name))
        XCTAssertEqual(first.map { $0[1] }, embeddedMigrations.map { SHA256.hexDigest(of: $0.sql) })
        XCTAssertEqual(second, first)
    }

    func testStore_rejectsDatabaseOfNewerBinary() throws {
        let path = try StoreTestDirectory.make(for: self).appending(path: "tags.sqlite").path
        let future = EmbeddedMigration(name: "9999_future", sql: "CREATE TABLE future (id INTEGER);")
        let connection = try SQLiteConnection(path: path)
        try Migrator(migrations: embeddedMigrations + [future]).migrate(connection)

        XCTAssertThrowsError(try SQLiteTagStore(path: path)) { error in
            let message = (error as? StoreError)?.message ?? ""
            XCTAssertTrue(message.contains("9999_future"), message)
            XCTAssertTrue(message.contains(path), message)
        }
    }
}
