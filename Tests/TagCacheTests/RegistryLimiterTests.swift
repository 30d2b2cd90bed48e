import Foundation
import Synchronization
import XCTest

@testable import TagCache

/// Per-registry concurrency, request rate, priority and `429` back-off of `RegistryLimiter`, driven through
/// `LimitedFetcher` and `RegistryClient` against `FixtureRegistry`.
final class RegistryLimiterTests: XCTestCase {
    private var registries: [FixtureRegistry] = []
    private var directories: [URL] = []

    override func tearDown() {
        for registry in registries {
            registry.stop()
        }
        registries = []
        for directory in directories {
            try? FileManager.default.removeItem(at: directory)
        }
        directories = []
    }

    private func startRegistry(repositories: Int) throws -> FixtureRegistry {
        let registry = try FixtureRegistry()
        registries.append(registry)
        for index in 0..<repositories {
            registry.setTags(["v1", "v2"], repository: Self.repository(index))
        }
        return registry
    }

    private static func repository(_ index: Int) -> String {
        "team/app\(index)"
    }

    private func makeFetcher(concurrency: Int, rate: Double) -> (LimitedFetcher, RegistryLimiter) {
        var settings = RegistrySettings()
        settings.plainHTTP = true
        settings.allow = true
        settings.connectTimeout = 5
        settings.requestTimeout = 10
        settings.concurrency = concurrency
        settings.rate = rate
        settings.retry.initialBackoff = 0.05
        let fixed = settings
        let limiter = RegistryLimiter(settings: { _ in fixed })
        let client = RegistryClient(settings: { _ in fixed }, limiter: limiter, log: Log(minimumLevel: .error))
        return (LimitedFetcher(client, limiter: limiter), limiter)
    }

    /// Returns the most requests that arrived within any half-open second `[t, t + 1 s)`.
    private func maxRequestsPerSecond(_ requests: [FixtureRegistry.RecordedRequest]) -> Int {
        let times = requests.map(\.receivedAt).sorted()
        var most = 0
        var first = 0
        for last in times.indices {
            while times[last] - times[first] >= .seconds(1) {
                first += 1
            }
            most = max(most, last - first + 1)
        }
        return most
    }

