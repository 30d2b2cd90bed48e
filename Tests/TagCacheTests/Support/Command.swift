import Foundation

/// The exit status and output of a finished child process.
struct CommandResult {
    let status: Int32
    let standardOutput: Data
    let standardError: String

    var standardOutputText: String {
        String(decoding: standardOutput, as: UTF8.self)
    }
}

/// Runs command-line tools such as skopeo and curl to completion.
enum Command {
    /// Runs `executable` with `arguments` and waits for it to exit.
    ///
    /// Output goes to temporary files rather than pipes, so a tool that fills one stream while the other is
    /// unread cannot block.
    /// - Parameter timeout: seconds to wait before the process is killed and the call throws.
    /// - Throws: `TestSupportError` when the tool cannot start or does not exit within `timeout`. A non-zero
    ///   exit status is returned, not thrown; use `runChecked` to throw on it.
    static func run(_ executable: String, _ arguments: [String], timeout: TimeInterval = 30) throws -> CommandResult {
        let outputDirectory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tagcache-command-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: outputDirectory) }
        let outputURL = outputDirectory.appendingPathComponent("stdout")
        let errorURL = outputDirectory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)

        let outputHandle = try FileHandle(forWritingTo: outputURL)
        let errorHandle = try FileHandle(forWritingTo: errorURL)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = outputHandle
        process.standardError = errorHandle
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        do {
            try process.run()
        } catch {
            try? outputHandle.close()
            try? errorHandle.close()
            throw TestSupportError("\(executable) failed to start: \(error). Check that the package providing it is installed.")
        }
        try? outputHandle.close()
        try? errorHandle.close()

        if exited.wait(timeout: .now() + timeout) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let partialError = (try? String(contentsOf: errorURL, encoding: .utf8)) ?? ""
            throw TestSupportError(
                "\(executable) \(displayed(arguments)) timed out after \(timeout) s and was killed. "
                    + "stderr: \(partialError)"
            )
        }
        process.waitUntilExit()

        return CommandResult(
            status: process.terminationStatus,
            standardOutput: try Data(contentsOf: outputURL),
            standardError: (try? String(contentsOf: errorURL, encoding: .utf8)) ?? ""
        )
    }

    /// Runs `executable` like `run` and throws when it exits with a non-zero status.
    /// - Throws: `TestSupportError` carrying the command line, the status and stderr.
    @discardableResult
    static func runChecked(_ executable: String, _ arguments: [String], timeout: TimeInterval = 30) throws -> CommandResult {
        let result = try run(executable, arguments, timeout: timeout)
        guard result.status == 0 else {
            throw TestSupportError(
                "\(executable) \(displayed(arguments)) exited with status \(result.status). "
                    + "stderr: \(result.standardError)"
            )
        }
        return result
    }

    /// Joins `arguments` for an error message with the value after each credential option masked.
    private static func displayed(_ arguments: [String]) -> String {
        let credentialOptions: Set<String> = ["--creds", "--src-creds", "--dest-creds", "--user", "-u"]
        var masked = arguments
        for index in masked.indices.dropFirst() where credentialOptions.contains(masked[index - 1]) {
            masked[index] = "***"
        }
        return masked.joined(separator: " ")
    }
}
