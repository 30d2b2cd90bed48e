import Foundation

/// Lists tags by running `skopeo list-tags`, for registries whose quirks tagcache's own client does not cover.
///
/// The registry's address is checked by the access policy first, but skopeo resolves the name again itself.
/// Credentials reach skopeo through a temporary auth.json (mode 0600, deleted afterwards), never on its command
/// line, where other users could read them.
public struct SkopeoFetcher: TagFetcher {
    let settingsForRegistry: @Sendable (String) -> RegistrySettings
    let credentials: CredentialResolver
    let executable: String
    let log: Log

    /// skopeo's list-tags reads every page in one run, so its timeout is this many request timeouts.
    static let requestTimeoutsPerRun: Double = 4

    /// - Parameter executable: Path of skopeo, or a name looked up on `PATH`.
    public init(
        settings: @escaping @Sendable (String) -> RegistrySettings, credentials: CredentialResolver = .anonymous,
        executable: String = "skopeo", log: Log
    ) {
        self.settingsForRegistry = settings
        self.credentials = credentials
        self.executable = executable
        self.log = log
    }

    public func listTags(of reference: ImageReference) async throws(FetchError) -> FetchedTags {
        guard let path = executable.hasPrefix("/") ? executable : CredentialHelper.findExecutable(executable),
            FileManager.default.isExecutableFile(atPath: path)
        else {
            throw FetchError(
                .unreachable,
                "registry \(reference.registry) is configured with fetcher \"skopeo\", but \(executable) is not "
                    + "installed or not executable; install skopeo (apt-get install skopeo) or set its fetcher "
                    + "to \"oci\"")
        }

        let settings = settingsForRegistry(reference.registry)
        _ = try await FetchTarget.make(for: reference, settings: settings)
        let credential: RegistryCredential?
        do {
            credential = try credentials.credential(for: reference)
        } catch {
            throw FetchError(
                .unauthorized, "cannot read the credentials for registry \(reference.registry): \(error.message)")
        }
        let run = SkopeoRun(
            executable: path, reference: reference, settings: settings, credential: credential,
            timeout: settings.requestTimeout * Self.requestTimeoutsPerRun)
        let started = Date()
        let tags = try await BlockingWork.run { () throws(FetchError) -> [String] in try run.perform() }
        log.debug(
            "skopeo.list-tags",
            [
                "registry": reference.registry, "repository": reference.path, "tags": String(tags.count),
                "ms": String(Int(Date().timeIntervalSince(started) * 1000)),
            ])

        let unique = Set(tags.map { Array($0.utf8) }).sorted { $0.lexicographicallyPrecedes($1) }
        // skopeo does not report how many pages it read, so a successful run counts as one.
        return FetchedTags(tags: unique.map { String(decoding: $0, as: UTF8.self) }, pages: 1)
    }
}
