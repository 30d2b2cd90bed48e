import Foundation

/// The status, header fields and body of one response from a `tagcache serve` process.
struct TagCacheResponse {
    let status: Int
    let headers: [(name: String, value: String)]
    let body: Data

    var bodyText: String {
        String(decoding: body, as: UTF8.self)
    }

    /// Returns the value of the first header field called `name`, compared without case, or nil.
    func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// Decodes the body of a `200` response of `GET /v1/tags`.
    /// - Throws: `TestSupportError` with the body when it is not that document.
    func tagList() throws -> TagListBody {
        try decode(TagListBody.self)
    }

    /// Decodes the body of an error response, `{"error": {"code": …, "message": …}}`.
    /// - Throws: `TestSupportError` with the body when it is not that document.
    func apiError() throws -> APIErrorBody.Detail {
        try decode(APIErrorBody.self).error
    }

    private func decode<Body: Decodable>(_ type: Body.Type) throws -> Body {
        do {
            return try JSONDecoder().decode(type, from: body)
        } catch {
            throw TestSupportError("response \(status) has no \(type) body (\(error)): \(bodyText)")
        }
    }
}

/// The JSON body of a `200` response of `GET /v1/tags`.
struct TagListBody: Decodable, Equatable {
    let reference: String
    let tags: [String]
    let fetchedAt: String
    let expiresAt: String
    let stale: Bool

    private enum CodingKeys: String, CodingKey {
        case reference, tags, stale
        case fetchedAt = "fetched_at"
        case expiresAt = "expires_at"
    }
}

/// The JSON body of an error response of the `/v1` API.
struct APIErrorBody: Decodable {
    struct Detail: Decodable {
        let code: String
        let message: String
    }

    let error: Detail
}

/// The built `tagcache` executable, run as `tagcache serve` on a free loopback port with a SQLite database in a
/// scratch directory of its own.
///
/// The database survives `stop()`, so a later `start(arguments:)` serves the entries the earlier process stored.
/// `shutDown()`, which `deinit` also calls, kills a running process and deletes the directory.
final class TagCacheProcess {
    /// Seconds `start(arguments:)` waits for `GET /healthz` to return 200.
    static let startTimeout: TimeInterval = 10

    /// Seconds `stop()` waits after SIGTERM before it sends SIGKILL. The service itself waits up to 10 s for
    /// requests in flight and 10 s for background refreshes.
    static let stopTimeout: TimeInterval = 25

    let directory: URL
    private(set) var port: UInt16 = 0
    private var process: Process?

    var databaseURL: URL { directory.appendingPathComponent("cache.sqlite") }

    /// The standard error of every `serve` process of this instance, appended, where the service logs.
    var logURL: URL { directory.appendingPathComponent("serve.log") }

    /// `http://127.0.0.1:PORT` of the running process, without a trailing slash.
    var baseURL: String { "http://127.0.0.1:\(port)" }

    var isRunning: Bool { process?.isRunning ?? false }

    init() throws {
        directory = try ScratchDirectory.create(prefix: "tagcache-e2e")
    }

    deinit {
        shutDown()
    }

    /// Returns the `tagcache` executable that SwiftPM built beside the test bundle in `.build/TRIPLE/debug`.
    /// - Throws: `TestSupportError` naming the directories searched when no executable is there.
    static func executableURL() throws -> URL {
        var directories: [URL] = []
        if let executable = Bundle.main.executableURL {
            directories.append(executable.deletingLastPathComponent())
        }
        // On Linux the test bundle is the executable `tagcachePackageTests.xctest`, but elsewhere it is a directory.
        directories.append(Bundle(for: TagCacheProcess.self).bundleURL.deletingLastPathComponent())

        for directory in directories {
            let candidate = directory.appendingPathComponent("tagcache")
            if FileManager.default.isExecutableFile(atPath: candidate.path) {
                return candidate
            }
        }
        throw TestSupportError(
            "no tagcache executable in \(directories.map(\.path).joined(separator: " or ")); "
                + "run 'swift build' so the test bundle finds it beside itself")
    }

