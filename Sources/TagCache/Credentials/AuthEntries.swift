import Foundation

/// The `auths` object of an auth.json or docker `config.json`, keyed by registry or by registry and namespace
/// (`registry.example/team`), with keys normalized the way skopeo (containers/image) matches them.
public struct AuthEntries: Sendable, Equatable {
    /// One `auths` entry as written: base64 `auth` of `USER:PASSWORD`, or `username` and `password`, with an
    /// optional `identitytoken`.
    public struct Entry: Codable, Sendable, Equatable {
        public var auth: String?
        public var username: String?
        public var password: String?
        public var identitytoken: String?

        public init(auth: String? = nil, username: String? = nil, password: String? = nil, identitytoken: String? = nil) {
            self.auth = auth
            self.username = username
            self.password = password
            self.identitytoken = identitytoken
        }
    }

    /// Entries by normalized key. When two keys normalize alike, the one that sorts first wins.
    private(set) var entries: [String: Entry] = [:]

    public init(_ entries: [String: Entry] = [:]) {
        for key in entries.keys.sorted() {
            let normalized = Self.normalizedKey(key)
            if self.entries[normalized] == nil {
                self.entries[normalized] = entries[key]
            }
        }
    }

    public var isEmpty: Bool { entries.isEmpty }

    /// Host names that all mean Docker Hub in credential keys.
    static let dockerHubAliases: Set<String> = ["docker.io", "index.docker.io", "registry-1.docker.io"]

    /// Normalizes a key: a key with an `http://` or `https://` scheme is the legacy form and keeps only its host
    /// (`https://index.docker.io/v1/` is `index.docker.io`), trailing slashes go, and Docker Hub's host names
    /// become `docker.io`.
    static func normalizedKey(_ key: String) -> String {
        var text = Substring(key)
        var isLegacy = false
        for scheme in ["https://", "http://"] where text.hasPrefix(scheme) {
            text = text.dropFirst(scheme.count)
            isLegacy = true
        }
        if isLegacy {
            text = text.prefix { $0 != "/" }
        }
        while text.hasSuffix("/") {
            text = text.dropLast()
        }

        let host = text.prefix { $0 != "/" }
        var rest = text.dropFirst(host.count)
        guard dockerHubAliases.contains(host.lowercased()) else { return String(text) }
        if rest == "/v1" || rest == "/v2" {
            rest = ""
        }
        return "docker.io" + rest
    }

    /// Returns the entry for `reference`, matching the longest namespace first: `REGISTRY/a/b` for repository
    /// `a/b`, then `REGISTRY/a`, then `REGISTRY`. Entries without a secret count as absent, because docker writes
    /// such entries when a credential helper keeps the secret.
    func entry(for reference: ImageReference) -> (key: String, entry: Entry)? {
        var components = reference.path.split(separator: "/").map(String.init)
        while true {
            let key = ([reference.registry] + components).joined(separator: "/")
            if let entry = entries[key], entry.hasSecret {
                return (key, entry)
            }
            guard !components.isEmpty else { return nil }
            components.removeLast()
        }
    }
}

extension AuthEntries.Entry {
    var hasSecret: Bool {
        !(auth ?? "").isEmpty || !(password ?? "").isEmpty || !(identitytoken ?? "").isEmpty
    }

    /// Builds the credential this entry holds. An `identitytoken` takes precedence over a password, as in
    /// docker and skopeo.
    ///
    /// - Throws: `CredentialError` when `auth` is not base64 of `USER:PASSWORD`. The message names `source`
    ///   and never the value.
    func credential(source: String, key: String) throws(CredentialError) -> RegistryCredential {
        var username = username ?? ""
        var password = password ?? ""
        if let auth, !auth.isEmpty {
            guard let decoded = Data(base64Encoded: auth), let text = String(data: decoded, encoding: .utf8),
                let colon = text.firstIndex(of: ":")
            else {
                throw CredentialError(
                    "the \"auth\" value of entry \"\(key)\" in \(source) is not base64 of USER:PASSWORD; log in "
                        + "again or fix the entry")
            }
            username = String(text[..<colon])
            password = String(text[text.index(after: colon)...])
        }
        if let identitytoken, !identitytoken.isEmpty {
            return RegistryCredential(username: username, secret: .identityToken(identitytoken), source: source)
        }
        return RegistryCredential(username: username, secret: .password(password), source: source)
    }
}

/// Credentials that cannot be read or used. The message names the file or helper and never a secret.
public struct CredentialError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
