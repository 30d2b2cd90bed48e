private import CRE2

/// A user-supplied regular expression in RE2 syntax that must match a whole tag.
///
/// RE2 matches in time linear in the tag's length, so a hostile pattern cannot stall a server thread the way it
/// can with a backtracking engine. Compiling is bounded by `maximumLength` and `maximumMemory`.
///
/// `@unchecked Sendable`: the RE2 object is never mutated after compiling, and RE2 documents a compiled
/// expression as safe for concurrent use by multiple threads.
final class TagPattern: @unchecked Sendable {
    /// Maximum pattern length, in UTF-8 bytes.
    static let maximumLength = 256

    /// Memory RE2 may use for one compiled pattern, in bytes.
    static let maximumMemory: Int64 = 1 << 20

    let source: String
    private let expression: OpaquePointer

    /// Compiles `source`.
    /// - Throws: `QueryError` naming `parameter` and the pattern when it is too long or RE2 rejects it.
    init(_ source: String, parameter: String) throws(QueryError) {
        guard source.utf8.count <= Self.maximumLength else {
            throw QueryError(
                parameter: parameter,
                message: "\(parameter) is \(source.utf8.count) bytes long; the maximum is \(Self.maximumLength)")
        }

        var error: UnsafeMutablePointer<CChar>?
        var text = source
        let compiled = text.withUTF8 { buffer in
            buffer.withMemoryRebound(to: CChar.self) { characters in
                tc_re2_compile(characters.baseAddress, characters.count, Self.maximumMemory, &error)
            }
        }
        guard let compiled else {
            let reason = error.map { String(cString: $0) } ?? "out of memory"
            tc_re2_free_error(error)
            throw QueryError(
                parameter: parameter,
                message: "\(parameter) \(JSONText.string(source)) is not a valid RE2 regular expression: \(reason)")
        }
        self.source = source
        self.expression = compiled
    }

    deinit {
        tc_re2_free(expression)
    }

    /// Returns whether the whole of `tag` matches.
    func matches(_ tag: String) -> Bool {
        var tag = tag
        return tag.withUTF8 { buffer in
            buffer.withMemoryRebound(to: CChar.self) { characters in
                tc_re2_full_match(expression, characters.baseAddress, characters.count) == 1
            }
        }
    }
}
