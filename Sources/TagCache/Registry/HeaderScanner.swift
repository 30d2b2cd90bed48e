/// A cursor over the bytes of one HTTP header value, with the RFC 9110 productions that `WWW-Authenticate` and
/// `Link` share: tokens, quoted strings and optional whitespace.
struct HeaderScanner {
    private let bytes: [UInt8]
    private(set) var position = 0

    init(_ value: String) {
        bytes = Array(value.utf8)
    }

    var isAtEnd: Bool { position >= bytes.count }

    var current: UInt8? { isAtEnd ? nil : bytes[position] }

    func peek(offset: Int) -> UInt8? {
        let index = position + offset
        return index < bytes.count ? bytes[index] : nil
    }

    mutating func advance() {
        position += 1
    }

    /// Consumes `byte` if it is next. Returns whether it was.
    mutating func consume(_ byte: UInt8) -> Bool {
        guard current == byte else { return false }
        position += 1
        return true
    }

    /// Skips OWS: spaces and horizontal tabs.
    mutating func skipWhitespace() {
        while let byte = current, byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
            position += 1
        }
    }

    /// Reads a `token` (RFC 9110 section 5.6.2), or returns nil without moving when none starts here.
    mutating func readToken() -> String? {
        let start = position
        while let byte = current, Self.isTokenCharacter(byte) {
            position += 1
        }
        guard position > start else { return nil }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    /// Reads a `quoted-string` starting at `"` and returns its content with quoted pairs unescaped.
    mutating func readQuotedString() throws(HeaderSyntaxError) -> String {
        precondition(current == UInt8(ascii: "\""), "readQuotedString called away from a quote")
        let start = position
        position += 1
        var content: [UInt8] = []
        while let byte = current {
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: content, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let escaped = current else { break }
                content.append(escaped)
                position += 1
            default:
                content.append(byte)
            }
        }
        throw HeaderSyntaxError("unterminated quoted string", at: start)
    }

    /// Reads the bytes up to `terminator` (not included) and consumes the terminator. Returns nil without moving
    /// when the terminator never comes.
    mutating func readUntil(_ terminator: UInt8) -> String? {
        guard let end = bytes[position...].firstIndex(of: terminator) else { return nil }
        let text = String(decoding: bytes[position..<end], as: UTF8.self)
        position = end + 1
        return text
    }

    /// Reads a `token68` (RFC 9110 section 11.2): token characters of base64 and base64url, then any `=` padding.
    mutating func readToken68() -> String? {
        let start = position
        while let byte = current, Self.isToken68Character(byte) {
            position += 1
        }
        guard position > start else { return nil }
        while current == UInt8(ascii: "=") {
            position += 1
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    func error(_ message: String) -> HeaderSyntaxError {
        HeaderSyntaxError(message, at: position)
    }

    static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }

    static func isToken68Character(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            Array("-._~+/".utf8).contains(byte)
        }
    }
}

/// A header value that does not follow its grammar. `offset` counts UTF-8 bytes from the start of the value.
struct HeaderSyntaxError: Error, Equatable, CustomStringConvertible {
    var message: String
    var offset: Int

    init(_ message: String, at offset: Int) {
        self.message = message
        self.offset = offset
    }

    var description: String { "\(message) at byte \(offset)" }
}
