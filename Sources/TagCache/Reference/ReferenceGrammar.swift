/// Checks for the parts of a docker reference: registry host, port and repository path.
///
/// The grammar is the one of `github.com/distribution/reference` (`regexp.go`), written out:
///
///     domain          := host [":" port]
///     host            := domain-name | IPv4address | "[" IPv6address "]"
///     domain-name     := label ("." label)*
///     label           := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
///     path            := path-component ("/" path-component)*
///     path-component  := [a-z0-9]+ (separator [a-z0-9]+)*
///     separator       := "." | "_" | "__" | "-"+
///
/// Each check scans its text once from left to right, so the time is linear in the length of the input.
/// Every failed check throws a `ReferenceError` for `input` that names the offending part.
enum ReferenceGrammar {
    /// Maximum length of the normalized repository path, `RepositoryNameTotalLengthMax` in
    /// `distribution/reference`.
    static let maximumPathLength = 255

    static let separatorRule = #"separators are ".", "_", "__" or a run of "-""#

    // MARK: - Registry

    /// Validates a registry written as `host`, `host:port`, `[IPv6]` or `[IPv6]:port`.
    static func checkDomain(_ domain: Substring, input: String) throws(ReferenceError) {
        if domain.hasPrefix("[") {
            try checkBracketedDomain(domain, input: input)
            return
        }

        let colon = domain.firstIndex(of: ":")
        let host = domain[..<(colon ?? domain.endIndex)]
        if host.isEmpty {
            throw ReferenceError(input, "registry \(quoted(domain)) has an empty host name; write it as HOST:PORT")
        }
        try checkHostName(host, input: input)

        if let colon {
            try checkPort(domain[domain.index(after: colon)...], domain: domain, input: input)
        }
    }

    private static func checkBracketedDomain(_ domain: Substring, input: String) throws(ReferenceError) {
        guard let close = domain.firstIndex(of: "]") else {
            throw ReferenceError(
                input,
                "registry \(quoted(domain)) is missing the \"]\" that closes its IPv6 address; "
                    + "write it as [ADDRESS]:PORT"
            )
        }

        let address = domain[domain.index(after: domain.startIndex)..<close]
        if !isIPv6Address(address) {
            throw ReferenceError(
                input,
                "registry \(quoted(domain)) contains the invalid IPv6 address \(quoted(address)); "
                    + "write eight groups of 1 to 4 hex digits, with \"::\" at most once, as in [::1]:5000"
            )
        }

        let rest = domain[domain.index(after: close)...]
        if rest.isEmpty {
            return
        }
        guard rest.first == ":" else {
            throw ReferenceError(
                input,
                "registry \(quoted(domain)) has \(quoted(rest)) after its IPv6 address; only \":PORT\" may follow \"]\""
            )
        }
        try checkPort(rest.dropFirst(), domain: domain, input: input)
    }

    /// Validates a host name made of dot-separated labels of ASCII letters, digits and inner hyphens. An IPv4
    /// address also has this form, so it needs no separate rule.
    private static func checkHostName(_ host: Substring, input: String) throws(ReferenceError) {
        for scalar in host.unicodeScalars where !isASCIILetterOrDigit(scalar) && scalar != "-" && scalar != "." {
            throw ReferenceError(
                input,
                "host name \(quoted(host)) contains the character \(quoted(scalar)); "
                    + "host names contain only letters, digits, \"-\" and \".\""
            )
        }

        for label in host.split(separator: ".", omittingEmptySubsequences: false) {
            if label.isEmpty {
                throw ReferenceError(
                    input,
                    "host name \(quoted(host)) contains an empty label; remove the extra \".\""
                )
            }
            if label.first == "-" || label.last == "-" {
                throw ReferenceError(
                    input,
                    "host name label \(quoted(label)) in \(quoted(host)) starts or ends with \"-\"; "
                        + "a label starts and ends with a letter or digit"
                )
            }
        }
    }

    private static func checkPort(_ port: Substring, domain: Substring, input: String) throws(ReferenceError) {
        // At most five digits, so the conversion below cannot overflow.
        let isNumber = !port.isEmpty && port.count <= 5 && port.unicodeScalars.allSatisfy(isASCIIDigit)
        guard isNumber, let value = Int(port), (1...65535).contains(value) else {
            throw ReferenceError(
                input,
                "registry \(quoted(domain)) has the port \(quoted(port)); give a port number from 1 to 65535"
            )
        }
    }

    /// Returns whether `text` is an IPv6 address in hex-group notation, without brackets, zone or embedded
    /// IPv4 part.
    ///
    /// `distribution/reference` accepts any run of hex digits and colons here. This check is stricter, so
    /// that `host` is always an address that a resolver accepts.
    static func isIPv6Address(_ text: Substring) -> Bool {
        let scalars = Array(text.unicodeScalars)

        var compression: Int?
        var index = 0
        while index + 1 < scalars.count {
            if scalars[index] == ":" && scalars[index + 1] == ":" {
                if compression != nil {
                    return false
                }
                compression = index
            }
            index += 1
        }

        guard let compression else {
            return hexGroupCount(scalars[...]) == 8
        }
        guard let head = hexGroupCount(scalars[..<compression]),
              let tail = hexGroupCount(scalars[(compression + 2)...])
        else {
            return false
        }
        return head + tail <= 7
    }

