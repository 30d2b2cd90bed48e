private import CSQLite
import Foundation

/// One connection to an SQLite database file in write-ahead-log mode, with a cache of prepared statements.
///
/// The connection is opened with `SQLITE_OPEN_NOMUTEX`, so SQLite does no locking of its own: the owner must make
/// every call from one thread at a time. `SQLiteTagStore` does so with a `Mutex`. Other processes may open the
/// same file: a statement waits up to `busyTimeoutMilliseconds` for their locks before it fails with
/// `SQLITE_BUSY`. The connection closes on `close()` or when it is deallocated.
final class SQLiteConnection {
    /// Time a statement waits for a lock held by another connection, in milliseconds.
    static let busyTimeoutMilliseconds: Int32 = 5_000

    let path: String

    private let handle: OpaquePointer
    private var isClosed = false

    /// Prepared statements keyed by their SQL text. Each stays prepared until `close()`.
    private var statements: [String: OpaquePointer] = [:]

    /// SQL of the statements that are stepping right now. A nested call with the same SQL would reset the outer
    /// one in the middle of its rows.
    private var statementsInUse: Set<String> = []

    /// Opens or creates the database file at `path` and sets WAL mode, foreign keys and the busy timeout.
    ///
    /// The parent directory must exist.
    init(path: String) throws(StoreError) {
        var opened: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let code = sqlite3_open_v2(path, &opened, flags, nil)
        guard code == SQLITE_OK, let opened else {
            let reason = opened.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
            // SQLite allocates a handle even for most failed opens, and only closing frees it.
            sqlite3_close_v2(opened)
            throw StoreError(
                message: "Cannot open the SQLite database \(path): \(reason). "
                    + "Check that the directory exists and that tagcache may read and write it.",
                code: code
            )
        }
        self.path = path
        handle = opened

        do throws(StoreError) {
            try configure()
        } catch {
            close()
            throw error
        }
    }

    deinit {
        close()
    }

    private func configure() throws(StoreError) {
        try check(sqlite3_busy_timeout(handle, Self.busyTimeoutMilliseconds), "set the busy timeout", sql: nil)

        // WAL lets readers in other processes keep reading while one connection writes.
        let modes = try switchToWAL()
        guard modes == ["wal"] else {
            throw StoreError(
                message: "Cannot switch \(path) to write-ahead logging: the journal mode stayed "
                    + "\(modes.first ?? "unknown"). Put the database on a local file system.",
                sql: "PRAGMA journal_mode = WAL"
            )
        }

        // NORMAL skips the fsync on every commit. In WAL mode a power loss can then undo the last commits but
        // cannot corrupt the file, and a cache can fetch those tags again.
        try execute("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL")
    }

    /// Sets `journal_mode = WAL`, retrying while another connection opens the same new file. SQLite returns
    /// `SQLITE_BUSY` for this pragma without calling the busy handler when the lock upgrade could deadlock.
    private func switchToWAL() throws(StoreError) -> [String] {
        let deadline = Date().addingTimeInterval(Double(Self.busyTimeoutMilliseconds) / 1000)
        while true {
            do {
                return try query("PRAGMA journal_mode = WAL") { row in row.string(0) }
            } catch where error.code == SQLITE_BUSY && Date() < deadline {
                usleep(20_000)
            }
        }
    }

    /// Finalizes every cached statement and closes the connection. Calling it again does nothing.
    func close() {
        guard !isClosed else { return }
        isClosed = true
        for statement in statements.values {
            sqlite3_finalize(statement)
        }
        statements.removeAll()
        // Every statement is finalized above, so sqlite3_close_v2 releases the connection now instead of
        // deferring the release until the last statement is finalized.
        sqlite3_close_v2(handle)
    }

    /// Throws when the connection was closed, which happens during shutdown while late work may still arrive.
    private func checkOpen() throws(StoreError) {
        guard !isClosed else {
            throw StoreError(message: "the database \(path) is closed because tagcache is shutting down; retry later")
        }
    }

    /// Runs `sql`, which may hold several statements separated by semicolons, without parameters or caching.
    func execute(_ sql: String) throws(StoreError) {
        try checkOpen()
        try check(sqlite3_exec(handle, sql, nil, nil, nil), "run SQL", sql: sql)
    }

