import Foundation
import TagCache

/// `tagcache warm`: refreshes every reference listed in a file, several at a time.
enum WarmCommand {
    static let help = """
        Usage: tagcache warm [OPTIONS] FILE

        Fetches every reference listed in FILE, one per line, and stores the tag lists, \(concurrency) at a
        time. Blank lines and lines starting with # are skipped. An invalid line is reported with its line number
        and counted as failed. Progress goes to standard error: a bar on a terminal, otherwise a line at most
        every \(WarmProgress.lineInterval) references or second. Prints a summary at the end and exits 1 when
        any reference failed. FILE - reads standard input.

        Options:
        \(RefreshOptions.help)
          -h, --help                     show this help

        \(CommonOptions.durationNote)
        """

    /// Refreshes in flight at once. Each registry's configured concurrency limit applies on top.
    static let concurrency = 4

    static func run(_ rawArguments: [String]) async throws -> Int32 {
        var arguments = Arguments(rawArguments, command: "warm")
        var options = RefreshOptions()
        var path: String?
        while let (name, inline) = arguments.next() {
            if try options.accept(name, inline: inline, from: &arguments) { continue }
            switch name {
            case "-h", "--help":
                print(help)
                return 0
            default:
                if name.hasPrefix("-") && name != "-" {
                    throw arguments.unknownOption(name)
                }
                guard path == nil else {
                    throw UsageError(message: "warm takes one file, got \"\(path!)\" and \"\(name)\"")
                }
                path = name
            }
        }
        guard let path else {
            throw UsageError(message: "missing file; run 'tagcache warm FILE' with one reference per line")
        }

        let lines = try readLines(path)
        let refresher = try options.refresher()
        defer { refresher.finish() }
        let progress = WarmProgress(total: lines.count)
        var references: [ImageReference] = []
        for line in lines {
            do {
                references.append(try ImageReference.parse(line.text))
            } catch {
                progress.recordFailure("\(path):\(line.number): \(error.message)")
            }
        }

        await refreshAll(references, refresh: refresher.refresh, progress: progress)
        print("warm: \(progress.total) total, \(progress.succeeded) refreshed, \(progress.failed) failed")
        return progress.failed == 0 ? 0 : 1
    }

    /// Runs `refresh` on `references` with at most `concurrency` in flight, reporting each result as it ends.
    private static func refreshAll(
        _ references: [ImageReference], refresh: @escaping @Sendable (ImageReference) async -> RefreshOutcome,
        progress: WarmProgress
    ) async {
        await withTaskGroup(of: (ImageReference, RefreshOutcome).self) { group in
            var pending = references[...]
            func startNext() {
                guard let reference = pending.popFirst() else { return }
                group.addTask { (reference, await refresh(reference)) }
            }

            for _ in 0..<concurrency {
                startNext()
            }
            while let (reference, outcome) = await group.next() {
                switch outcome {
                case .refreshed:
                    progress.recordSuccess()
                case .failed(let message):
                    progress.recordFailure("\(reference.name): \(message)")
                }
                startNext()
            }
        }
    }

    /// Reads the non-blank lines of `path` that are not comments, trimmed, with their 1-based line numbers.
    private static func readLines(_ path: String) throws -> [(number: Int, text: String)] {
        let data: Data
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: path) else {
                throw CommandFailure(message: "failed to read \(path); check that the file exists and is readable")
            }
            data = contents
        }

        var lines: [(number: Int, text: String)] = []
        let text = String(decoding: data, as: UTF8.self)
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            lines.append((index + 1, trimmed))
        }
        return lines
    }
}
