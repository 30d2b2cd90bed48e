import Foundation

/// Progress of `warm` on standard error: one bar redrawn in place on a terminal, otherwise a plain line at most
/// every `lineInterval` items or `lineSeconds` seconds, and always after the last item.
final class WarmProgress {
    let total: Int
    private(set) var succeeded = 0
    private(set) var failed = 0
    private let isTerminal: Bool
    private var lastLineCount = 0
    private var lastLineTime = Date()

    static let barWidth = 20
    static let lineInterval = 10
    static let lineSeconds: TimeInterval = 1

    init(total: Int, isTerminal: Bool = isatty(2) == 1) {
        self.total = total
        self.isTerminal = isTerminal
    }

    var finished: Int { succeeded + failed }

    func recordSuccess() {
        succeeded += 1
        show()
    }

    /// Prints `message` on a line of its own, above the bar on a terminal, and counts a failure.
    func recordFailure(_ message: String) {
        failed += 1
        write((isTerminal ? "\r\u{1B}[K" : "") + "warm: \(message)\n")
        show()
    }

    private func show() {
        let counts = "\(finished)/\(total) ok=\(succeeded) failed=\(failed)"
        if isTerminal {
            let filled = total == 0 ? Self.barWidth : Self.barWidth * finished / total
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: Self.barWidth - filled)
            write("\r[\(bar)] \(counts)" + (finished == total ? "\n" : ""))
            return
        }
        let now = Date()
        let isDue = finished - lastLineCount >= Self.lineInterval
            || now.timeIntervalSince(lastLineTime) >= Self.lineSeconds
        guard isDue || finished == total else { return }
        lastLineCount = finished
        lastLineTime = now
        write("warm: \(counts)\n")
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
