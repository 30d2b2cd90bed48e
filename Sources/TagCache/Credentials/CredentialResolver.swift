import Foundation

/// Finds the credential for a repository in the places skopeo users keep them, in this order:
/// `--creds`, `--authfile`, the configuration file's `credentials`, then `REGISTRY_AUTH_FILE`,
/// `$XDG_RUNTIME_DIR/containers/auth.json`, `$XDG_CONFIG_HOME/containers/auth.json` (default `~/.config`) and
/// `$DOCKER_CONFIG/config.json` (default `~/.docker/config.json`). The first place with an entry for the registry
/// wins.
///
/// Files are read on every lookup, so a `podman login` takes effect without a restart.
public struct CredentialResolver: Sendable {
    /// Credentials given on the command line, used for every registry, as skopeo's `--creds` is.
    public var explicit: RegistryCredential?
    /// `--authfile`. When set, the standard files are not read, as in skopeo.
    public var authFile: String?
    /// The configuration file's `credentials` object, and the path of that file for error messages.
    public var configured: AuthEntries
    public var configurationSource: String
    /// The standard files, in order. `standardFiles(environment:)` builds the list.
    public var standardFiles: [String]
    /// `--no-creds`: every request is anonymous.
    public var isDisabled: Bool
    /// Seconds a credential helper may run.
    public var helperTimeout: Double = 10

    public init(
        explicit: RegistryCredential? = nil, authFile: String? = nil, configured: AuthEntries = AuthEntries(),
        configurationSource: String = "the configuration file", standardFiles: [String] = [],
        isDisabled: Bool = false
    ) {
        self.explicit = explicit
        self.authFile = authFile
        self.configured = configured
        self.configurationSource = configurationSource
        self.standardFiles = standardFiles
        self.isDisabled = isDisabled
    }

    /// A resolver that never finds credentials.
    public static let anonymous = CredentialResolver(isDisabled: true)

    /// Returns the files skopeo reads, in its order, from `environment`.
    public static func standardFiles(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        let home = environment["HOME"] ?? NSHomeDirectory()
        var files: [String] = []
        if let path = environment["REGISTRY_AUTH_FILE"], !path.isEmpty {
            files.append(path)
        }
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty {
            files.append(runtime + "/containers/auth.json")
        }
        let configHome = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.config"
        files.append(configHome + "/containers/auth.json")
        if let dockerConfig = environment["DOCKER_CONFIG"], !dockerConfig.isEmpty {
            files.append(dockerConfig + "/config.json")
        } else {
            files.append(home + "/.docker/config.json")
        }
        return files
    }

    /// Parses `--creds USER[:PASSWORD]`. A missing password is an empty one, as in skopeo.
    public static func parseCreds(_ text: String) throws(CredentialError) -> RegistryCredential {
        let username = text.prefix { $0 != ":" }
        guard !username.isEmpty else {
            throw CredentialError("--creds has an empty user name; write --creds USER[:PASSWORD]")
        }
        let password = text.dropFirst(username.count + 1)
        return RegistryCredential(username: String(username), secret: .password(String(password)), source: "--creds")
    }

    /// Returns the credential for `reference`, or nil for anonymous access.
    ///
    /// - Throws: `CredentialError` naming the file or helper that failed; the message never contains a secret.
    public func credential(for reference: ImageReference) throws(CredentialError) -> RegistryCredential? {
        if isDisabled {
            return nil
        }
        if let explicit {
            return explicit
        }
        if let authFile {
            guard let file = try AuthFile.load(path: authFile) else {
                throw CredentialError("credentials file \(authFile) given with --authfile does not exist")
            }
            if let credential = try file.credential(for: reference, helperTimeout: helperTimeout) {
                return credential
            }
        }
        if let match = configured.entry(for: reference) {
            return try match.entry.credential(source: configurationSource, key: match.key)
        }
        guard authFile == nil else { return nil }
        for path in standardFiles {
            guard let file = try AuthFile.load(path: path) else { continue }
            if let credential = try file.credential(for: reference, helperTimeout: helperTimeout) {
                return credential
            }
        }
        return nil
    }
}