    func testRate_burstOf500MissesAcross50Repositories() async throws {
        let registry = try startRegistry(repositories: 50)
        let (fetcher, _) = makeFetcher(concurrency: 4, rate: 20)
        let directory = try ScratchDirectory.create(prefix: "limiter")
        directories.append(directory)
        let store = try SQLiteTagStore(path: directory.appendingPathComponent("cache.sqlite").path)
        let service = TagCacheService(
            store: store, fetcher: fetcher, policy: { _ in CachePolicy(ttl: 600, staleWhileRevalidate: 0, staleIfError: 0) },
            log: Log(minimumLevel: .error))
        let authority = registry.authority

        let answered = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<500 {
                group.addTask {
                    let reference = ImageReference(registry: authority, path: Self.repository(index % 50))
                    return (try? await service.tags(for: reference))?.entry.tags == ["v1", "v2"]
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }

        XCTAssertEqual(answered, 500)
        XCTAssertEqual(registry.requests(of: .tagsList).count, 50)
        XCTAssertEqual(registry.requestCount, 50, "one page and no probe per repository")
        XCTAssertLessThanOrEqual(maxRequestsPerSecond(registry.requests), 20)
        // 50 requests spaced by at least 1 / 20 s take at least 49 / 20 s.
        let times = registry.requests.map(\.receivedAt)
        XCTAssertGreaterThanOrEqual(times.max()! - times.min()!, .seconds(2.4))
    }

    func testConcurrency_neverExceedsLimit() async throws {
        let registry = try startRegistry(repositories: 12)
        registry.injectFault(.delay(seconds: 0.2), count: 1000, on: .tagsList)
        let (fetcher, _) = makeFetcher(concurrency: 3, rate: 0)
        let authority = registry.authority

        let fetched = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<12 {
                group.addTask {
                    let reference = ImageReference(registry: authority, path: Self.repository(index))
                    return (try? await fetcher.listTags(of: reference)) != nil
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }

        XCTAssertEqual(fetched, 12)
        XCTAssertEqual(registry.maxDelayedInFlight, 3)
    }

    func testPriority_waitingClientsBeforeBackgroundRefreshes() async throws {
        let registry = try startRegistry(repositories: 6)
        registry.injectFault(.delay(seconds: 0.5), count: 1, on: .tagsList)
        let (fetcher, limiter) = makeFetcher(concurrency: 1, rate: 0)
        let authority = registry.authority
        let references = (0..<6).map { ImageReference(registry: authority, path: Self.repository($0)) }

        // Repository 0 holds the only slot while the others queue: 1 to 3 in the background, then 4 and 5.
        var tasks: [Task<Void, Never>] = []
        let held = references[0]
        tasks.append(Task { _ = try? await fetcher.listTags(of: held) })
        try await waitUntil { limiter.load(of: authority).running == 1 }
        for index in 1...5 {
            let priority: FetchPriority = index <= 3 ? .background : .interactive
            let reference = references[index]
            tasks.append(
                Task {
                    await FetchPriority.$current.withValue(priority) {
                        _ = try? await fetcher.listTags(of: reference)
                    }
                })
            try await waitUntil { limiter.load(of: authority).waiting == index }
        }
        for task in tasks {
            await task.value
        }

        let order = registry.requests(of: .tagsList).map(\.path)
        let expected = [0, 4, 5, 1, 2, 3].map { "/v2/\(Self.repository($0))/tags/list" }
        XCTAssertEqual(order, expected)
    }

    func testRateLimited_429HalvesRate() async throws {
        let registry = try startRegistry(repositories: 1)
        registry.injectFault(.tooManyRequests(retryAfterSeconds: 0), on: .tagsList)
        let (fetcher, limiter) = makeFetcher(concurrency: 4, rate: 20)

        let fetched = try await fetcher.listTags(of: ImageReference(registry: registry.authority, path: Self.repository(0)))

        XCTAssertEqual(fetched.tags, ["v1", "v2"])
        XCTAssertEqual(limiter.currentRate(for: registry.authority), 10)
    }

    func testRateLimited_recoversStepByStep() async throws {
        let limiter = RegistryLimiter(limits: { _ in .init(concurrency: 4, rate: 20) }, recoveryInterval: 0.3)

        limiter.recordRateLimited(registry: "r.example")
        limiter.recordRateLimited(registry: "r.example")
        XCTAssertEqual(limiter.currentRate(for: "r.example"), 10, "a second 429 within a second halves nothing")

        try await Task.sleep(for: .milliseconds(350))
        XCTAssertEqual(limiter.currentRate(for: "r.example"), 12, accuracy: 0.001)
        try await Task.sleep(for: .milliseconds(300))
        XCTAssertEqual(limiter.currentRate(for: "r.example"), 14, accuracy: 0.001)
        try await Task.sleep(for: .milliseconds(900))
        XCTAssertEqual(limiter.currentRate(for: "r.example"), 20)
    }

    func testRateLimited_unlimitedRegistryHalvesObservedRate() async throws {
        let limiter = RegistryLimiter(limits: { _ in .init(concurrency: 4, rate: 0) }, recoveryInterval: 10)
        for _ in 0..<30 {
            let granted = await limiter.acquireRequest(registry: "r.example")
            XCTAssertTrue(granted)
        }

        limiter.recordRateLimited(registry: "r.example")

        XCTAssertEqual(limiter.currentRate(for: "r.example"), 15)
    }

    func testRateLimited_rateNeverBelowMinimum() {
        let limiter = RegistryLimiter(limits: { _ in .init(concurrency: 4, rate: 0.15) }, recoveryInterval: 10)

        limiter.recordRateLimited(registry: "r.example")

        XCTAssertEqual(limiter.currentRate(for: "r.example"), RegistryLimiter.minimumRate)
    }

    func testSlot_cancelledWaiterLeavesQueue() async throws {
        let limiter = RegistryLimiter(limits: { _ in .init(concurrency: 1, rate: 0) })
        let first = await limiter.acquireSlot(registry: "r.example", priority: .interactive)
        XCTAssertTrue(first)

        let waiter = Task { await limiter.acquireSlot(registry: "r.example", priority: .interactive) }
        try await waitUntil { limiter.load(of: "r.example").waiting == 1 }
        waiter.cancel()
        let granted = await waiter.value

        XCTAssertFalse(granted)
        XCTAssertEqual(limiter.load(of: "r.example").waiting, 0)
        limiter.releaseSlot(registry: "r.example")
        XCTAssertEqual(limiter.load(of: "r.example").running, 0)
    }

    private func waitUntil(timeout: Double = 5, _ condition: () -> Bool) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition() {
            guard Date() < deadline else {
                XCTFail("condition not met within \(timeout) s")
                return
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}
