/// An absolute `http` or `https` URL (RFC 3986), split into the parts tagcache checks.
///
/// The scheme and host are lowercased because they compare case-insensitively. Path and query keep their bytes
/// exactly as received, so an opaque pagination cursor reaches the registry unchanged. Fragments are dropped,
/// because they are never sent. URLs with user information (`user@host`) are not accepted, so credentials
/// cannot hide in a `Link` or a token realm.
struct HTTPURL: Sendable, Hashable, CustomStringConvertible {
    /// `http` or `https`.
    var scheme: String

    /// Host name or address literal, without the brackets of an IPv6 literal.
    var host: String

    /// Port as written, or nil for the scheme's default.
    var port: Int?

    /// Absolute path, `/` at least.
    var path: String

    /// Query without the leading `?`, or nil when the URL has none.
    var query: String?

    /// Parses an absolute URL. Returns nil for relative references, other schemes, user information, a missing
    /// host, an invalid port, or whitespace and control characters.
    init?(string: String) {
        guard let components = ReferenceComponents(string), let scheme = components.scheme,
            let authority = components.authority
        else { return nil }
        self.init(scheme: scheme, authority: authority, path: components.path, query: components.query)
    }

    private init?(scheme: Substring, authority: Substring, path: Substring, query: Substring?) {
        let lowercasedScheme = scheme.lowercased()
        guard lowercasedScheme == "http" || lowercasedScheme == "https" else { return nil }
        guard let (host, port) = Self.parseAuthority(authority) else { return nil }
        self.scheme = lowercasedScheme
        self.host = host
        self.port = port
        self.path = path.isEmpty ? "/" : Self.removeDotSegments(path)
        self.query = query.map(String.init)
    }

    /// The port a connection goes to.
    var effectivePort: Int { port ?? (scheme == "https" ? 443 : 80) }

    /// Host and port as they appear in the URL, with an IPv6 literal in brackets.
    var authority: String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return port.map { "\(hostPart):\($0)" } ?? hostPart
    }

    var description: String {
        let base = "\(scheme)://\(authority)\(path)"
        return query.map { "\(base)?\($0)" } ?? base
    }

    /// Returns whether `other` has the same scheme, host and effective port.
    func hasSameOrigin(as other: HTTPURL) -> Bool {
        scheme == other.scheme && host == other.host && effectivePort == other.effectivePort
    }

    /// Resolves `reference`, absolute or relative, against this URL (RFC 3986 section 5.2). Returns nil when
    /// the reference is malformed or the result is not an acceptable `HTTPURL`.
    func resolving(_ reference: String) -> HTTPURL? {
        guard let components = ReferenceComponents(reference) else { return nil }
        if let scheme = components.scheme {
            guard let authority = components.authority else { return nil }
            return HTTPURL(scheme: scheme, authority: authority, path: components.path, query: components.query)
        }
        if let authority = components.authority {
            return HTTPURL(
                scheme: Substring(scheme), authority: authority, path: components.path, query: components.query)
        }

        var resolved = self
        if components.path.isEmpty {
            if let query = components.query {
                resolved.query = String(query)
            }
            return resolved
        }
        if components.path.hasPrefix("/") {
            resolved.path = Self.removeDotSegments(components.path)
        } else {
            let directory = path[...(path.lastIndex(of: "/") ?? path.startIndex)]
            resolved.path = Self.removeDotSegments(directory + components.path)
        }
        resolved.query = components.query.map(String.init)
        return resolved
    }

    /// Returns this URL with `item` (already percent-encoded) appended to the query.
    func appendingQueryItem(_ item: String) -> HTTPURL {
        var copy = self
        if let query, !query.isEmpty {
            copy.query = query + "&" + item
        } else {
            copy.query = item
        }
        return copy
    }

    private static func parseAuthority(_ authority: Substring) -> (host: String, port: Int?)? {
        guard !authority.contains("@") else { return nil }

        let host: Substring
        let portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let rest = authority[authority.index(after: close)...]
            guard rest.isEmpty || rest.hasPrefix(":") else { return nil }
            portText = rest.isEmpty ? nil : rest.dropFirst()
        } else if let colon = authority.firstIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
            portText = nil
        }
        guard !host.isEmpty else { return nil }

        guard let portText, !portText.isEmpty else {
            return (host.lowercased(), nil)
        }
        guard portText.allSatisfy(\.isASCII), portText.allSatisfy(\.isNumber), portText.count <= 5,
            let port = Int(portText), (1...65535).contains(port)
        else { return nil }
        return (host.lowercased(), port)
    }

    /// Removes `.` and `..` segments with the `remove_dot_segments` algorithm of RFC 3986 section 5.2.4.
    static func removeDotSegments(_ path: some StringProtocol) -> String {
        var input = Substring(path)
        var output: [Substring] = []
        while !input.isEmpty {
            if input.hasPrefix("../") {
                input = input.dropFirst(3)
            } else if input.hasPrefix("./") {
                input = input.dropFirst(2)
            } else if input.hasPrefix("/./") {
                input = input.dropFirst(2)
            } else if input == "/." {
                input = "/"
            } else if input.hasPrefix("/../") {
                input = input.dropFirst(3)
                _ = output.popLast()
            } else if input == "/.." {
                input = "/"
                _ = output.popLast()
            } else if input == "." || input == ".." {
                input = ""
            } else {
                let searchStart = input.hasPrefix("/") ? input.index(after: input.startIndex) : input.startIndex
                let end = input[searchStart...].firstIndex(of: "/") ?? input.endIndex
                output.append(input[..<end])
                input = input[end...]
            }
        }
        return output.joined()
    }
}

/// The five parts of a URI reference (RFC 3986 appendix B), before any checking of their content.
private struct ReferenceComponents {
    var scheme: Substring?
    var authority: Substring?
    var path: Substring
    var query: Substring?

    init?(_ reference: String) {
        guard !reference.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) else { return nil }

        var rest = Substring(reference)
        if let hash = rest.firstIndex(of: "#") {
            rest = rest[..<hash]
        }
        if let question = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: question)...]
            rest = rest[..<question]
        }
        if let colon = rest.firstIndex(of: ":"), Self.isScheme(rest[..<colon]) {
            scheme = rest[..<colon]
            rest = rest[rest.index(after: colon)...]
        }
        if rest.hasPrefix("//") {
            rest = rest.dropFirst(2)
            let end = rest.firstIndex(of: "/") ?? rest.endIndex
            authority = rest[..<end]
            rest = rest[end...]
        }
        path = rest
    }

    private static func isScheme(_ text: Substring) -> Bool {
        guard let first = text.first, first.isASCII, first.isLetter else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == ".") }
    }
}
