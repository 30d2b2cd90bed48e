import Foundation
import XCTest
@testable import TagCache

final class HTTPClientTests: XCTestCase {
    private var registry: LocalDistributionRegistry!

    override func setUpWithError() throws {
        registry = try LocalDistributionRegistry()
    }

    override func tearDown() {
        registry.stop()
    }

    private func request(_ path: String) -> ClientRequest {
        var request = ClientRequest(url: registry.baseURL().resolving(path)!)
        request.connectTimeout = 2
        request.totalTimeout = 5
        return request
    }

    func testSend_probeReturns200WithAPIVersionHeader() throws {
        let response = try HTTPClient().send(request("/v2/"))
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.headers["Docker-Distribution-API-Version"], "registry/2.0")
        XCTAssertEqual(String(decoding: response.body, as: UTF8.self), "{}")
    }

    func testSend_headerLookupIgnoresCase() throws {
        let response = try HTTPClient().send(request("/v2/"))
        XCTAssertEqual(response.headers["docker-distribution-api-version"], "registry/2.0")
        XCTAssertEqual(response.headers.values(for: "CONTENT-TYPE"), ["application/json; charset=utf-8"])
    }

    func testSend_returnsErrorStatusWithBody() throws {
        let response = try HTTPClient().send(request("/v2/missing/repo/tags/list"))
        XCTAssertEqual(response.status, 404)
        XCTAssertTrue(String(decoding: response.body, as: UTF8.self).contains("NAME_UNKNOWN"))
    }

    func testSend_headReturnsNoBody() throws {
        var head = request("/v2/")
        head.method = "HEAD"
        let response = try HTTPClient().send(head)
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.body, [])
    }

    func testSend_sendsRequestHeaders() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tagcache-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let passwordFile = directory.appendingPathComponent("htpasswd")
        let htpasswd = try LocalDistributionRegistry.runTool("/usr/bin/htpasswd", ["-Bbn", "user", "secret"])
        try htpasswd.write(to: passwordFile, atomically: true, encoding: .utf8)
        let protected = try LocalDistributionRegistry(auth: "  htpasswd:\n    realm: test\n    path: \(passwordFile.path)")
        defer { protected.stop() }

        var anonymous = ClientRequest(url: protected.baseURL().resolving("/v2/")!)
        anonymous.totalTimeout = 5
        XCTAssertEqual(try HTTPClient().send(anonymous).status, 401)

        var authorized = anonymous
        authorized.headers.add(name: "Authorization", value: "Basic " + Data("user:secret".utf8).base64EncodedString())
        XCTAssertEqual(try HTTPClient().send(authorized).status, 200)
    }

    func testSend_doesNotFollowRedirects() throws {
        let response = try HTTPClient().send(request("/v2"))
        XCTAssertEqual(response.status / 100, 3, "status \(response.status)")
        XCTAssertNotNil(response.headers["Location"])
    }

    func testSend_stopsAtBodyLimit() {
        var limited = request("/v2/")
        limited.maxBodyBytes = 1
        XCTAssertThrowsError(try HTTPClient().send(limited)) { error in
            XCTAssertEqual((error as? TransportError)?.kind, .tooLarge)
        }
    }

    func testSend_connectsToPinnedAddress() throws {
        var pinned = ClientRequest(url: HTTPURL(string: "http://localhost:\(registry.port)/v2/")!)
        pinned.pinnedAddresses = [IPAddress("127.0.0.1")!]
        pinned.totalTimeout = 5
        XCTAssertEqual(try HTTPClient().send(pinned).status, 200)
    }

    func testSend_pinOverridesNameResolution() throws {
        var unpinned = ClientRequest(url: HTTPURL(string: "http://localhost:\(registry.port)/v2/")!)
        unpinned.totalTimeout = 5
        XCTAssertEqual(try HTTPClient().send(unpinned).status, 200)

        // Nothing listens on 127.0.0.3, so only the pin can explain a refused connection to localhost.
        var pinned = unpinned
        pinned.pinnedAddresses = [IPAddress("127.0.0.3")!]
        XCTAssertThrowsError(try HTTPClient().send(pinned)) { error in
            XCTAssertEqual((error as? TransportError)?.kind, .connectionFailed)
        }
    }

    func testSend_reportsRefusedConnection() throws {
        let closedPort = try LocalDistributionRegistry.freePort()
        var refused = ClientRequest(url: HTTPURL(string: "http://127.0.0.1:\(closedPort)/v2/")!)
        refused.totalTimeout = 5
        XCTAssertThrowsError(try HTTPClient().send(refused)) { error in
            XCTAssertEqual((error as? TransportError)?.kind, .connectionFailed)
            XCTAssertTrue((error as? TransportError)?.message.contains("http://127.0.0.1:\(closedPort)/v2/") == true)
        }
    }

    func testSend_reportsTLSFailureAgainstPlainHTTP() {
        var tls = ClientRequest(url: HTTPURL(string: "https://\(registry.authority)/v2/")!)
        tls.totalTimeout = 5
        XCTAssertThrowsError(try HTTPClient().send(tls)) { error in
            XCTAssertEqual((error as? TransportError)?.kind, .tls)
        }
    }

    func testSend_timesOutOnSilentServer() throws {
        let silent = try SilentListener()
        defer { silent.close() }
        var slow = ClientRequest(url: HTTPURL(string: "http://127.0.0.1:\(silent.port)/v2/")!)
        slow.totalTimeout = 0.3
        let started = Date()
        XCTAssertThrowsError(try HTTPClient().send(slow)) { error in
            XCTAssertEqual((error as? TransportError)?.kind, .timeout)
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 3)
    }

    func testAsyncSend_returnsResponse() async throws {
        let response = try await HTTPClient().send(request("/v2/"))
        XCTAssertEqual(response.status, 200)
    }

    func testAsyncSend_cancellationEndsTransfer() async throws {
        let silent = try SilentListener()
        defer { silent.close() }
        var slow = ClientRequest(url: HTTPURL(string: "http://127.0.0.1:\(silent.port)/v2/")!)
        slow.totalTimeout = 30
        let task = Task { try await HTTPClient().send(slow) }
        try await Task.sleep(for: .milliseconds(200))
        let started = Date()
        task.cancel()
        let result = await task.result
        XCTAssertEqual(result.transportErrorKind, .cancelled)
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
    }
}

private extension Result where Failure == any Error {
    var transportErrorKind: TransportError.Kind? {
        guard case .failure(let error) = self else { return nil }
        return (error as? TransportError)?.kind
    }
}

/// A TCP socket on 127.0.0.1 that listens but never accepts, so the kernel completes connections and requests
/// then get no response.
private final class SilentListener {
    let port: Int
    private let descriptor: Int32

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.descriptor = descriptor
        var address = LocalDistributionRegistry.loopbackAddress(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0 && listen(descriptor, 8) == 0
                    && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        guard listening else { throw POSIXError(.EADDRINUSE) }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() {
        Glibc.close(descriptor)
    }
}
