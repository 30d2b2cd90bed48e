/// A reference that `ImageReference.parse(_:)` rejected.
///
/// `message` quotes the input, names the part that is wrong and gives the fix. Control characters in the
/// quoted text are escaped, so the message is safe to log and to return to a client.
public struct ReferenceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text as the caller passed it, unescaped.
    public let input: String

    /// Complete human-readable explanation, starting with `invalid reference "…":`.
    public let message: String

    public init(input: String, message: String) {
        self.input = input
        self.message = message
    }

    /// Builds the error for `input` with `reason` after the standard prefix.
    init(_ input: String, _ reason: String) {
        self.init(input: input, message: "invalid reference \(ReferenceError.quoted(input)): \(reason)")
    }

    public var description: String { message }

    /// Maximum number of characters quoted in full. Longer text is cut and ends in `…`, so one huge input
    /// cannot flood a log line.
    static let maximumQuotedLength = 300

    /// Wraps `text` in double quotes. Quotes and backslashes get a backslash, and control characters,
    /// format characters and whitespace other than the space become `\u{XX}`, so they stay visible.
    static func quoted(_ text: String) -> String {
        var result = "\""
        var count = 0
        for scalar in text.unicodeScalars {
            if count == maximumQuotedLength {
                result += "…"
                break
            }
            count += 1

            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case " ": result.unicodeScalars.append(scalar)
            default:
                let category = scalar.properties.generalCategory
                if category == .control || category == .format || scalar.properties.isWhitespace {
                    result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }
}