    /// Number of colon-separated groups of 1 to 4 hex digits in `scalars`, 0 for empty input, nil when malformed.
    private static func hexGroupCount(_ scalars: ArraySlice<Unicode.Scalar>) -> Int? {
        if scalars.isEmpty {
            return 0
        }

        var groups = 1
        var digits = 0
        for scalar in scalars {
            if scalar == ":" {
                if digits == 0 {
                    return nil
                }
                groups += 1
                digits = 0
            } else if isASCIIHexDigit(scalar) {
                digits += 1
                if digits > 4 {
                    return nil
                }
            } else {
                return nil
            }
        }
        return digits == 0 ? nil : groups
    }

    // MARK: - Repository path

    /// Validates a repository path: non-empty components separated by single slashes.
    static func checkPath(_ path: Substring, input: String) throws(ReferenceError) {
        if path.first == "/" {
            throw ReferenceError(input, "repository path \(quoted(path)) starts with \"/\"; remove the extra \"/\"")
        }
        if path.last == "/" {
            throw ReferenceError(input, "repository path \(quoted(path)) ends with \"/\"; remove the trailing \"/\"")
        }

        for component in path.split(separator: "/", omittingEmptySubsequences: false) {
            if component.isEmpty {
                throw ReferenceError(
                    input,
                    "repository path \(quoted(path)) contains an empty path component; replace \"//\" with \"/\""
                )
            }
            try checkPathComponent(component, input: input)
        }
    }

    /// Validates one path component: lowercase alphanumeric runs joined by single separators.
    private static func checkPathComponent(_ component: Substring, input: String) throws(ReferenceError) {
        let name = quoted(component)

        if component == "." || component == ".." {
            throw ReferenceError(
                input,
                "path component \(name) is not allowed; a repository path has no relative parts"
            )
        }
        if component.unicodeScalars.contains(where: isASCIIUppercase) {
            throw ReferenceError(
                input,
                "path component \(name) contains uppercase letters; repository names are lowercase"
            )
        }
        for scalar in component.unicodeScalars where !isPathScalar(scalar) {
            throw ReferenceError(
                input,
                "path component \(name) contains the character \(quoted(scalar)); "
                    + "path components contain only lowercase letters, digits, \".\", \"_\" and \"-\""
            )
        }

        let scalars = Array(component.unicodeScalars)
        if !isLowercaseAlphanumeric(scalars[0]) {
            throw ReferenceError(
                input,
                "path component \(name) starts with \(quoted(scalars[0])); start it with a lowercase letter or digit"
            )
        }
        if !isLowercaseAlphanumeric(scalars[scalars.count - 1]) {
            throw ReferenceError(
                input,
                "path component \(name) ends with \(quoted(scalars[scalars.count - 1])); "
                    + "end it with a lowercase letter or digit"
            )
        }

        var runStart: Int?
        for index in scalars.indices {
            if !isLowercaseAlphanumeric(scalars[index]) {
                runStart = runStart ?? index
                continue
            }
            if let start = runStart {
                try checkSeparator(scalars[start..<index], component: name, input: input)
                runStart = nil
            }
        }
    }

    private static func checkSeparator(
        _ separator: ArraySlice<Unicode.Scalar>,
        component name: String,
        input: String
    ) throws(ReferenceError) {
        let text = String(String.UnicodeScalarView(separator))
        if text == "." || text == "_" || text == "__" || separator.allSatisfy({ $0 == "-" }) {
            return
        }
        throw ReferenceError(
            input,
            "path component \(name) contains the separator \(quoted(text[...])); \(separatorRule)"
        )
    }

    // MARK: - Characters

    static func isASCIIDigit(_ scalar: Unicode.Scalar) -> Bool {
        ("0"..."9").contains(scalar)
    }

    static func isASCIIUppercase(_ scalar: Unicode.Scalar) -> Bool {
        ("A"..."Z").contains(scalar)
    }

    static func isASCIILetterOrDigit(_ scalar: Unicode.Scalar) -> Bool {
        isASCIIDigit(scalar) || isASCIIUppercase(scalar) || ("a"..."z").contains(scalar)
    }

    private static func isASCIIHexDigit(_ scalar: Unicode.Scalar) -> Bool {
        isASCIIDigit(scalar) || ("a"..."f").contains(scalar) || ("A"..."F").contains(scalar)
    }

    private static func isLowercaseAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
        isASCIIDigit(scalar) || ("a"..."z").contains(scalar)
    }

    private static func isPathScalar(_ scalar: Unicode.Scalar) -> Bool {
        isLowercaseAlphanumeric(scalar) || scalar == "." || scalar == "_" || scalar == "-"
    }

    static func quoted(_ text: Substring) -> String {
        ReferenceError.quoted(String(text))
    }

    static func quoted(_ scalar: Unicode.Scalar) -> String {
        ReferenceError.quoted(String(scalar))
    }
}
