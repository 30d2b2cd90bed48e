import Foundation

extension Date {
    /// Milliseconds since 1970-01-01T00:00:00Z, rounded to the nearest. The store keeps every time in this form.
    ///
    /// Rounding to the nearest makes `Date(unixMilliseconds: n).unixMilliseconds == n` hold, because a Double
    /// represents such a date to within a microsecond, where rounding down could land on `n - 1`.
    var unixMilliseconds: Int64 {
        Int64((timeIntervalSince1970 * 1_000).rounded())
    }

    init(unixMilliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(unixMilliseconds) / 1_000)
    }
}
