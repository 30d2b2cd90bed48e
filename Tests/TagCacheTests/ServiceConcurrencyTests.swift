import Foundation
import Synchronization
import XCTest

@testable import TagCache

/// The cache, routes and server together, against a fixture registry whose responses can be delayed.
final class ServiceConcurrencyTests: XCTestCase {
    func testHits_keepFlowingWhileHundredMissesWait() async throws {
        let registry = try FixtureRegistry()
        defer { registry.stop() }
        registry.setTags(["1.0", "latest"], repository: "team/hot")
        for index in 0..<100 {
            registry.setTags(["v\(index)"], repository: "team/cold\(index)")
        }

        let directory = try StoreTestDirectory.make(for: self)
        let store = try SQLiteTagStore(path: directory.appending(path: "cache.sqlite").path)
        var configuration = Configuration()
        configuration.addInsecureRegistry(registry.authority)
        let log = Log(minimumLevel: .error)
        let fetcher = RegistryClient(settings: { [configuration] in configuration.settings(for: $0) }, log: log)
        let cache = TagCacheService(store: store, fetcher: fetcher, policy: { _ in CachePolicy() }, log: log)
        let server = try HTTPServer(host: "127.0.0.1", port: 0, threads: 2, handler: Routes(cache: cache, log: log))
        defer { server.stop(gracePeriod: 1) }
        let base = "http://127.0.0.1:\(server.port)/v1/tags?reference=\(registry.authority)/team/"

        let warm = try await httpGet(base + "hot")
        XCTAssertEqual(warm.status, 200)

        registry.injectFault(.delay(seconds: 4), count: 100, on: .tagsList)
        let finishedMisses = Counter()
        let misses = Task {
            try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<100 {
                    group.addTask {
                        let status = try await httpGet(base + "cold\(index)").status
                        finishedMisses.increment()
                        return status
                    }
                }
                var statuses: [Int] = []
                for try await status in group {
                    statuses.append(status)
                }
                return statuses
            }
        }
        let deadline = Date().addingTimeInterval(10)
        while registry.requests(of: .tagsList).count < 101 && Date() < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        XCTAssertEqual(registry.requests(of: .tagsList).count, 101, "all 100 misses must reach the registry")

        for _ in 0..<20 {
            let hit = try await httpGet(base + "hot")
            XCTAssertEqual(hit.status, 200)
            XCTAssertEqual(hit.headers.values(for: "Cache-Status").first?.hasPrefix("tagcache; hit;"), true)
        }
        // Each miss waits 4 s at the registry, so hits that queued behind them would finish after them.
        XCTAssertEqual(finishedMisses.value, 0, "misses finished before the hits")
        XCTAssertEqual(registry.requests(of: .tagsList).count, 101, "hits must not reach the registry")

        let statuses = try await misses.value
        XCTAssertEqual(statuses.count, 100)
        XCTAssertEqual(Set(statuses), [200])
    }
}

/// A count shared between tasks.
final class Counter: Sendable {
    private let count = Mutex(0)

    var value: Int { count.withLock { $0 } }

    func increment() {
        count.withLock { $0 += 1 }
    }
}
