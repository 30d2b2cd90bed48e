/// Parses and formats durations written as `<integer><unit>` parts, such as `45s`, `10m`, `1h30m` or `30d`.
///
/// Units are `s` (seconds), `m` (minutes), `h` (hours) and `d` (days of 86,400 seconds). Parts may come in
/// any order, but each unit at most once. Signs, decimals, spaces and uppercase units are rejected, so a
/// configuration value means exactly one thing.
public enum DurationParser {
    static let examples = "45s, 10m, 1h30m or 30d"

    /// Parses `text` into seconds.
    ///
    /// - Throws: `DurationError` naming the value and showing valid examples, also when the total exceeds
    ///   `Int.max` seconds.
    public static func parse(_ text: String) throws(DurationError) -> Int {
        if text.isEmpty {
            throw DurationError(text, "the value is empty")
        }

        var total = 0
        var number: Int?
        var seenUnits: Set<Unicode.Scalar> = []
        for scalar in text.unicodeScalars {
            if let digit = digitValue(scalar) {
                number = try appendDigit(digit, to: number ?? 0, input: text)
                continue
            }

            guard let multiplier = unitSeconds(scalar) else {
                throw DurationError(text, problem(with: scalar))
            }
            guard let count = number else {
                throw DurationError(text, "the unit \"\(scalar)\" has no number before it")
            }
            if !seenUnits.insert(scalar).inserted {
                throw DurationError(text, "the unit \"\(scalar)\" appears more than once")
            }
            total = try add(count, times: multiplier, to: total, input: text)
            number = nil
        }

        if let number {
            throw DurationError(text, "the number \(number) at the end has no unit")
        }
        return total
    }

    /// Formats `seconds` with the largest units first and zero parts left out: 5400 is `1h30m`, 0 is `0s`.
    /// `parse(format(n)) == n` for every `n >= 0`.
    public static func format(_ seconds: Int) -> String {
        precondition(seconds >= 0, "durations are never negative, got \(seconds)")
        if seconds == 0 {
            return "0s"
        }

        var remainder = seconds
        var result = ""
        for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
            let count = remainder / size
            remainder %= size
            if count > 0 {
                result += "\(count)\(unit)"
            }
        }
        return result
    }

    private static func unitSeconds(_ scalar: Unicode.Scalar) -> Int? {
        switch scalar {
        case "s": 1
        case "m": 60
        case "h": 3_600
        case "d": 86_400
        default: nil
        }
    }

    private static func digitValue(_ scalar: Unicode.Scalar) -> Int? {
        ("0"..."9").contains(scalar) ? Int(scalar.value - 48) : nil
    }

    /// Explains why `scalar`, which is neither a digit nor a unit, is not allowed.
    private static func problem(with scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "+", "-":
            "signs are not allowed"
        case ".", ",":
            "decimals are not allowed; combine units instead, as in 1h30m"
        case "S", "M", "H", "D":
            "units are lowercase"
        default:
            if scalar.properties.isWhitespace {
                "spaces are not allowed"
            } else {
                "\(DurationError.quoted(String(scalar))) is not a digit or one of the units s, m, h, d"
            }
        }
    }

    private static func appendDigit(_ digit: Int, to number: Int, input: String) throws(DurationError) -> Int {
        let (shifted, overflowShift) = number.multipliedReportingOverflow(by: 10)
        let (result, overflowAdd) = shifted.addingReportingOverflow(digit)
        if overflowShift || overflowAdd {
            throw DurationError(input, "the number is too large")
        }
        return result
    }

    private static func add(
        _ count: Int,
        times multiplier: Int,
        to total: Int,
        input: String
    ) throws(DurationError) -> Int {
        let (seconds, overflowMultiply) = count.multipliedReportingOverflow(by: multiplier)
        let (result, overflowAdd) = total.addingReportingOverflow(seconds)
        if overflowMultiply || overflowAdd {
            throw DurationError(input, "the duration is too long; the maximum is \(format(Int.max))")
        }
        return result
    }
}

/// A duration that `DurationParser.parse(_:)` rejected.
public struct DurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text as the caller passed it.
    public let input: String

    /// Complete explanation, starting with `invalid duration "…":` and ending with valid examples.
    public let message: String

    public init(input: String, message: String) {
        self.input = input
        self.message = message
    }

    init(_ input: String, _ reason: String) {
        self.init(
            input: input,
            message: "invalid duration \(DurationError.quoted(input)): \(reason); "
                + "write whole numbers with the units s, m, h or d, such as \(DurationParser.examples)"
        )
    }

    public var description: String { message }

    static func quoted(_ text: String) -> String {
        ReferenceError.quoted(text)
    }
}
