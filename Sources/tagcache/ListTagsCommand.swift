import Foundation
import TagCache

/// `tagcache list-tags`: skopeo's `list-tags`, served from the cache.
enum ListTagsCommand {
    static let help = """
        Usage: tagcache list-tags [OPTIONS] docker://REFERENCE

        Prints the tags of a repository as `skopeo list-tags` does (same JSON document and formatting; the tags
        are sorted). A fresh list comes from the SQLite cache, which the service shares; otherwise the list is
        fetched and stored. REFERENCE is a repository without tag or digest, such as docker.io/library/debian.

        Options:
          --offline                      never contact a registry; print the stored list whatever its age,
                                         and exit 1 when none is stored
          --sort lexical|semver|numeric|first-seen
                                         order of the tags (default lexical, byte order)
          --order asc|desc               ascending (default) or descending; with semver, tags that are
                                         not versions stay last
          --include REGEX                keep only tags the RE2 expression matches as a whole
          --exclude REGEX                drop tags the RE2 expression matches as a whole
          --hide-signatures              drop sha256-<hex>.sig, .att and .sbom tags
          --limit N                      print at most N tags, after filtering and sorting
          --creds USER[:PASSWORD]        credentials for the registry, in place of any file
          --no-creds                     access the registry anonymously
          --tls-verify=BOOL              verify the registry's TLS certificate (default true)
        \(CommonOptions.help)
          -h, --help                     show this help

        \(CommonOptions.durationNote)
        """

    static func run(_ rawArguments: [String]) async throws -> Int32 {
        var arguments = Arguments(rawArguments, command: "list-tags")
        var common = CommonOptions()
        var offline = false
        var query = TagQuery()
        var explicitCredential: RegistryCredential?
        var noCredentials = false
        var tlsVerify: Bool?
        var referenceText: String?
        while let (name, inline) = arguments.next() {
            if try common.accept(name, inline: inline, from: &arguments) { continue }
            switch name {
            case "--offline":
                offline = true
            case "--hide-signatures":
                query.hideSignatures = true
            case "--sort", "--order", "--include", "--exclude", "--limit":
                try readQueryOption(name, value: try arguments.value(of: name, inline: inline), into: &query)
            case "--creds":
                do {
                    explicitCredential = try CredentialResolver.parseCreds(try arguments.value(of: name, inline: inline))
                } catch let error as CredentialError {
                    throw UsageError(message: error.message)
                }
            case "--no-creds":
                noCredentials = true
            case "--tls-verify":
                tlsVerify = try arguments.boolean(name, inline: inline)
            case "-h", "--help":
                print(help)
                return 0
            default:
                if name.hasPrefix("-") {
                    throw arguments.unknownOption(name)
                }
                guard referenceText == nil else {
                    throw UsageError(message: "list-tags takes one reference, got \"\(referenceText!)\" and \"\(name)\"")
                }
                referenceText = name
            }
        }
        guard let referenceText else {
            throw UsageError(message: "missing reference; run 'tagcache list-tags docker://REGISTRY/REPOSITORY'")
        }
        let reference: ImageReference
        do {
            reference = try ImageReference.parse(referenceText)
        } catch {
            throw UsageError(message: error.message)
        }

        if explicitCredential != nil && noCredentials {
            throw UsageError(message: "--creds and --no-creds contradict each other; give one of them")
        }

        var configuration = try common.configuration()
        if let tlsVerify {
            var settings = configuration.settings(for: reference.registry)
            settings.tlsVerify = tlsVerify
            configuration.registries[reference.registry] = settings
        }
        // A failed fetch reaches the user as the command's error message, so its warning log line would repeat it.
        let log = Log(minimumLevel: .error)
        let credentials = common.credentialResolver(
            configuration: configuration, explicit: explicitCredential, isDisabled: noCredentials)
        // Without a database file nothing is stored, so the listing can start while the schema is created.
        let isNewDatabase = !offline && !FileManager.default.fileExists(atPath: configuration.databasePath)
        let components = isNewDatabase
            ? try await Components.startingWith(
                reference, configuration: configuration, credentials: credentials, log: log)
            : try Components(configuration: configuration, credentials: credentials, log: log)

        let entry = offline
            ? try storedEntry(reference, store: components.store, database: configuration.databasePath)
            : try await currentEntry(reference, cache: components.cache)
        let firstSeen = query.needsHistory ? try components.store.firstSeenTimes(for: reference) : [:]
        let tags = query.apply(to: entry.tags, firstSeen: firstSeen)
        try writeToStandardOutput(SkopeoOutput.listTagsUTF8(repository: reference.name, tags: tags))
        return 0
    }

    private static func readQueryOption(_ name: String, value: String, into query: inout TagQuery) throws(UsageError) {
        do {
            switch name {
            case "--sort": try query.setSort(value, parameter: name)
            case "--order": try query.setOrder(value, parameter: name)
            case "--include": try query.setInclude(value, parameter: name)
            case "--exclude": try query.setExclude(value, parameter: name)
            default: try query.setLimit(value, parameter: name)
            }
        } catch {
            throw UsageError(message: error.message)
        }
    }

    private static func storedEntry(
        _ reference: ImageReference, store: SQLiteTagStore, database: String
    ) throws -> StoredEntry {
        guard let entry = try store.entry(for: reference) else {
            throw CommandFailure(
                message: "no stored tag list for \(reference.name) in \(database); run without --offline to fetch it")
        }
        if entry.expiresAt < Date() {
            warn("the stored tag list of \(reference.name) is stale; it was fetched at \(RFC3339.format(entry.fetchedAt))")
        }
        return entry
    }

    private static func currentEntry(_ reference: ImageReference, cache: TagCacheService) async throws -> StoredEntry {
        // This process exits next, so its read and registry counts are written now rather than in a later batch,
        // also when the fetch fails.
        defer { cache.flushPendingWrites() }
        let answer: CacheAnswer
        switch try cache.lookup(reference, serveStale: false) {
        case .answer(let stored):
            answer = stored
        case .needsFetch(let stored):
            answer = try await cache.fetch(reference, fallback: stored)
        }
        if answer.isStale {
            warn(
                "registry \(reference.registry) failed, so the stored tag list of \(reference.name) from "
                    + "\(RFC3339.format(answer.entry.fetchedAt)) is printed")
        }
        return answer.entry
    }

    /// Writes `bytes` to standard output without the copy that `Data` would make, 1.5 MB for 50,000 tags. A reader
    /// that went away, as `head` does, ends the output without an error.
    private static func writeToStandardOutput(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(STDOUT_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    if errno == EPIPE { return }
                    throw CommandFailure(
                        message: "failed to write the tag list to standard output: \(String(cString: strerror(errno)))")
                }
                offset += written
            }
        }
    }

    private static func warn(_ message: String) {
        FileHandle.standardError.write(Data("tagcache: warning: \(message)\n".utf8))
    }
}

/// A command that ran but could not do its work: printed as one line, exit status 1.
struct CommandFailure: Error {
    let message: String
}
