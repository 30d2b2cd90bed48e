import Foundation
import TagCache

/// `tagcache refresh`: fetches references now, whatever the age of their stored lists.
enum RefreshCommand {
    static let help = """
        Usage: tagcache refresh [OPTIONS] REFERENCE...

        Fetches each REFERENCE from its registry now and stores the tag list, whether or not the stored list is
        fresh. Prints one line per reference: the reference and its tag count, or the error. Exits 1 when any
        refresh failed. REFERENCE is a repository without tag or digest, such as docker.io/library/debian.

        Options:
        \(RefreshOptions.help)
          -h, --help                     show this help

        \(CommonOptions.durationNote)
        """

    static func run(_ rawArguments: [String]) async throws -> Int32 {
        var arguments = Arguments(rawArguments, command: "refresh")
        var options = RefreshOptions()
        var references: [ImageReference] = []
        while let (name, inline) = arguments.next() {
            if try options.accept(name, inline: inline, from: &arguments) { continue }
            switch name {
            case "-h", "--help":
                print(help)
                return 0
            default:
                if name.hasPrefix("-") {
                    throw arguments.unknownOption(name)
                }
                do {
                    references.append(try ImageReference.parse(name))
                } catch {
                    throw UsageError(message: error.message)
                }
            }
        }
        guard !references.isEmpty else {
            throw UsageError(message: "missing reference; run 'tagcache refresh docker://REGISTRY/REPOSITORY'")
        }

        let refresher = try options.refresher()
        defer { refresher.finish() }
        var failures = 0
        // One at a time, so the lines come out in the order of the arguments.
        for reference in references {
            switch await refresher.refresh(reference) {
            case .refreshed(let tags):
                print("\(reference.name)\t\(tags) tags")
            case .failed(let message):
                failures += 1
                print("\(reference.name)\tfailed: \(message)")
            }
        }
        return failures == 0 ? 0 : 1
    }
}
