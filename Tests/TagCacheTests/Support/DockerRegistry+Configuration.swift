import Foundation

extension DockerRegistry {
    /// How the registry authenticates clients.
    enum Auth {
        /// Every request is allowed.
        case none

        /// HTTP Basic authentication against one bcrypt entry in an htpasswd file.
        case htpasswd(user: String, password: String)
    }

    /// The realm of the `WWW-Authenticate` challenge under htpasswd auth.
    static let htpasswdRealm = "tagcache-test"

    /// The user and password for `Auth.htpasswd`, nil without auth.
    var credentials: Curl.Credentials? {
        switch auth {
        case .none:
            nil
        case let .htpasswd(user, password):
            Curl.Credentials(user: user, password: password)
        }
    }

    var htpasswdURL: URL { directory.appendingPathComponent("htpasswd") }

    /// Writes `config.yml` and, for htpasswd auth, the htpasswd file.
    ///
    /// The access log stays on because `requestCount(path:method:)` reads it. `storage.delete.enabled` lets tests
    /// delete manifests through the API.
    func writeConfiguration() throws {
        var lines = [
            "version: 0.1",
            "log:",
            "  level: error",
            "storage:",
            "  filesystem:",
            "    rootdirectory: \(yamlQuoted(storageDirectory.path))",
            "  delete:",
            "    enabled: true",
            "http:",
            "  addr: \(yamlQuoted(host))",
        ]

        switch auth {
        case .none:
            break
        case let .htpasswd(user, password):
            try writeHtpasswd(user: user, password: password)
            lines += [
                "auth:",
                "  htpasswd:",
                "    realm: \(yamlQuoted(Self.htpasswdRealm))",
                "    path: \(yamlQuoted(htpasswdURL.path))",
            ]
        }

        let text = lines.joined(separator: "\n") + "\n"
        try Data(text.utf8).write(to: configurationURL)
    }

    /// Writes a bcrypt entry, the only hash docker-registry 2.8 accepts, with `htpasswd` from apache2-utils.
    private func writeHtpasswd(user: String, password: String) throws {
        let result = try Command.runChecked("/usr/bin/htpasswd", ["-Bbn", user, password])
        try result.standardOutput.write(to: htpasswdURL)
    }

    private func yamlQuoted(_ value: String) -> String {
        let escaped = value
            .replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "\"", with: "\\\"")
        return "\"\(escaped)\""
    }
}