    /// Runs one statement with `arguments` bound to its `?` parameters and discards any rows.
    func run(_ sql: String, _ arguments: [SQLiteValue] = []) throws(StoreError) {
        try withStatement(sql, arguments) { _ throws(StoreError) in }
    }

    /// Runs one statement once per element of `elements`, binding the values `arguments` returns for it and
    /// discarding any rows. The statement is looked up and marked in use once, which matters for thousands of rows.
    func runForEach<Elements: Sequence>(
        _ sql: String, _ elements: Elements, _ arguments: (Elements.Element) -> [SQLiteValue]
    ) throws(StoreError) {
        try checkOpen()
        precondition(!statementsInUse.contains(sql), "statement run again while its rows are being read: \(sql)")
        let statement = try cachedStatement(sql)
        statementsInUse.insert(sql)
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
            statementsInUse.remove(sql)
        }

        for element in elements {
            try bind(arguments(element), to: statement, sql: sql)
            while true {
                let code = sqlite3_step(statement)
                if code == SQLITE_DONE { break }
                guard code == SQLITE_ROW else {
                    throw error(code, "run a statement", sql: sql)
                }
            }
            sqlite3_reset(statement)
        }
    }

    /// Runs one statement with `arguments` bound to its `?` parameters and maps every row with `transform`.
    ///
    /// The row passed to `transform` is valid only during that call.
    func query<Value>(
        _ sql: String, _ arguments: [SQLiteValue] = [], _ transform: (SQLiteRow) throws(StoreError) -> Value
    ) throws(StoreError) -> [Value] {
        var values: [Value] = []
        try withStatement(sql, arguments) { row throws(StoreError) in
            values.append(try transform(row))
        }
        return values
    }

    /// Number of rows that the last INSERT, UPDATE or DELETE changed.
    var changes: Int {
        Int(sqlite3_changes(handle))
    }

    /// Whether a transaction is open.
    var isInTransaction: Bool {
        sqlite3_get_autocommit(handle) == 0
    }

    /// Runs `body` in a transaction, commits when it returns and rolls back when it or the commit throws.
    ///
    /// An immediate transaction takes the write lock at BEGIN. Use it for every transaction that writes: a
    /// deferred transaction that starts with a read and then writes fails with `SQLITE_BUSY` when another
    /// connection wrote in between. All reads in a deferred transaction read one snapshot of the database.
    /// Transactions do not nest.
    func withTransaction<Value>(
        immediate: Bool, _ body: () throws(StoreError) -> Value
    ) throws(StoreError) -> Value {
        precondition(!isInTransaction, "SQLiteConnection.withTransaction does not nest")
        try execute(immediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED")

        do throws(StoreError) {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            rollback()
            throw error
        }
    }

    private func rollback() {
        // After some errors (SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM) SQLite has already rolled back, and a
        // ROLLBACK would only fail with "no transaction is active".
        guard isInTransaction else { return }
        // The error that led here matters more than a failed rollback, and SQLite rolls back an open
        // transaction when the connection closes.
        _ = sqlite3_exec(handle, "ROLLBACK", nil, nil, nil)
    }

    // MARK: - Statements

    private func withStatement(
        _ sql: String, _ arguments: [SQLiteValue], _ body: (SQLiteRow) throws(StoreError) -> Void
    ) throws(StoreError) {
        try checkOpen()
        precondition(!statementsInUse.contains(sql), "statement run again while its rows are being read: \(sql)")
        let statement = try cachedStatement(sql)
        statementsInUse.insert(sql)
        defer {
            // Resetting ends the statement's read of the database, which otherwise keeps a WAL snapshot open.
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
            statementsInUse.remove(sql)
        }

        try bind(arguments, to: statement, sql: sql)
        while true {
            let code = sqlite3_step(statement)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else {
                throw error(code, "run a statement", sql: sql)
            }
            try body(SQLiteRow(statement: statement))
        }
    }

    private func cachedStatement(_ sql: String) throws(StoreError) -> OpaquePointer {
        if let statement = statements[sql] { return statement }

        var prepared: OpaquePointer?
        var remainder = ""
        let code = sql.withCString { text in
            var tail: UnsafePointer<CChar>?
            let code = sqlite3_prepare_v3(handle, text, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &prepared, &tail)
            if let tail { remainder = String(cString: tail) }
            return code
        }
        try check(code, "prepare a statement", sql: sql)
        guard let prepared else {
            preconditionFailure("SQL contains no statement: \(sql)")
        }
        guard remainder.allSatisfy(\.isWhitespace) else {
            sqlite3_finalize(prepared)
            preconditionFailure("SQL contains more than one statement, use execute(_:): \(sql)")
        }
        statements[sql] = prepared
        return prepared
    }

    private func bind(_ arguments: [SQLiteValue], to statement: OpaquePointer, sql: String) throws(StoreError) {
        precondition(
            Int(sqlite3_bind_parameter_count(statement)) == arguments.count,
            "\(arguments.count) arguments for the parameters of: \(sql)"
        )
        for (offset, argument) in arguments.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch argument {
            case .integer(let value):
                code = sqlite3_bind_int64(statement, index, value)
            case .text(let value):
                // TRANSIENT makes SQLite copy the text, because Swift frees the bridged C string after the call.
                code = sqlite3_bind_text(statement, index, value, Int32(value.utf8.count), tc_sqlite_transient())
            case .real(let value):
                code = sqlite3_bind_double(statement, index, value)
            case .null:
                code = sqlite3_bind_null(statement, index)
            }
            try check(code, "bind parameter \(index)", sql: sql)
        }
    }

    // MARK: - Errors

    private func check(_ code: Int32, _ action: @autoclosure () -> String, sql: String?) throws(StoreError) {
        guard code == SQLITE_OK else {
            throw error(code, action(), sql: sql)
        }
    }

    private func error(_ code: Int32, _ action: String, sql: String?) -> StoreError {
        var message = "Cannot \(action) on \(path): \(String(cString: sqlite3_errmsg(handle)))."
        if let advice = Self.advice(forCode: code) {
            message += " " + advice
        }
        return StoreError(message: message, code: code, sql: sql)
    }

    private static func advice(forCode code: Int32) -> String? {
        switch code & 0xFF {
        case SQLITE_BUSY, SQLITE_LOCKED:
            "Another process held a lock on the database for more than \(busyTimeoutMilliseconds) ms: retry, "
                + "or stop the other process."
        case SQLITE_READONLY, SQLITE_PERM, SQLITE_CANTOPEN:
            "Check that tagcache may write the database file, its directory and its -wal and -shm files."
        case SQLITE_FULL:
            "Free disk space on the database's file system."
        case SQLITE_CORRUPT, SQLITE_NOTADB:
            "Restore the file from a backup, or move it aside so that tagcache creates an empty cache."
        default:
            nil
        }
    }
}

