/// The `Cache-Control` directives of a request that change how the cache answers it (RFC 9111, section 5.2.1).
///
/// Unknown directives and directives with invalid arguments are ignored, as RFC 9111 asks of caches.
public struct RequestDirectives: Sendable, Equatable {
    /// `max-age=N`: the client accepts no list fetched more than `N` seconds ago.
    public var maxAge: Int?
    /// `max-stale[=N]`: the client accepts a list expired up to `N` seconds ago; `Int.max` when no `N` is given.
    public var maxStale: Int?
    /// `no-cache`: the client wants the list revalidated with the registry before it is answered.
    public var noCache = false
    /// `only-if-cached`: the client wants only what is stored, without a registry request.
    public var onlyIfCached = false

    public init() {}

    /// Parses the value of a request's `Cache-Control` header; nil gives no directives.
    public init(cacheControl: String?) {
        guard let cacheControl else { return }
        for item in cacheControl.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1)
            let name = parts[0].trimmingSpaces().lowercased()
            let argument = parts.count == 2 ? Self.unquoted(parts[1].trimmingSpaces()) : nil
            switch name {
            case "max-age":
                if let seconds = argument.flatMap(Self.deltaSeconds) { maxAge = seconds }
            case "max-stale":
                if let argument {
                    if let seconds = Self.deltaSeconds(argument) { maxStale = seconds }
                } else {
                    maxStale = Int.max
                }
            case "no-cache":
                noCache = true
            case "only-if-cached":
                onlyIfCached = true
            default:
                continue
            }
        }
    }

    /// Whether an entry fetched `age` seconds ago must be revalidated before it is answered.
    func requiresRevalidation(age: Double) -> Bool {
        if noCache { return true }
        if let maxAge { return age > Double(maxAge) }
        return false
    }

    /// Parses RFC 9111 delta-seconds: digits only; values too large for `Int` count as `Int.max`.
    private static func deltaSeconds(_ text: String) -> Int? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(text) ?? Int.max
    }

    private static func unquoted(_ text: String) -> String {
        guard text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") else { return text }
        return String(text.dropFirst().dropLast())
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
