/// Builds JSON text by hand, for responses on the hot path and for output formats `JSONEncoder` cannot produce.
enum JSONText {
    /// Returns `text` as a JSON string literal, quotes included. `/` stays unescaped.
    static func string(_ text: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 2)
        appendString(text, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Returns a compact JSON array of strings.
    static func array(_ values: [String]) -> String {
        var bytes: [UInt8] = []
        appendArray(values, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the UTF-8 bytes of `text` as a JSON string literal, quotes included. `/` stays unescaped.
    ///
    /// Only bytes below 0x20, `"` and `\` need escaping, and none of them occurs inside a multi-byte UTF-8
    /// sequence, so runs of other bytes are copied as they are.
    static func appendString(_ text: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            var runStart = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                if byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
                    continue
                }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                appendEscape(of: byte, to: &output)
                runStart = index + 1
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        }
        output.append(UInt8(ascii: "\""))
    }

    /// Appends a compact JSON array of strings.
    static func appendArray(_ values: [String], to output: inout [UInt8]) {
        var length = 2
        for value in values {
            length += value.utf8.count + 3
        }
        output.reserveCapacity(output.count + length)

        output.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 {
                output.append(UInt8(ascii: ","))
            }
            appendString(value, to: &output)
        }
        output.append(UInt8(ascii: "]"))
    }

    private static func appendEscape(of byte: UInt8, to output: inout [UInt8]) {
        let escape: String
        switch byte {
        case UInt8(ascii: "\""): escape = "\\\""
        case UInt8(ascii: "\\"): escape = "\\\\"
        case UInt8(ascii: "\n"): escape = "\\n"
        case UInt8(ascii: "\r"): escape = "\\r"
        case UInt8(ascii: "\t"): escape = "\\t"
        case 0x08: escape = "\\b"
        case 0x0C: escape = "\\f"
        default:
            let hex = String(byte, radix: 16)
            escape = "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        }
        output.append(contentsOf: escape.utf8)
    }
}
