import Foundation
import Glibc

/// The built `tagcache serve` binary running as a child process on 127.0.0.1, for tests that stop and start the
/// real service.
final class ServiceProcess {
    let port: UInt16
    let logURL: URL
    private let process: Process

    /// Seconds to wait for `/healthz` after launch.
    static let startTimeout: Double = 20

    /// Path of the `tagcache` binary that SwiftPM built next to the test executable, which on Linux is
    /// `.build/<configuration>/tagcachePackageTests.xctest`.
    static var executablePath: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appending(path: "tagcache").path
    }

    /// Starts `tagcache serve --listen 127.0.0.1:PORT` with `arguments` and waits until `/healthz` returns 200.
    ///
    /// - Parameter logURL: File that receives the service's stderr; earlier content is kept.
    /// - Throws: `TestSupportError` when the binary is missing, exits, or does not answer in time.
    init(arguments: [String], logURL: URL) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.executablePath) else {
            throw TestSupportError("\(Self.executablePath) is missing; run swift build before the tests")
        }
        port = FreePort.allocate()
        self.logURL = logURL
        if !FileManager.default.fileExists(atPath: logURL.path) {
            _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        }
        let log = try FileHandle(forWritingTo: logURL)
        log.seekToEndOfFile()
        defer { try? log.close() }

        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executablePath)
        process.arguments = ["serve", "--listen", "127.0.0.1:\(port)"] + arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = log
        try process.run()
        try waitUntilReady()
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Sends SIGTERM and waits for the process to exit. Returns its exit status.
    @discardableResult
    func stop() -> Int32 {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    private func waitUntilReady() throws {
        let deadline = Date().addingTimeInterval(Self.startTimeout)
        while Date() < deadline {
            guard process.isRunning else {
                throw TestSupportError("tagcache serve exited during start-up; its log: \(log())")
            }
            if let response = try? Curl.request("GET", "\(baseURL)/healthz", timeout: 1), response.status == 200 {
                return
            }
            usleep(20_000)
        }
        stop()
        throw TestSupportError(
            "tagcache serve on port \(port) did not answer /healthz within \(Self.startTimeout) s; its log: \(log())")
    }

    func log() -> String {
        (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
    }
}
