import Foundation

/// The IMF-fixdate format of HTTP date fields such as `Last-Modified` (RFC 9110, section 5.6.7):
/// `Sun, 06 Nov 1994 08:49:37 GMT`.
enum HTTPDate {
    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Formats `date` in UTC, truncated to whole seconds.
    static func format(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.weekday, .day, .month, .year, .hour, .minute, .second], from: date)
        let weekday = weekdays[parts.weekday! - 1]
        let month = months[parts.month! - 1]
        return "\(weekday), \(twoDigits(parts.day!)) \(month) \(parts.year!) "
            + "\(twoDigits(parts.hour!)):\(twoDigits(parts.minute!)):\(twoDigits(parts.second!)) GMT"
    }

    private static func twoDigits(_ value: Int) -> String {
        value < 10 ? "0\(value)" : String(value)
    }
}
