extension ImageReference {
    /// Docker Hub's Distribution API endpoint, which `docker.io` references are fetched from.
    static let dockerHubAPIAuthority = "registry-1.docker.io"

    /// Host name of `registry` without port or IPv6 brackets: `docker.io`, `127.0.0.1`, `::1`.
    public var host: String {
        String(Self.splitAuthority(registry).host)
    }

    /// Port written in `registry`, or nil when it names none.
    public var port: Int? {
        Self.splitAuthority(registry).port.flatMap { Int($0) }
    }

    /// Authority (`host[:port]`) to connect to for the Distribution API: `registry-1.docker.io` for Docker
    /// Hub, otherwise `registry` unchanged, such as `127.0.0.1:5000` or `[::1]:5000`.
    public var apiAuthority: String {
        registry == Self.dockerHubRegistry ? Self.dockerHubAPIAuthority : registry
    }

    /// Host name of `apiAuthority` without port or IPv6 brackets.
    public var apiHost: String {
        String(Self.splitAuthority(apiAuthority).host)
    }

    /// Splits `host`, `host:port`, `[IPv6]` or `[IPv6]:port`. Text without a closing bracket is all host,
    /// because the memberwise initializer accepts unchecked values.
    private static func splitAuthority(_ authority: String) -> (host: Substring, port: Substring?) {
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                return (authority.dropFirst(), nil)
            }
            let host = authority[authority.index(after: authority.startIndex)..<close]
            let rest = authority[authority.index(after: close)...]
            return (host, rest.first == ":" ? rest.dropFirst() : nil)
        }

        guard let colon = authority.firstIndex(of: ":") else {
            return (authority[...], nil)
        }
        return (authority[..<colon], authority[authority.index(after: colon)...])
    }
}
