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
        \(CommonOptions.help)
          -h, --help                     show this help
        """

    static func run(_ rawArguments: [String]) async throws -> Int32 {
        var arguments = Arguments(rawArguments, command: "list-tags")
        var common = CommonOptions()
        var offline = false
        var referenceText: String?
        while let (name, inline) = arguments.next() {
            if try common.accept(name, inline: inline, from: &arguments) { continue }
            switch name {
            case "--offline":
                offline = true
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

        let configuration = try common.configuration()
        let log = Log(minimumLevel: .warning)
        let components = try Components(configuration: configuration, log: log)

        let entry = offline
            ? try storedEntry(reference, store: components.store, database: configuration.databasePath)
            : try await currentEntry(reference, cache: components.cache)
        FileHandle.standardOutput.write(Data(SkopeoOutput.listTags(repository: reference.name, tags: entry.tags).utf8))
        return 0
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
        let answer: CacheAnswer
        switch try cache.lookup(reference, serveStale: false) {
        case .answer(let stored):
            answer = stored
        case .needsFetch(let stored):
            answer = try await cache.fetch(reference, fallback: stored)
        }
        // This process exits next, so its read is written now rather than in a later batch.
        cache.flushReads()
        if answer.isStale {
            warn(
                "registry \(reference.registry) failed, so the stored tag list of \(reference.name) from "
                    + "\(RFC3339.format(answer.entry.fetchedAt)) is printed")
        }
        return answer.entry
    }

    private static func warn(_ message: String) {
        FileHandle.standardError.write(Data("tagcache: warning: \(message)\n".utf8))
    }
}

/// A command that ran but could not do its work: printed as one line, exit status 1.
struct CommandFailure: Error {
    let message: String
}
