import Foundation
import Synchronization
import XCTest

@testable import TagCache

/// Reuse of curl handles and connections by `HTTPClient`, and the thread bound of `BlockingThreadPool`.
final class ConnectionReuseTests: XCTestCase {
    private var registry: FixtureRegistry?

    override func tearDown() {
        registry?.stop()
        registry = nil
    }

    private func probeRequest(key: String?) throws -> ClientRequest {
        let registry = try FixtureRegistry()
        self.registry = registry
        var request = ClientRequest(url: try XCTUnwrap(HTTPURL(string: "http://\(registry.authority)/v2/")))
        request.connectionKey = key
        return request
    }

    func testHTTPClient_sameKeyReusesConnection() throws {
        let request = try probeRequest(key: "127.0.0.1")
        let client = HTTPClient()

        let first = try client.send(request)
        let second = try client.send(request)
        let third = try client.send(request)

        XCTAssertEqual(first.status, 200)
        XCTAssertEqual(first.newConnections, 1)
        XCTAssertEqual(second.newConnections, 0)
        XCTAssertEqual(third.newConnections, 0)
    }

    func testHTTPClient_withoutKeyOpensConnectionEachTime() throws {
        let request = try probeRequest(key: nil)
        let client = HTTPClient()

        let first = try client.send(request)
        let second = try client.send(request)

        XCTAssertEqual(first.newConnections, 1)
        XCTAssertEqual(second.newConnections, 1)
    }

    func testRegistryClient_pagesShareOneConnection() async throws {
        var configuration = FixtureRegistry.Configuration()
        configuration.pageSize = .fixed(2)
        let registry = try FixtureRegistry(configuration)
        self.registry = registry
        registry.setTags(["a", "b", "c", "d", "e", "f"], repository: "team/app")
        var settings = RegistrySettings()
        settings.plainHTTP = true
        settings.allow = true
        let fixed = settings
        let client = RegistryClient(settings: { _ in fixed }, log: Log(minimumLevel: .error))
        let reference = ImageReference(registry: registry.authority, path: "team/app")

        let fetched = try await client.listTags(of: reference)
        let again = try await client.listTags(of: reference)

        XCTAssertEqual(fetched.pages, 3)
        XCTAssertEqual(again.tags, ["a", "b", "c", "d", "e", "f"])
        XCTAssertEqual(registry.requestCount, 6, "three pages per fetch and no probe")
        // NOTE: the fixture cannot count connections; reuse itself is shown by the HTTPClient tests above.
    }

    func testThreadPool_neverExceedsMaxThreads() async {
        let pool = BlockingThreadPool(maxThreads: 4)
        let running = RunningCount()

        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<100 {
                group.addTask {
                    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                        pool.submit {
                            running.enter()
                            usleep(2_000)
                            running.leave()
                            continuation.resume()
                        }
                    }
                }
            }
        }

        XCTAssertEqual(running.most, 4)
        // A thread exits only after its job has resumed the waiting task.
        let deadline = Date().addingTimeInterval(5)
        while pool.runningThreads > 0 && Date() < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
        XCTAssertEqual(pool.runningThreads, 0)
    }
}

/// Counts jobs running at once and the most seen.
private final class RunningCount: Sendable {
    private let state = Mutex((now: 0, most: 0))

    func enter() {
        state.withLock { state in
            state.now += 1
            state.most = max(state.most, state.now)
        }
    }

    func leave() {
        state.withLock { $0.now -= 1 }
    }

    var most: Int { state.withLock { $0.most } }
}
