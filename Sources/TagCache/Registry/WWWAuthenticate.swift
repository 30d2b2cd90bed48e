/// Parser for `WWW-Authenticate` header values (RFC 9110 section 11.6.1).
///
/// One value may carry several challenges separated by commas, and commas also separate the parameters of one
/// challenge. A token followed by `=` continues the current challenge and any other token starts the next one.
enum WWWAuthenticate {
    /// Parses every challenge in `value`, in order.
    static func parse(_ value: String) throws(HeaderSyntaxError) -> [Challenge] {
        var scanner = HeaderScanner(value)
        var challenges: [Challenge] = []
        while true {
            skipListSeparators(&scanner)
            if scanner.isAtEnd {
                return challenges
            }
            challenges.append(try parseChallenge(&scanner))
        }
    }

    private static func parseChallenge(_ scanner: inout HeaderScanner) throws(HeaderSyntaxError) -> Challenge {
        guard let scheme = scanner.readToken() else {
            throw scanner.error("expected an authentication scheme")
        }
        var challenge = Challenge(scheme: scheme)

        let positionAfterScheme = scanner.position
        scanner.skipWhitespace()
        if scanner.isAtEnd || scanner.current == UInt8(ascii: ",") {
            return challenge
        }
        guard scanner.position > positionAfterScheme else {
            throw scanner.error("expected a space after scheme \(scheme)")
        }

        // A token68 is alone in its challenge, so it must be followed by the end or a comma.
        let beforeCredentials = scanner
        if let token68 = scanner.readToken68() {
            scanner.skipWhitespace()
            if scanner.isAtEnd || scanner.current == UInt8(ascii: ",") {
                challenge.token68 = token68
                return challenge
            }
        }
        scanner = beforeCredentials

        try parseParameters(&scanner, into: &challenge)
        return challenge
    }

    private static func parseParameters(
        _ scanner: inout HeaderScanner, into challenge: inout Challenge
    ) throws(HeaderSyntaxError) {
        var isFirst = true
        while true {
            let beforeName = scanner
            guard let name = scanner.readToken() else {
                throw scanner.error("expected a parameter name in challenge \(challenge.scheme)")
            }
            scanner.skipWhitespace()
            guard scanner.consume(UInt8(ascii: "=")) else {
                if isFirst {
                    throw scanner.error("expected '=' after parameter \(name)")
                }
                // The token is the scheme of the next challenge.
                scanner = beforeName
                return
            }
            scanner.skipWhitespace()

            let parameterValue: String
            if scanner.current == UInt8(ascii: "\"") {
                parameterValue = try scanner.readQuotedString()
            } else if let token = scanner.readToken() {
                parameterValue = token
            } else {
                throw scanner.error("expected a value for parameter \(name)")
            }
            let key = name.lowercased()
            if challenge.parameters[key] == nil {
                challenge.parameters[key] = parameterValue
            }
            isFirst = false

            scanner.skipWhitespace()
            if scanner.isAtEnd {
                return
            }
            guard scanner.consume(UInt8(ascii: ",")) else {
                throw scanner.error("expected ',' after parameter \(name)")
            }
            skipListSeparators(&scanner)
            if scanner.isAtEnd {
                return
            }
        }
    }

    /// Skips the empty elements and whitespace that the `#rule` list syntax permits.
    private static func skipListSeparators(_ scanner: inout HeaderScanner) {
        scanner.skipWhitespace()
        while scanner.consume(UInt8(ascii: ",")) {
            scanner.skipWhitespace()
        }
    }
}
