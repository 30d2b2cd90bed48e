/// Parser for `Link` header values (RFC 8288 section 3), such as
/// `</v2/team/app/tags/list?n=100&last=v9>; rel="next"`.
enum LinkHeader {
    /// One link-value: a target URI reference and its parameters.
    struct Link: Sendable, Equatable {
        /// URI reference between `<` and `>`, byte for byte, not yet resolved.
        var target: String

        /// Parameters keyed by lowercased name, values with quoting removed. The first occurrence of a name
        /// wins, as RFC 8288 requires for `rel`. A parameter without a value maps to the empty string.
        var parameters: [String: String]

        /// The lowercased relation types of the `rel` parameter, which may list several separated by spaces.
        var relations: [String] {
            guard let rel = parameters["rel"] else { return [] }
            return rel.split(whereSeparator: { $0 == " " || $0 == "\t" }).map { $0.lowercased() }
        }
    }

    /// Parses every link in `value`, in order.
    static func parse(_ value: String) throws(HeaderSyntaxError) -> [Link] {
        var scanner = HeaderScanner(value)
        var links: [Link] = []
        while true {
            scanner.skipWhitespace()
            while scanner.consume(UInt8(ascii: ",")) {
                scanner.skipWhitespace()
            }
            if scanner.isAtEnd {
                return links
            }

            guard scanner.consume(UInt8(ascii: "<")) else {
                throw scanner.error("expected '<' to start a link")
            }
            guard let target = scanner.readUntil(UInt8(ascii: ">")) else {
                throw scanner.error("expected '>' to end the link target")
            }
            links.append(Link(target: target, parameters: try parseParameters(&scanner)))
        }
    }

    /// Parses `*( OWS ";" OWS link-param )` and stops before the `,` that ends the link-value or at the end.
    private static func parseParameters(_ scanner: inout HeaderScanner) throws(HeaderSyntaxError) -> [String: String] {
        var parameters: [String: String] = [:]
        while true {
            scanner.skipWhitespace()
            if scanner.isAtEnd || scanner.current == UInt8(ascii: ",") {
                return parameters
            }
            guard scanner.consume(UInt8(ascii: ";")) else {
                throw scanner.error("expected ';' or ',' after a link")
            }
            scanner.skipWhitespace()
            if scanner.isAtEnd || scanner.current == UInt8(ascii: ",") || scanner.current == UInt8(ascii: ";") {
                continue
            }

            guard let name = scanner.readToken() else {
                throw scanner.error("expected a link parameter name")
            }
            scanner.skipWhitespace()
            var parameterValue = ""
            if scanner.consume(UInt8(ascii: "=")) {
                scanner.skipWhitespace()
                if scanner.current == UInt8(ascii: "\"") {
                    parameterValue = try scanner.readQuotedString()
                } else if let token = scanner.readToken() {
                    parameterValue = token
                } else {
                    throw scanner.error("expected a value for link parameter \(name)")
                }
            }
            let key = name.lowercased()
            if parameters[key] == nil {
                parameters[key] = parameterValue
            }
        }
    }
}
