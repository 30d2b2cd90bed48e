/// A value bound to a statement parameter. The cases are SQLite's storage classes minus BLOB, which tagcache
/// does not store.
enum SQLiteValue: Sendable, Equatable {
    case integer(Int64)
    case text(String)
    case real(Double)
    case null

    /// Returns `.integer(value)`, or `.null` when `value` is nil.
    static func integerOrNull(_ value: Int64?) -> SQLiteValue {
        value.map(SQLiteValue.integer) ?? .null
    }

    /// Returns `.text(value)`, or `.null` when `value` is nil.
    static func textOrNull(_ value: String?) -> SQLiteValue {
        value.map(SQLiteValue.text) ?? .null
    }
}
