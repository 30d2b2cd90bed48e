import Foundation
import XCTest

/// `tagcache serve` as built, in front of a real docker-registry that all tests of the class share. Each test uses
/// repositories of its own, so request counts of one test are not touched by another.
final class EndToEndServeTests: EndToEndTestCase {

    private func startTagCache(_ arguments: [String] = []) throws {
        try tagcache.start(arguments: ["--insecure-registry", registry.host] + arguments)
    }

    private func tagsListCount(_ repository: String) -> Int {
        registry.requestCount(path: "/v2/\(repository)/tags/list")
    }

    func testTags_firstRequestMissesAndSecondHits() throws {
        let pushed = ["1.1", "latest", "1.0"]
        try image.push(to: registry, repository: "serve/app", tags: pushed)
        let skopeoTags = try Skopeo.listTags(reference: "\(registry.host)/serve/app").tags
        try startTagCache()
        let countBefore = tagsListCount("serve/app")

        let first = try tagcache.tags("\(registry.host)/serve/app")
        XCTAssertEqual(first.status, 200, first.bodyText)
        let firstStatus = first.header("cache-status") ?? ""
        XCTAssertTrue(firstStatus.contains("fwd=uri-miss"), firstStatus)
        XCTAssertTrue(firstStatus.contains("stored"), firstStatus)
        let firstBody = try first.tagList()
        XCTAssertEqual(firstBody.reference, "\(registry.host)/serve/app")
        XCTAssertEqual(firstBody.tags, pushed.sorted())
        XCTAssertEqual(Set(firstBody.tags), Set(skopeoTags))
        XCTAssertFalse(firstBody.stale)
        XCTAssertEqual(tagsListCount("serve/app"), countBefore + 1)

        let second = try tagcache.tags("\(registry.host)/serve/app")
        XCTAssertEqual(second.status, 200, second.bodyText)
        let secondStatus = second.header("CACHE-STATUS") ?? ""
        XCTAssertTrue(secondStatus.hasPrefix("tagcache; hit; ttl="), secondStatus)
        XCTAssertEqual(try second.tagList(), firstBody)
        XCTAssertNotNil(second.header("age"))
        XCTAssertEqual(tagsListCount("serve/app"), countBefore + 1)
    }