@available(*, unavailable)
extension SQLiteConnection: Sendable {}

/// The current row of a statement. Valid only inside the closure that receives it.
struct SQLiteRow {
    fileprivate let statement: OpaquePointer

    func int64(_ column: Int) -> Int64 {
        sqlite3_column_int64(statement, Int32(column))
    }

    /// Returns nil when the column is NULL.
    func optionalInt64(_ column: Int) -> Int64? {
        isNull(column) ? nil : int64(column)
    }

    func double(_ column: Int) -> Double {
        sqlite3_column_double(statement, Int32(column))
    }

    /// Returns the text of the column, or an empty string when it is NULL.
    func string(_ column: Int) -> String {
        // Read the bytes after the text: sqlite3_column_bytes counts the UTF-8 conversion that column_text does.
        guard let text = sqlite3_column_text(statement, Int32(column)) else { return "" }
        let count = Int(sqlite3_column_bytes(statement, Int32(column)))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    /// Returns the UTF-8 bytes of the column's text, or nil when it is NULL.
    func optionalUTF8(_ column: Int) -> [UInt8]? {
        guard !isNull(column), let text = sqlite3_column_text(statement, Int32(column)) else { return nil }
        let count = Int(sqlite3_column_bytes(statement, Int32(column)))
        return Array(UnsafeBufferPointer(start: text, count: count))
    }

    /// Returns nil when the column is NULL.
    func optionalString(_ column: Int) -> String? {
        isNull(column) ? nil : string(column)
    }

    private func isNull(_ column: Int) -> Bool {
        sqlite3_column_type(statement, Int32(column)) == SQLITE_NULL
    }
}
