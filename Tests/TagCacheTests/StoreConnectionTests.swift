import Foundation
import XCTest
@testable import TagCache

final class StoreConnectionTests: XCTestCase {
    private func makeConnection() throws -> SQLiteConnection {
        let connection = try SQLiteConnection(
            path: StoreTestDirectory.make(for: self).appending(path: "test.sqlite").path
        )
        try connection.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)")
        return connection
    }

    private func itemCount(_ connection: SQLiteConnection) throws(StoreError) -> Int64 {
        try connection.query("SELECT count(*) FROM items") { $0.int64(0) }.first ?? -1
    }

    func testOpen_setsPragmas() throws {
        let connection = try makeConnection()

        XCTAssertEqual(try connection.query("PRAGMA journal_mode") { $0.string(0) }, ["wal"])
        XCTAssertEqual(try connection.query("PRAGMA foreign_keys") { $0.int64(0) }, [1])
        // 1 is NORMAL.
        XCTAssertEqual(try connection.query("PRAGMA synchronous") { $0.int64(0) }, [1])
        XCTAssertEqual(try connection.query("PRAGMA busy_timeout") { $0.int64(0) }, [5_000])
    }

    func testOpen_failsInMissingDirectory() throws {
        let path = try StoreTestDirectory.make(for: self).appending(path: "missing/test.sqlite").path

        XCTAssertThrowsError(try SQLiteConnection(path: path)) { error in
            let storeError = error as? StoreError
            // SQLITE_CANTOPEN
            XCTAssertEqual(storeError?.code, 14)
            let message = storeError?.message ?? ""
            XCTAssertTrue(message.contains(path), message)
            XCTAssertTrue(message.contains("Check that the directory exists"), message)
        }
    }

    func testOpen_rejectsFileThatIsNotADatabase() throws {
        let path = try StoreTestDirectory.make(for: self).appending(path: "notes.txt").path
        try Data(String(repeating: "not a database\n", count: 100).utf8).write(to: URL(fileURLWithPath: path))

        XCTAssertThrowsError(try SQLiteConnection(path: path)) { error in
            let storeError = error as? StoreError
            // SQLITE_NOTADB
            XCTAssertEqual(storeError?.code, 26)
            let message = storeError?.message ?? ""
            XCTAssertTrue(message.contains(path), message)
            XCTAssertTrue(message.contains("move it aside"), message)
        }
    }

    func testQuery_bindsAndReadsEveryType() throws {
        let connection = try makeConnection()

        let rows = try connection.query(
            "SELECT ?, ?, ?, ?, ?", [.integer(.max), .text("ünïcode ✓"), .real(2.5), .null, .textOrNull(nil)]
        ) { row in
            [
                String(row.int64(0)), row.string(1), String(row.double(2)),
                String(describing: row.optionalInt64(3)), String(describing: row.optionalString(4)),
            ]
        }

        XCTAssertEqual(rows, [[String(Int64.max), "ünïcode ✓", "2.5", "nil", "nil"]])
    }

    func testQuery_reusesCachedStatementWithNewArguments() throws {
        let connection = try makeConnection()
        for name in ["a", "b", "c"] {
            try connection.run("INSERT INTO items (name) VALUES (?)", [.text(name)])
        }

        let names = try connection.query("SELECT name FROM items WHERE id >= ? ORDER BY id", [.integer(2)]) {
            $0.string(0)
        }

        XCTAssertEqual(names, ["b", "c"])
        XCTAssertEqual(try itemCount(connection), 3)
    }

    func testRun_reportsCodeMessageAndSQL() throws {
        let connection = try makeConnection()
        let sql = "SELECT * FROM missing_table"

        XCTAssertThrowsError(try connection.run(sql)) { error in
            let storeError = error as? StoreError
            XCTAssertEqual(storeError?.code, 1)
            XCTAssertEqual(storeError?.sql, sql)
            XCTAssertTrue(storeError?.message.contains("no such table: missing_table") ?? false)
            XCTAssertTrue(storeError?.description.contains("in: \(sql)") ?? false)
        }
    }

    func testRun_reportsConstraintViolation() throws {
        let connection = try makeConnection()
        try connection.run("INSERT INTO items (id, name) VALUES (1, 'a')")

        XCTAssertThrowsError(try connection.run("INSERT INTO items (id, name) VALUES (1, 'b')")) { error in
            // SQLITE_CONSTRAINT
            XCTAssertEqual((error as? StoreError)?.code, 19)
        }
        XCTAssertEqual(try itemCount(connection), 1)
    }

    func testTransaction_commitsWhenBodyReturns() throws {
        let connection = try makeConnection()

        let value = try connection.withTransaction(immediate: true) { () throws(StoreError) -> Int in
            try connection.run("INSERT INTO items (name) VALUES ('a')")
            return 7
        }

        XCTAssertEqual(value, 7)
        XCTAssertEqual(try itemCount(connection), 1)
        XCTAssertFalse(connection.isInTransaction)
    }

    func testTransaction_rollsBackWhenBodyThrows() throws {
        let connection = try makeConnection()

        XCTAssertThrowsError(
            try connection.withTransaction(immediate: true) { () throws(StoreError) in
                try connection.run("INSERT INTO items (name) VALUES ('a')")
                throw StoreError(message: "stop")
            }
        ) { error in
            XCTAssertEqual((error as? StoreError)?.message, "stop")
        }
        XCTAssertEqual(try itemCount(connection), 0)
        XCTAssertFalse(connection.isInTransaction)
    }

    func testTransaction_deferredReadSeesOneSnapshot() throws {
        let path = try StoreTestDirectory.make(for: self).appending(path: "test.sqlite").path
        let reader = try SQLiteConnection(path: path)
        let writer = try SQLiteConnection(path: path)
        try writer.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)")

        let counts = try reader.withTransaction(immediate: false) { () throws(StoreError) -> [Int64] in
            let before = try itemCount(reader)
            try writer.run("INSERT INTO items (name) VALUES ('a')")
            let after = try itemCount(reader)
            return [before, after]
        }

        XCTAssertEqual(counts, [0, 0])
        XCTAssertEqual(try itemCount(reader), 1)
    }

    func testClose_canBeCalledTwice() throws {
        let connection = try makeConnection()
        try connection.run("INSERT INTO items (name) VALUES ('a')")

        connection.close()
        connection.close()

        XCTAssertEqual(try itemCount(try SQLiteConnection(path: connection.path)), 1)
    }
}
