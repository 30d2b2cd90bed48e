import Foundation
import Synchronization
import XCTest

@testable import TagCache

/// Bodies of stored responses that `HTTPServer` sends in place: each one must stay intact until libmicrohttpd is
/// done with it, even when the stored response is replaced or the client goes away, and must be freed afterwards.
final class SharedBodyServerTests: XCTestCase {
    /// Sends the entry stored under `SharedBodyHandler.key`, or `404` when there is none.
    private struct SharedBodyHandler: HTTPHandler {
        static let key = "body"
        let cache: EncodedResponseCache

        func handle(_ request: HTTPRequest) -> HTTPHandlerResult {
            guard let entry = cache.entry(forKey: Self.key) else {
                return .response(HTTPResponse(status: 404))
            }
            return .response(EncodedTagListResponse.response(entry))
        }
    }

    /// Outcomes that the client and replacer threads record.
    private final class Tally: Sendable {
        let clientsDone = Atomic<Bool>(false)
        let replacements = Atomic<Int>(0)
        let completed = Atomic<Int>(0)
        let aborted = Atomic<Int>(0)
        let failures = Mutex<[String]>([])
        let seenVersions = Mutex<Set<Int>>([])

        func fail(_ message: String) {
            failures.withLock { $0.append(message) }
        }
    }

    private static func makeCache() -> EncodedResponseCache {
        EncodedResponseCache(maxBytes: 64 << 20, changeCheckInterval: .seconds(3600)) { 1 }
    }

    private static func entry(version: Int, body: [UInt8]) -> EncodedResponseCache.Entry {
        let now = Date()
        return EncodedResponseCache.Entry(
            reference: ImageReference(registry: "registry.example.com", path: "team/app"), fetchedAt: now,
            expiresAt: now.addingTimeInterval(3600), servedUntil: now.addingTimeInterval(3600), policy: CachePolicy(),
            entityTag: nil, fixedHeaders: [("Content-Type", "application/octet-stream"), ("X-Version", String(version))],
            body: ResponseBody(copying: body))
    }