    /// Starts `tagcache serve --listen 127.0.0.1:PORT --database DATABASE ARGUMENTS` on a free port and waits
    /// until `GET /healthz` returns 200.
    /// - Throws: `TestSupportError` with the service's log when it exits or is not healthy within `startTimeout`.
    func start(arguments: [String] = []) throws {
        precondition(process == nil, "start(arguments:) called while tagcache runs on port \(port)")
        port = FreePort.allocate()
        let log = try appendingHandle(for: logURL)
        defer { try? log.close() }

        let process = Process()
        process.executableURL = try Self.executableURL()
        process.arguments =
            ["serve", "--listen", "127.0.0.1:\(port)", "--database", databaseURL.path] + arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = log
        try process.run()
        self.process = process

        try waitUntilHealthy(process)
    }

    /// Sends SIGTERM, waits for the process to exit and returns its exit status.
    /// - Throws: `TestSupportError` when the process is still running after `stopTimeout` seconds (it is then
    ///   killed) or was ended by a signal.
    @discardableResult
    func stop() throws -> Int32 {
        guard let process else {
            throw TestSupportError("stop() called while no tagcache process runs; call start(arguments:) first")
        }
        self.process = nil

        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
        }
        let deadline = Date().addingTimeInterval(Self.stopTimeout)
        while process.isRunning && Date() < deadline {
            usleep(10_000)
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw TestSupportError(
                "tagcache did not exit within \(Self.stopTimeout) s of SIGTERM and was killed. log: \(logText())")
        }
        process.waitUntilExit()
        guard process.terminationReason == .exit else {
            throw TestSupportError(
                "tagcache was ended by signal \(process.terminationStatus) instead of exiting. log: \(logText())")
        }
        return process.terminationStatus
    }

    /// Sends SIGTERM without waiting, for tests that watch what happens during shutdown. `stop()` then waits.
    func sendTerminate() {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
    }

    /// Kills a running process and deletes the directory with its database and log.
    func shutDown() {
        if let process, process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        process = nil
        try? FileManager.default.removeItem(at: directory)
    }

    /// Reads what every `serve` process of this instance has logged so far.
    func logText() -> String {
        (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
    }

    /// Sends `GET /v1/tags?reference=REFERENCE` with the reference percent-encoded.
    func tags(_ reference: String) throws -> TagCacheResponse {
        try request("/v1/tags?reference=\(Self.percentEncoded(reference))")
    }

    /// Sends one request for `target` (path and query) and returns the response, whatever its status.
    /// - Throws: `TestSupportError` when no HTTP response arrives within `timeout` seconds.
    func request(_ target: String, method: String = "GET", timeout: TimeInterval = 10) throws -> TagCacheResponse {
        try startRequests([target], method: method, timeout: timeout).wait()[0]
    }

    /// Sends a request for each of `targets` at once and waits for every response.
    func requests(
        _ targets: [String], method: String = "GET", timeout: TimeInterval = 10
    ) throws -> [TagCacheResponse] {
        try startRequests(targets, method: method, timeout: timeout).wait()
    }

    /// Starts one curl process that sends a request for each of `targets` at once, one connection each, and
    /// returns without waiting for the responses.
    /// - Parameter timeout: seconds each request may take.
    func startRequests(
        _ targets: [String], method: String = "GET", timeout: TimeInterval = 10
    ) throws -> PendingRequests {
        precondition(!targets.isEmpty, "startRequests(_:) needs at least one target")
        precondition(isRunning, "startRequests(_:) called while no tagcache process runs")
        let scratch = directory.appendingPathComponent("responses-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)

        var arguments = [
            "--silent", "--show-error", "--globoff", "--include",
            "--max-time", String(timeout), "--request", method,
        ]
        if targets.count > 1 {
            arguments += ["--parallel", "--parallel-immediate", "--parallel-max", String(targets.count)]
        }
        for (index, target) in targets.enumerated() {
            precondition(target.hasPrefix("/"), "a request target starts with /, got \(target)")
            arguments += [baseURL + target, "--output", scratch.appendingPathComponent("\(index)").path]
        }
        return try PendingRequests(
            arguments: arguments, scratch: scratch, count: targets.count,
            summary: "\(method) \(baseURL)\(targets[0])", timeout: timeout + 5)
    }

    /// Runs `tagcache list-tags --database DATABASE ARGUMENTS` to completion, sharing this instance's database.
    func runListTags(_ arguments: [String], timeout: TimeInterval = 30) throws -> CommandResult {
        try Command.run(
            try Self.executableURL().path, ["list-tags", "--database", databaseURL.path] + arguments,
            timeout: timeout)
    }

    /// Runs `tagcache ARGUMENTS` to completion, for tests of the command line itself.
    static func run(_ arguments: [String], timeout: TimeInterval = 30) throws -> CommandResult {
        try Command.run(try executableURL().path, arguments, timeout: timeout)
    }

    /// Percent-encodes everything but the unreserved characters of RFC 3986, for a query value.
    static func percentEncoded(_ value: String) -> String {
        var unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        unreserved.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? value
    }

    private func waitUntilHealthy(_ process: Process) throws {
        let deadline = Date().addingTimeInterval(Self.startTimeout)
        while Date() < deadline {
            guard process.isRunning else {
                process.waitUntilExit()
                self.process = nil
                throw TestSupportError(
                    "tagcache serve exited with status \(process.terminationStatus) during start-up. "
                        + "log: \(logText())")
            }
            if let response = try? request("/healthz", timeout: 1), response.status == 200 {
                return
            }
            usleep(20_000)
        }
        shutDownAfterFailedStart(process)
        throw TestSupportError(
            "tagcache serve on \(baseURL) did not return 200 to GET /healthz within \(Self.startTimeout) s. "
                + "log: \(logText())")
    }

    private func shutDownAfterFailedStart(_ process: Process) {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
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

/// One process belongs to one test, and `start` and `stop` replace it without a lock.
@available(*, unavailable)
extension TagCacheProcess: Sendable {}

/// The requests of one curl process that runs in the background, started by `TagCacheProcess.startRequests`.
final class PendingRequests {
    private let process = Process()
    private let scratch: URL
    private let count: Int
    private let summary: String
    private let timeout: TimeInterval
    private let exited = DispatchSemaphore(value: 0)

    fileprivate init(arguments: [String], scratch: URL, count: Int, summary: String, timeout: TimeInterval) throws {
        self.scratch = scratch
        self.count = count
        self.summary = summary
        self.timeout = timeout

        let errorURL = scratch.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        let errorHandle = try FileHandle(forWritingTo: errorURL)
        defer { try? errorHandle.close() }
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errorHandle
        let exited = self.exited
        process.terminationHandler = { _ in exited.signal() }
        do {
            try process.run()
        } catch {
            throw TestSupportError("/usr/bin/curl failed to start: \(error). Install the curl package.")
        }
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: scratch)
    }

    /// Waits for curl to exit and returns the responses in the order of the targets.
    /// - Throws: `TestSupportError` when curl got no HTTP response for a request or did not exit in time.
    func wait() throws -> [TagCacheResponse] {
        if exited.wait(timeout: .now() + timeout) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw TestSupportError("\(summary) and the requests sent with it got no response within \(timeout) s")
        }
        process.waitUntilExit()

        guard process.terminationStatus == 0 else {
            let errorText = (try? String(contentsOf: scratch.appendingPathComponent("stderr"), encoding: .utf8)) ?? ""
            throw TestSupportError(
                "\(summary) got no HTTP response (curl status \(process.terminationStatus)): \(errorText)")
        }
        return try (0..<count).map { index in
            try Self.parseResponse(try Data(contentsOf: scratch.appendingPathComponent("\(index)")))
        }
    }

    /// Splits what `curl --include` wrote into status line, header fields and body.
    private static func parseResponse(_ data: Data) throws -> TagCacheResponse {
        let separator = Data("\r\n\r\n".utf8)
        guard let end = data.range(of: separator) else {
            throw TestSupportError("curl wrote no complete HTTP header: \(String(decoding: data, as: UTF8.self))")
        }
        let head = String(decoding: data[..<end.lowerBound], as: UTF8.self)
        let lines = head.components(separatedBy: "\r\n")
        let statusFields = lines[0].split(separator: " ")
        guard statusFields.count >= 2, let status = Int(statusFields[1]) else {
            throw TestSupportError("curl wrote an invalid status line: \(lines[0])")
        }

        var headers: [(name: String, value: String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else {
                throw TestSupportError("curl wrote an invalid header line: \(line)")
            }
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers.append((String(line[..<colon]), value))
        }
        return TagCacheResponse(status: status, headers: headers, body: Data(data[end.upperBound...]))
    }
}

/// Belongs to the test that started it.
@available(*, unavailable)
extension PendingRequests: Sendable {}
