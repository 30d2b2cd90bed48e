import Foundation

/// A docker-registry (CNCF Distribution) process serving plain HTTP on 127.0.0.1, with its storage, configuration
/// and logs in a scratch directory of its own.
///
/// `stop()` keeps the storage so that `restart()` can bring the same registry back on the same port. `shutDown()`,
/// which `deinit` also calls, stops the process and deletes the directory. A test that keeps a registry in a
/// property should call `shutDown()` in `tearDown`, because XCTest can keep test-case instances alive until the
/// whole run ends.
final class DockerRegistry {
    static let executablePath = "/usr/bin/docker-registry"

    /// Seconds `start()` and `restart()` wait for `GET /v2/` to get any HTTP response.
    static let startTimeout: TimeInterval = 10

    /// Seconds `stop()` waits after SIGTERM before it sends SIGKILL.
    static let stopTimeout: TimeInterval = 5

    let auth: Auth
    let port: UInt16
    let directory: URL

    private var process: Process?

    /// `127.0.0.1:PORT`, the registry part of a reference.
    var host: String { "127.0.0.1:\(port)" }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    var baseURL: String { "http://\(host)" }

    /// The filesystem driver's `rootdirectory`.
    var storageDirectory: URL { directory.appendingPathComponent("storage", isDirectory: true) }

    var isRunning: Bool { process?.isRunning ?? false }

    /// The registry's stdout, where it writes one access-log line per request.
    var accessLogURL: URL { directory.appendingPathComponent("access.log") }

    /// The registry's stderr, where it writes its own log at `log.level: error`.
    var errorLogURL: URL { directory.appendingPathComponent("stderr.log") }

    var configurationURL: URL { directory.appendingPathComponent("config.yml") }

    private init(auth: Auth) throws {
        self.auth = auth
        self.port = FreePort.allocate()
        self.directory = try ScratchDirectory.create(prefix: "tagcache-registry")
        try FileManager.default.createDirectory(at: storageDirectory, withIntermediateDirectories: true)
    }

    deinit {
        shutDown()
    }

    /// Writes a configuration, starts the registry on a free port and waits until `GET /v2/` returns any HTTP
    /// response.
    /// - Throws: `TestSupportError` with the registry's stderr when it exits or returns no HTTP response
    ///   within `startTimeout` seconds.
    static func start(auth: Auth = .none) throws -> DockerRegistry {
        let registry = try DockerRegistry(auth: auth)
        try registry.writeConfiguration()
        try registry.launch()
        return registry
    }

    /// Sends SIGTERM and waits for the process to exit, then SIGKILL after `stopTimeout` seconds.
    ///
    /// The storage and logs stay, so `restart()` brings back the same tags. Calling it on a stopped registry does
    /// nothing.
    func stop() {
        guard let process else {
            return
        }
        self.process = nil

        if process.isRunning {
            process.terminate()
            let deadline = Date().addingTimeInterval(Self.stopTimeout)
            while process.isRunning && Date() < deadline {
                usleep(10_000)
            }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
            }
        }
        process.waitUntilExit()
    }

    /// Stops the registry if it runs and starts it again on the same port, storage and configuration.
    /// - Throws: `TestSupportError` when the new process exits or returns no HTTP response, for example because another
    ///   process took the port meanwhile.
    func restart() throws {
        stop()
        try launch()
    }

    /// Stops the registry and deletes its directory. The registry cannot be restarted afterwards.
    func shutDown() {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Reads the registry's stderr so far, for failure messages.
    func errorLog() -> String {
        (try? String(contentsOf: errorLogURL, encoding: .utf8)) ?? ""
    }

    private func launch() throws {
        precondition(process == nil, "launch() called on a registry that is already running on \(host)")
        let accessLog = try appendingHandle(for: accessLogURL)
        let errorLog = try appendingHandle(for: errorLogURL)
        defer {
            try? accessLog.close()
            try? errorLog.close()
        }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executablePath)
        process.arguments = ["serve", configurationURL.path]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = accessLog
        process.standardError = errorLog
        do {
            try process.run()
        } catch {
            throw TestSupportError(
                "\(Self.executablePath) failed to start: \(error). Install the docker-registry package."
            )
        }
        self.process = process

        try waitUntilReady()
    }

    private func waitUntilReady() throws {
        let deadline = Date().addingTimeInterval(Self.startTimeout)
        while Date() < deadline {
            guard let process, process.isRunning else {
                stop()
                throw TestSupportError(
                    "docker-registry on \(host) exited during start-up. stderr: \(errorLog())"
                )
            }
            // Any status counts, because with htpasswd auth /v2/ returns 401 to a request without credentials.
            if (try? Curl.request("GET", "\(baseURL)/v2/", timeout: 1)) != nil {
                return
            }
            usleep(20_000)
        }
        stop()
        throw TestSupportError(
            "docker-registry on \(host) returned no HTTP response to GET /v2/ within \(Self.startTimeout) s. "
                + "stderr: \(errorLog())"
        )
    }

    private func appendingHandle(for url: URL) throws -> FileHandle {
        if !FileManager.default.fileExists(atPath: url.path) {
            _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: url)
        handle.seekToEndOfFile()
        return handle
    }
}

/// One registry belongs to one test, and `stop()` and `restart()` replace the process without a lock.
@available(*, unavailable)
extension DockerRegistry: Sendable {}
