import Foundation

/// Formats instants as RFC 3339 UTC timestamps with second precision, such as `2026-12-04T20:15:00Z`.
public enum RFC3339 {
    public static func format(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)

        var bytes: [UInt8] = []
        bytes.reserveCapacity(20)
        appendDigits(Int(parts.tm_year) + 1900, count: 4, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        appendDigits(Int(parts.tm_mon) + 1, count: 2, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        appendDigits(Int(parts.tm_mday), count: 2, to: &bytes)
        bytes.append(UInt8(ascii: "T"))
        appendDigits(Int(parts.tm_hour), count: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        appendDigits(Int(parts.tm_min), count: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        appendDigits(Int(parts.tm_sec), count: 2, to: &bytes)
        bytes.append(UInt8(ascii: "Z"))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `value` in decimal, padded with leading zeros to at least `count` characters including any minus
    /// sign, as `%0Nd` does.
    static func appendDigits(_ value: Int, count: Int, to bytes: inout [UInt8]) {
        var count = count
        if value < 0 {
            bytes.append(UInt8(ascii: "-"))
            count -= 1
        }
        var digits: [UInt8] = []
        var rest = value.magnitude
        repeat {
            digits.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        for _ in digits.count..<max(count, digits.count) {
            bytes.append(UInt8(ascii: "0"))
        }
        bytes.append(contentsOf: digits.reversed())
    }
}
