import Foundation

/// An auth.json (podman, skopeo) or docker `config.json`: `auths`, `credHelpers` and `credsStore`.
struct AuthFile: Sendable, Equatable {
    var path: String
    var auths: AuthEntries
    /// Credential helper names by registry, as docker writes them (`"ghcr.io": "pass"`).
    var credentialHelpers: [String: String]
    /// The helper for every registry without an entry of its own.
    var credentialStore: String?

    private struct Document: Decodable {
        var auths: [String: AuthEntries.Entry]?
        var credHelpers: [String: String]?
        var credsStore: String?
    }

    /// Reads the file at `path`, or returns nil when it does not exist.
    ///
    /// - Throws: `CredentialError` naming the path when the file exists but cannot be read or decoded.
    static func load(path: String) throws(CredentialError) -> AuthFile? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw CredentialError(
                "cannot read credentials file \(path): \(error.localizedDescription); check its permissions")
        }
        return try decode(data, path: path)
    }

    static func decode(_ data: Data, path: String) throws(CredentialError) -> AuthFile {
        // An empty file is what some tools leave after logging out of every registry.
        if data.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\n") }) {
            return AuthFile(path: path, auths: AuthEntries(), credentialHelpers: [:], credentialStore: nil)
        }
        let document: Document
        do {
            document = try JSONDecoder().decode(Document.self, from: data)
        } catch {
            throw CredentialError(
                "credentials file \(path) is not a JSON object with \"auths\", \"credHelpers\" or \"credsStore\" "
                    + "of the expected types; fix it or log in again")
        }
        return AuthFile(
            path: path, auths: AuthEntries(document.auths ?? [:]),
            credentialHelpers: (document.credHelpers ?? [:]).reduce(into: [:]) { helpers, pair in
                helpers[AuthEntries.normalizedKey(pair.key)] = pair.value
            },
            credentialStore: document.credsStore.flatMap { $0.isEmpty ? nil : $0 })
    }

    /// Returns the credential this file provides for `reference`: its `credHelpers` entry for the registry,
    /// then the longest matching `auths` entry, then `credsStore`.
    func credential(
        for reference: ImageReference, helperTimeout: Double
    ) throws(CredentialError) -> RegistryCredential? {
        if let helper = credentialHelpers[reference.registry] {
            return try CredentialHelper(name: helper, timeout: helperTimeout).credential(for: reference.registry)
        }
        if let match = auths.entry(for: reference) {
            return try match.entry.credential(source: path, key: match.key)
        }
        if let credentialStore {
            return try CredentialHelper(name: credentialStore, timeout: helperTimeout)
                .credential(for: reference.registry)
        }
        return nil
    }
}