    /// Returns the body of version `version`: blocks of 4 KiB, each starting with its index, whose remaining bytes
    /// no other version has, so that bytes of another version or of reused memory never pass for it.
    private static func body(version: Int, count: Int) -> [UInt8] {
        let pattern = (0..<4_088).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ version &* 97 &+ 1) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count + 4_096)
        var blockIndex: UInt64 = 0
        while bytes.count < count {
            withUnsafeBytes(of: blockIndex.littleEndian) { bytes.append(contentsOf: $0) }
            bytes.append(contentsOf: pattern)
            blockIndex += 1
        }
        bytes.removeLast(bytes.count - count)
        return bytes
    }

    /// Connects to `port` on 127.0.0.1 with a small receive buffer, so that the server sends a large body over many
    /// writes, and sends `GET path` with `Connection: close`. Returns the socket descriptor, which the caller closes.
    private static func openRequest(port: UInt16, path: String) throws -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestSupportError("socket failed with errno \(errno)") }
        var receiveBuffer: Int32 = 4_096
        setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &receiveBuffer, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                connect(descriptor, socketAddress, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        guard connected, send(descriptor, request, request.count, 0) == request.count else {
            let error = errno
            close(descriptor)
            throw TestSupportError("sending GET \(path) to 127.0.0.1:\(port) failed with errno \(error)")
        }
        return descriptor
    }

    /// Reads from `descriptor` in pieces of 4 KiB with a pause after each, until the server closes the connection
    /// or `limit` bytes arrived.
    private static func slowlyReceive(_ descriptor: Int32, limit: Int = .max) throws -> [UInt8] {
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4_096)
        while received.count < limit {
            let count = recv(descriptor, &chunk, chunk.count, 0)
            guard count >= 0 else { throw TestSupportError("recv failed with errno \(errno)") }
            if count == 0 { break }
            received.append(contentsOf: chunk[0..<count])
            usleep(200)
        }
        return received
    }

    /// Returns the header fields, with lowercase names, and the body of the complete response `bytes`.
    private static func parseResponse(_ bytes: [UInt8]) throws -> (headers: [String: String], body: [UInt8]) {
        let separator = Array("\r\n\r\n".utf8)
        guard bytes.count >= separator.count,
            let headerEnd = (0...(bytes.count - separator.count)).first(where: {
                bytes[$0..<($0 + separator.count)].elementsEqual(separator)
            })
        else {
            throw TestSupportError("the response has no end of header in its \(bytes.count) bytes")
        }
        var headers: [String: String] = [:]
        for line in String(decoding: bytes[..<headerEnd], as: UTF8.self).split(separator: "\r\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return (headers, Array(bytes[(headerEnd + separator.count)...]))
    }

    private static func slowGet(port: UInt16, path: String) throws -> (headers: [String: String], body: [UInt8]) {
        let descriptor = try openRequest(port: port, path: path)
        defer { close(descriptor) }
        return try parseResponse(slowlyReceive(descriptor))
    }

    /// Runs `work(index)` on `count` threads of its own, because the socket calls block their thread, and waits
    /// for all of them.
    private func onThreads(_ count: Int, _ work: @escaping @Sendable (Int) -> Void) {
        let group = DispatchGroup()
        for index in 0..<count {
            group.enter()
            Thread {
                work(index)
                group.leave()
            }.start()
        }
        XCTAssertEqual(group.wait(timeout: .now() + 120), .success)
    }

    func testSharedBody_intactWhileEntryReplaced() throws {
        // More than the 4 MiB that Linux lets a socket's send buffer grow to by default (`net.ipv4.tcp_wmem`),
        // so that the server reads each body from memory until its last write, long after the cache dropped it.
        let versions = (0..<4).map { Self.body(version: $0, count: 6 << 20) }
        let cache = Self.makeCache()
        let generation = cache.currentGeneration()
        cache.insert(Self.entry(version: 0, body: versions[0]), forKey: SharedBodyHandler.key, generation: generation)
        let server = try HTTPServer(host: "127.0.0.1", port: 0, threads: 2, handler: SharedBodyHandler(cache: cache))
        defer { server.stop() }
        let port = server.port

        // Each insert drops the cache's reference to the previous body while responses may still be sending it.
        let tally = Tally()
        let replacer = Thread {
            var version = 0
            while !tally.clientsDone.load(ordering: .relaxed) {
                version = (version + 1) % versions.count
                let replacement = SharedBodyServerTests.entry(version: version, body: versions[version])
                cache.insert(replacement, forKey: SharedBodyHandler.key, generation: generation)
                tally.replacements.add(1, ordering: .relaxed)
                usleep(500)
            }
        }
        replacer.start()

        let clients = 8
        let requestsPerClient = 2
        onThreads(clients) { client in
            for request in 0..<requestsPerClient {
                let label = "client \(client) request \(request)"
                do {
                    let response = try SharedBodyServerTests.slowGet(port: port, path: "/body")
                    guard let version = response.headers["x-version"].flatMap(Int.init),
                        versions.indices.contains(version)
                    else {
                        tally.fail("\(label): no valid X-Version in \(response.headers)")
                        continue
                    }
                    tally.seenVersions.withLock { _ = $0.insert(version) }
                    if response.body != versions[version] {
                        let count = response.body.count
                        tally.fail("\(label): \(count) bytes differ from version \(version)")
                    }
                } catch {
                    tally.fail("\(label): \(error)")
                }
            }
        }
        tally.clientsDone.store(true, ordering: .relaxed)
        while !replacer.isFinished {
            usleep(1_000)
        }

        XCTAssertEqual(tally.failures.withLock { $0 }, [])
        XCTAssertGreaterThan(tally.replacements.load(ordering: .relaxed), 20)
        XCTAssertGreaterThan(tally.seenVersions.withLock { $0.count }, 1)
    }

    func testSharedBody_freedAfterResponsesAbortsAndStop() throws {
        let cache = Self.makeCache()
        // More than the 4 MiB that Linux lets a socket's send buffer grow to by default (`net.ipv4.tcp_wmem`),
        // so that a client that stops reading leaves the server with part of the body unsent.
        let bodyCount = 8 << 20
        weak var sentBody: ResponseBody?
        do {
            let stored = Self.entry(version: 1, body: Self.body(version: 1, count: bodyCount))
            sentBody = stored.body
            cache.insert(stored, forKey: SharedBodyHandler.key, generation: cache.currentGeneration())
        }
        let server = try HTTPServer(host: "127.0.0.1", port: 0, threads: 2, handler: SharedBodyHandler(cache: cache))
        defer { server.stop() }
        let port = server.port

        // Complete responses, and clients that close the connection after the first 16 KiB.
        let tally = Tally()
        onThreads(8) { index in
            do {
                let descriptor = try SharedBodyServerTests.openRequest(port: port, path: "/body")
                defer { close(descriptor) }
                if index % 2 == 0 {
                    let response = try SharedBodyServerTests.parseResponse(
                        SharedBodyServerTests.slowlyReceive(descriptor))
                    if response.body.count == bodyCount {
                        tally.completed.add(1, ordering: .relaxed)
                    }
                } else {
                    _ = try SharedBodyServerTests.slowlyReceive(descriptor, limit: 16_384)
                    tally.aborted.add(1, ordering: .relaxed)
                }
            } catch {
                tally.fail("client \(index): \(error)")
            }
        }
        XCTAssertEqual(tally.failures.withLock { $0 }, [])
        XCTAssertEqual(tally.completed.load(ordering: .relaxed), 4)
        XCTAssertEqual(tally.aborted.load(ordering: .relaxed), 4)

        // A response still being sent when the server stops.
        let unfinished = try Self.openRequest(port: port, path: "/body")
        defer { close(unfinished) }
        XCTAssertGreaterThanOrEqual(try Self.slowlyReceive(unfinished, limit: 16_384).count, 16_384)
        cache.invalidateAll()
        // Only libmicrohttpd's response for the unfinished request references the body now.
        XCTAssertNotNil(sentBody)
        server.stop(gracePeriod: 0.2)

        XCTAssertNil(sentBody)
    }
}
