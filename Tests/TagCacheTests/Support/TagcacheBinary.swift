import Foundation

/// The `tagcache` executable that SwiftPM builds next to the test bundle, run with a scratch `HOME` so no
/// credentials file of the machine's user is read.
enum TagcacheBinary {
    static var url: URL {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for directory in [bundle, bundle.deletingLastPathComponent()] {
            let candidate = directory.appendingPathComponent("tagcache")
            if FileManager.default.isExecutableFile(atPath: candidate.path) {
                return candidate
            }
        }
        return Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("tagcache")
    }

    /// Environment with `HOME`, `XDG_CONFIG_HOME` and `DOCKER_CONFIG` under `home`, and no `REGISTRY_AUTH_FILE` or
    /// `XDG_RUNTIME_DIR`.
    static func environment(home: URL) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = home.path
        environment["XDG_CONFIG_HOME"] = home.appendingPathComponent(".config").path
        environment["DOCKER_CONFIG"] = home.appendingPathComponent(".docker").path
        environment["REGISTRY_AUTH_FILE"] = nil
        environment["XDG_RUNTIME_DIR"] = nil
        return environment
    }

    /// Runs `tagcache ARGUMENTS` to completion.
    static func run(_ arguments: [String], home: URL, timeout: TimeInterval = 60) throws -> CommandResult {
        let output = home.appendingPathComponent("stdout-\(UUID().uuidString)")
        let error = home.appendingPathComponent("stderr-\(UUID().uuidString)")
        let process = try start(arguments, home: home, standardOutput: output, standardError: error)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline {
            usleep(10_000)
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw TestSupportError("tagcache \(arguments.first ?? "") did not exit within \(timeout) s")
        }
        process.waitUntilExit()
        return CommandResult(
            status: process.terminationStatus, standardOutput: (try? Data(contentsOf: output)) ?? Data(),
            standardError: (try? String(contentsOf: error, encoding: .utf8)) ?? "")
    }

    /// Starts `tagcache ARGUMENTS` with its output in the files given. The caller stops it.
    static func start(
        _ arguments: [String], home: URL, standardOutput: URL, standardError: URL
    ) throws -> Process {
        _ = FileManager.default.createFile(atPath: standardOutput.path, contents: nil)
        _ = FileManager.default.createFile(atPath: standardError.path, contents: nil)
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        process.environment = environment(home: home)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: standardOutput)
        process.standardError = try FileHandle(forWritingTo: standardError)
        try process.run()
        return process
    }
}
