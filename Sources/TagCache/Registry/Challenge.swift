/// One authentication challenge from a `WWW-Authenticate` header (RFC 9110 section 11.3), such as
/// `Bearer realm="https://auth.example/token",service="registry.example"`.
struct Challenge: Sendable, Equatable {
    /// Authentication scheme as sent. Schemes compare case-insensitively, so test it with `hasScheme(_:)`.
    var scheme: String

    /// Parameters keyed by lowercased name, values with quoting removed. The first occurrence of a name wins.
    var parameters: [String: String]

    /// The `token68` form some schemes send instead of parameters.
    var token68: String?

    init(scheme: String, parameters: [String: String] = [:], token68: String? = nil) {
        self.scheme = scheme
        self.parameters = parameters
        self.token68 = token68
    }

    func hasScheme(_ name: String) -> Bool {
        scheme.lowercased() == name.lowercased()
    }

    /// Returns the value of parameter `name`, matching the name case-insensitively.
    func parameter(_ name: String) -> String? {
        parameters[name.lowercased()]
    }
}