    func testTags_staleWhileRevalidateThenNewTag() throws {
        try image.push(to: registry, repository: "serve/swr", tags: ["1.0"])
        // Refresh-ahead would refresh the entry before it expires, so it is off here.
        let configuration = tagcache.directory.appendingPathComponent("no-refresh-ahead.json")
        try Data(#"{"cache": {"refresh_ahead": "0s"}}"#.utf8).write(to: configuration)
        try startTagCache(["--ttl", "1s", "--config", configuration.path])
        let reference = "\(registry.host)/serve/swr"
        XCTAssertEqual(try tagcache.tags(reference).tagList().tags, ["1.0"])

        // The entry expires one second after the fetch; the new tag exists only upstream.
        Thread.sleep(forTimeInterval: 1.2)
        try registry.copyTags(repository: "serve/swr", from: "1.0", to: ["2.0"])

        let stale = try tagcache.tags(reference)
        XCTAssertEqual(stale.status, 200, stale.bodyText)
        let staleStatus = stale.header("Cache-Status") ?? ""
        XCTAssertTrue(staleStatus.contains("detail=stale-while-revalidate"), staleStatus)
        let staleBody = try stale.tagList()
        XCTAssertTrue(staleBody.stale)
        XCTAssertEqual(staleBody.tags, ["1.0"])

        let refreshed = try pollTags(reference, until: { $0.tags.contains("2.0") })
        XCTAssertEqual(refreshed?.tags, ["1.0", "2.0"], "the background refresh did not store the new tag")
        XCTAssertEqual(tagsListCount("serve/swr"), 2)
    }

    func testTags_invalidReferencesMakeNoUpstreamRequest() throws {
        try startTagCache()
        let host = registry.host
        let digest = "sha256:" + String(repeating: "a", count: 64)
        let cases: [(reference: String, code: String)] = [
            ("Foo/bar", "INVALID_REFERENCE"),
            ("\(host)/Foo/bar", "INVALID_REFERENCE"),
            ("a/b:tag", "INVALID_REFERENCE"),
            ("\(host)/serve/app:tag", "INVALID_REFERENCE"),
            ("a//b", "INVALID_REFERENCE"),
            ("\(host)/serve//app", "INVALID_REFERENCE"),
            ("a@\(digest)", "INVALID_REFERENCE"),
            ("\(host)/serve/app@\(digest)", "INVALID_REFERENCE"),
            ("", "INVALID_PARAMETER"),
            (" ", "INVALID_REFERENCE"),
            (" \(host)/serve/app", "INVALID_REFERENCE"),
            ("\(host)/serve/app\n", "INVALID_REFERENCE"),
        ]
        let countBefore = registry.allRequestCount()

        for (reference, code) in cases {
            let response = try tagcache.tags(reference)
            XCTAssertEqual(response.status, 400, "reference \(reference.debugDescription): \(response.bodyText)")
            let error = try response.apiError()
            XCTAssertEqual(error.code, code, "reference \(reference.debugDescription)")
            XCTAssertFalse(error.message.isEmpty, "reference \(reference.debugDescription)")
        }
        XCTAssertEqual(registry.allRequestCount(), countBefore, "an invalid reference reached the registry")
    }

    func testTags_concurrentMissesShareOneUpstreamRequest() throws {
        let pushed = ["a", "b", "c"]
        try image.push(to: registry, repository: "serve/collapse", tags: pushed)
        try startTagCache()
        let countBefore = tagsListCount("serve/collapse")
        let target = "/v1/tags?reference=" + TagCacheProcess.percentEncoded("\(registry.host)/serve/collapse")

        // The paused registry keeps the first fetch open until every request has reached tagcache.
        let pending: PendingRequests
        do {
            try registry.pause()
            defer { try? registry.resume() }
            pending = try tagcache.startRequests(Array(repeating: target, count: 50))
            try TCPConnections.waitForEstablished(50, localPort: tagcache.port)
            // The kernel accepts connections before libmicrohttpd reads them, so give it time to read the requests.
            Thread.sleep(forTimeInterval: 0.3)
        }
        let responses = try pending.wait()

        XCTAssertEqual(responses.count, 50)
        for (index, response) in responses.enumerated() {
            XCTAssertEqual(response.status, 200, "response \(index): \(response.bodyText)")
            XCTAssertEqual(try response.tagList().tags, pushed, "response \(index)")
        }
        XCTAssertEqual(tagsListCount("serve/collapse"), countBefore + 1)
        let collapsed = responses.filter { ($0.header("Cache-Status") ?? "").contains("collapsed") }
        XCTAssertGreaterThanOrEqual(collapsed.count, 1, responses.map { $0.header("Cache-Status") ?? "" }.description)
    }

    func testRoutes_errorsAnswerJSONWithoutUpstreamRequest() throws {
        try startTagCache()
        let countBefore = registry.allRequestCount()

        let unknownRoute = try tagcache.request("/v1/nothing")
        XCTAssertEqual(unknownRoute.status, 404)
        XCTAssertEqual(try unknownRoute.apiError().code, "NOT_FOUND")

        let post = try tagcache.request("/v1/tags?reference=\(registry.host)/serve/app", method: "POST")
        XCTAssertEqual(post.status, 405)
        XCTAssertEqual(try post.apiError().code, "METHOD_NOT_ALLOWED")
        XCTAssertEqual(post.header("allow"), "GET, HEAD")

        let missing = try tagcache.request("/v1/tags")
        XCTAssertEqual(missing.status, 400)
        XCTAssertEqual(try missing.apiError().code, "INVALID_PARAMETER")

        // localhost:PORT reaches the same registry, but only 127.0.0.1:PORT is configured.
        let notAllowed = try tagcache.tags("localhost:\(registry.port)/serve/app")
        XCTAssertEqual(notAllowed.status, 403, notAllowed.bodyText)
        let notAllowedError = try notAllowed.apiError()
        XCTAssertEqual(notAllowedError.code, "REGISTRY_NOT_ALLOWED")
        XCTAssertTrue(notAllowedError.message.contains("localhost:\(registry.port)"), notAllowedError.message)

        XCTAssertEqual(registry.allRequestCount(), countBefore, "a rejected request reached the registry")
    }

    func testTags_unknownRepositoryIsNameUnknown() throws {
        try startTagCache()

        let response = try tagcache.tags("\(registry.host)/serve/missing")

        XCTAssertEqual(response.status, 404, response.bodyText)
        let error = try response.apiError()
        XCTAssertEqual(error.code, "NAME_UNKNOWN")
        XCTAssertTrue(error.message.contains("serve/missing"), error.message)
    }

    func testServe_sigtermFinishesRequestInFlight() throws {
        try image.push(to: registry, repository: "serve/term", tags: ["1.0"])
        try startTagCache()
        let target = "/v1/tags?reference=" + TagCacheProcess.percentEncoded("\(registry.host)/serve/term")

        let pending: PendingRequests
        do {
            try registry.pause()
            defer { try? registry.resume() }
            pending = try tagcache.startRequests([target], timeout: 20)
            try TCPConnections.waitForEstablished(1, remotePort: registry.port)
            tagcache.sendTerminate()
            Thread.sleep(forTimeInterval: 0.5)
            XCTAssertTrue(tagcache.isRunning, "tagcache exited before its request in flight finished")
        }
        let response = try pending.wait()[0]

        XCTAssertEqual(response.status, 200, response.bodyText)
        XCTAssertEqual(try response.tagList().tags, ["1.0"])
        XCTAssertEqual(try tagcache.stop(), 0)
        let log = tagcache.logText()
        XCTAssertTrue(log.contains("event=start"), log)
        XCTAssertTrue(log.contains("listen=127.0.0.1:\(tagcache.port)"), log)
        XCTAssertTrue(log.contains("database=\(tagcache.databaseURL.path)"), log)
        XCTAssertTrue(log.contains("signal=SIGTERM"), log)
        XCTAssertTrue(log.contains("event=stop"), log)
    }

    func testServe_restartAnswersStoredEntryAsHit() throws {
        try image.push(to: registry, repository: "serve/restart", tags: ["1.0", "1.1"])
        try startTagCache()
        let reference = "\(registry.host)/serve/restart"
        let before = try tagcache.tags(reference).tagList()
        XCTAssertEqual(try tagcache.stop(), 0)
        let countBefore = tagsListCount("serve/restart")

        try startTagCache()
        let response = try tagcache.tags(reference)

        XCTAssertEqual(response.status, 200, response.bodyText)
        let cacheStatus = response.header("Cache-Status") ?? ""
        XCTAssertTrue(cacheStatus.hasPrefix("tagcache; hit;"), cacheStatus)
        XCTAssertEqual(try response.tagList(), before)
        XCTAssertEqual(tagsListCount("serve/restart"), countBefore)
    }

    /// Requests `reference` every 100 ms for up to 5 s until `condition` holds, and returns that body.
    private func pollTags(_ reference: String, until condition: (TagListBody) -> Bool) throws -> TagListBody? {
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            let body = try tagcache.tags(reference).tagList()
            if condition(body) {
                return body
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return nil
    }
}

extension DockerRegistry {
    /// Counts every request in the registry's access log, whatever its method and path.
    func allRequestCount() -> Int {
        let log = (try? String(contentsOf: accessLogURL, encoding: .utf8)) ?? ""
        return log.split(separator: "\n").count { $0.contains(" HTTP/1.") }
    }

    /// Stops the registry process with SIGSTOP, so the kernel accepts connections but the registry sends no response.
    func pause() throws {
        try signalProcess(SIGSTOP)
    }

    /// Lets a paused registry run again with SIGCONT.
    func resume() throws {
        try signalProcess(SIGCONT)
    }

    private func signalProcess(_ signal: Int32) throws {
        let identifier = try processIdentifier()
        guard kill(identifier, signal) == 0 else {
            throw TestSupportError(
                "kill(\(identifier), \(signal)) failed with errno \(errno) for the registry on \(host)")
        }
    }

    /// Finds the registry's process in /proc by its command line, which names this registry's own configuration
    /// file, because `DockerRegistry` keeps its `Process` private.
    private func processIdentifier() throws -> pid_t {
        let expected = [Self.executablePath, "serve", configurationURL.path]
        for entry in try FileManager.default.contentsOfDirectory(atPath: "/proc") {
            guard let identifier = pid_t(entry),
                let commandLine = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline")
            else { continue }
            let arguments = commandLine.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            if arguments == expected {
                return identifier
            }
        }
        throw TestSupportError(
            "no process runs \(expected.joined(separator: " ")); start the registry before pausing it")
    }
}

/// The kernel's tables of IPv4 and IPv6 TCP sockets, read to see when connections to a test's servers exist.
private enum TCPConnections {
    /// Waits up to `timeout` seconds until at least `count` ESTABLISHED sockets have local port `localPort` or
    /// remote port `remotePort`.
    /// - Throws: `TestSupportError` with the count seen when that does not happen in time.
    static func waitForEstablished(
        _ count: Int, localPort: UInt16? = nil, remotePort: UInt16? = nil, timeout: TimeInterval = 5
    ) throws {
        precondition((localPort == nil) != (remotePort == nil), "pass exactly one of localPort and remotePort")
        let deadline = Date().addingTimeInterval(timeout)
        var seen = 0
        while Date() < deadline {
            seen = establishedPorts().count { ports in
                ports.local == localPort || ports.remote == remotePort
            }
            if seen >= count {
                return
            }
            usleep(10_000)
        }
        throw TestSupportError(
            "only \(seen) of \(count) TCP connections (local port \(localPort.map(String.init) ?? "any"), remote port "
                + "\(remotePort.map(String.init) ?? "any")) were established within \(timeout) s")
    }

    /// Returns the local and remote ports of every ESTABLISHED socket in /proc/net/tcp and /proc/net/tcp6.
    private static func establishedPorts() -> [(local: UInt16, remote: UInt16)] {
        var ports: [(local: UInt16, remote: UInt16)] = []
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            let text = String(decoding: readProcFile(table), as: UTF8.self)
            for line in text.split(separator: "\n").dropFirst() {
                // Columns: sl, local ADDRESS:PORT, remote ADDRESS:PORT, state (01 is ESTABLISHED), all in hex.
                let columns = line.split(separator: " ")
                guard columns.count > 3, columns[3] == "01",
                    let local = port(of: columns[1]), let remote = port(of: columns[2])
                else { continue }
                ports.append((local, remote))
            }
        }
        return ports
    }

    /// Reads a /proc file with read(2) until end of file. /proc files report a size of 0, and Foundation's readers
    /// returned only the first part of /proc/net/tcp.
    private static func readProcFile(_ path: String) -> [UInt8] {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return [] }
        defer { close(descriptor) }
        var contents: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { return contents }
            contents += buffer[..<count]
        }
    }

    private static func port(of address: Substring) -> UInt16? {
        address.split(separator: ":").last.flatMap { UInt16($0, radix: 16) }
    }
}
