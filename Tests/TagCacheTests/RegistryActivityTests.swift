import Foundation
import XCTest

@testable import TagCache

/// Per-registry requests, fetches and rate-limit headers: collected by `RegistryStats`, written in batches by the
/// service, stored by `SQLiteTagStore`, and shown by `/metrics` and the status report.
final class RegistryActivityTests: XCTestCase {
    private let registryName = "registry.example.com"
    private var registries: [FixtureRegistry] = []

    override func tearDown() {
        for registry in registries {
            registry.stop()
        }
        registries = []
    }

    private func makeStore() throws -> SQLiteTagStore {
        let directory = try StoreTestDirectory.make(for: self)
        return try SQLiteTagStore(path: directory.appending(path: "cache.sqlite").path)
    }

    private func startRegistry(_ configuration: FixtureRegistry.Configuration = .init()) throws -> FixtureRegistry {
        let registry = try FixtureRegistry(configuration)
        registries.append(registry)
        registry.setTags(["b", "a"], repository: "team/app")
        return registry
    }

    /// Returns a service over a real `RegistryClient` aimed at `registry`, sharing `stats` with it.
    private func makeService(
        _ registry: FixtureRegistry, store: SQLiteTagStore, stats: RegistryStats
    ) -> TagCacheService {
        var settings = RegistrySettings()
        settings.plainHTTP = true
        settings.allow = true
        settings.connectTimeout = 2
        settings.requestTimeout = 5
        settings.retry.initialBackoff = 0.01
        let fixed = settings
        let log = Log(minimumLevel: .error)
        let client = RegistryClient(settings: { _ in fixed }, stats: stats, log: log)
        let policy = CachePolicy(ttl: 60, staleWhileRevalidate: 0, staleIfError: 0)
        return TagCacheService(
            store: store, fetcher: client, policy: { _ in policy }, jitter: { 0 }, registryStats: stats, log: log)
    }

    private func date(_ seconds: Double) -> Date {
        Date(timeIntervalSince1970: 1_700_000_000 + seconds)
    }

    // MARK: Store

    func testStore_addsBatchesToTotals() throws {
        let store = try makeStore()
        var first = RegistryActivity(registry: registryName)
        first.requests = 3
        first.responses = [200: 2, 401: 1]
        first.fetches = 1
        var second = RegistryActivity(registry: registryName)
        second.requests = 2
        second.responses = [200: 1, 0: 1]
        second.retries = 1
        second.rateLimited = 0
        second.fetches = 2
        second.errors = 1

        try store.recordRegistryActivity([first], at: date(0))
        try store.recordRegistryActivity([second], at: date(0))
        let totals = try XCTUnwrap(store.allRegistryActivity().first)

        XCTAssertEqual(totals.requests, 5)
        XCTAssertEqual(totals.responses, [0: 1, 200: 3, 401: 1])
        XCTAssertEqual(totals.retries, 1)
        XCTAssertEqual(totals.fetches, 3)
        XCTAssertEqual(totals.errors, 1)
    }

    func testStore_latestValuesNeverMoveBack() throws {
        let store = try makeStore()
        var newer = RegistryActivity(registry: registryName)
        newer.lastRequestAt = date(20)
        newer.lastError = "newer error"
        newer.lastErrorAt = date(20)
        newer.rateLimit = RegistryActivity.RateLimit(limit: "100;w=21600", remaining: "40", observedAt: date(20))
        var older = RegistryActivity(registry: registryName)
        older.lastRequestAt = date(10)
        older.lastError = "older error"
        older.lastErrorAt = date(10)
        older.rateLimit = RegistryActivity.RateLimit(limit: "100;w=21600", remaining: "90", observedAt: date(10))
        let withoutTimes = RegistryActivity(registry: registryName)

        try store.recordRegistryActivity([newer], at: date(0))
        try store.recordRegistryActivity([older], at: date(0))
        try store.recordRegistryActivity([withoutTimes], at: date(0))
        let totals = try XCTUnwrap(store.allRegistryActivity().first)

        XCTAssertEqual(totals.lastRequestAt, date(20))
        XCTAssertEqual(totals.lastError, "newer error")
        XCTAssertEqual(totals.lastErrorAt, date(20))
        XCTAssertEqual(totals.rateLimit?.remaining, "40")
        XCTAssertEqual(totals.rateLimit?.observedAt, date(20))
    }

    func testStore_registryWithoutErrorsHasNullLatestValues() throws {
        let store = try makeStore()
        var activity = RegistryActivity(registry: registryName)
        activity.fetches = 1

        try store.recordRegistryActivity([activity], at: date(0))
        try store.recordRegistryActivity([activity], at: date(0))
        let totals = try store.allRegistryActivity()

        XCTAssertEqual(totals.count, 1)
        XCTAssertEqual(totals.first?.fetches, 2)
        XCTAssertNil(totals.first?.lastRequestAt)
        XCTAssertNil(totals.first?.lastErrorAt)
        XCTAssertNil(totals.first?.rateLimit)
    }

    func testStore_removesRegistriesNotUpdatedSinceTime() throws {
        let store = try makeStore()
        var old = RegistryActivity(registry: "old.example.com")
        old.responses = [200: 1]
        var recent = RegistryActivity(registry: registryName)
        recent.responses = [200: 2]
        try store.recordRegistryActivity([old, recent], at: date(0))
        try store.recordRegistryActivity([recent], at: date(100))

        let removed = try store.removeRegistryActivity(updatedBefore: date(50))
        try store.recordRegistryActivity([old], at: date(200))
        let totals = try store.allRegistryActivity()

        XCTAssertEqual(removed, 1)
        XCTAssertEqual(totals.map(\.registry), ["old.example.com", registryName])
        XCTAssertEqual(totals.first?.responses, [200: 1], "the removed registry's responses must not come back")
        XCTAssertEqual(totals.last?.responses, [200: 4])
    }

    // MARK: RegistryStats

    func testStats_registriesBeyondLimitShareOneName() {
        let stats = RegistryStats(maxRegistries: 2)
        for registry in ["a.example.com", "b.example.com", "c.example.com", "d.example.com", "a.example.com"] {
            stats.recordFetch(registry: registry, error: nil, at: date(0))
        }

        let batch = stats.drainActivity()

        XCTAssertEqual(batch.map(\.registry), [RegistryStats.otherRegistries, "a.example.com", "b.example.com"])
        XCTAssertEqual(batch.map(\.fetches), [2, 2, 1])
        XCTAssertEqual(stats.recordedName(of: "b.example.com"), "b.example.com")
        XCTAssertEqual(stats.recordedName(of: "e.example.com"), RegistryStats.otherRegistries)
    }

    func testStats_drainReturnsIncrementsOnce() {
        let stats = RegistryStats()
        stats.recordRequest(registry: registryName, status: 200, seconds: 0.01, at: date(1))
        stats.recordRequest(registry: registryName, status: 429, seconds: 0.02, at: date(2))
        stats.recordRequest(registry: registryName, status: nil, seconds: 0.03, at: date(3))
        stats.recordRetry(registry: registryName)
        stats.recordFetch(registry: registryName, error: "registry down", at: date(4))

        let batch = stats.drainActivity()
        let again = stats.drainActivity()

        XCTAssertEqual(batch.count, 1)
        XCTAssertEqual(batch.first?.requests, 3)
        XCTAssertEqual(batch.first?.responses, [0: 1, 200: 1, 429: 1])
        XCTAssertEqual(batch.first?.rateLimited, 1)
        XCTAssertEqual(batch.first?.retries, 1)
        XCTAssertEqual(batch.first?.fetches, 1)
        XCTAssertEqual(batch.first?.errors, 1)
        XCTAssertEqual(batch.first?.lastRequestAt, date(3))
        XCTAssertEqual(batch.first?.lastError, "registry down")
        XCTAssertEqual(again, [])
        XCTAssertEqual(stats.requestTotals()[registryName]?.responses, [0: 1, 200: 1, 429: 1])
        XCTAssertEqual(stats.requestTotals()[registryName]?.latency.count, 3)
    }

    func testStats_restoreMergesWithLaterIncrements() {
        let stats = RegistryStats()
        stats.recordFetch(registry: registryName, error: "first", at: date(1))
        let failedBatch = stats.drainActivity()
        stats.recordFetch(registry: registryName, error: "second", at: date(2))

        stats.restoreActivity(failedBatch)
        let merged = stats.drainActivity()

        XCTAssertEqual(merged.first?.fetches, 2)
        XCTAssertEqual(merged.first?.errors, 2)
        XCTAssertEqual(merged.first?.lastError, "second")
    }

    // MARK: Service against a fixture registry

    func testService_writesRequestsAndFetchesOfRealClient() async throws {
        let registry = try startRegistry()
        registry.injectFault(.serviceUnavailable, count: 1, on: .tagsList)
        let store = try makeStore()
        let stats = RegistryStats()
        let service = makeService(registry, store: store, stats: stats)

        _ = try await service.tags(for: ImageReference(registry: registry.authority, path: "team/app"))
        _ = try? await service.tags(for: ImageReference(registry: registry.authority, path: "team/gone"))
        service.flushPendingWrites()
        let totals = try XCTUnwrap(store.allRegistryActivity().first)
        let received = registry.requests(of: .probe).count + registry.requests(of: .tagsList).count

        XCTAssertEqual(totals.registry, registry.authority)
        XCTAssertEqual(totals.requests, received)
        XCTAssertEqual(totals.responses[503], 1)
        XCTAssertEqual(totals.responses[404], 1)
        XCTAssertEqual(totals.responses.values.reduce(0, +), received)
        XCTAssertEqual(totals.retries, 1)
        XCTAssertEqual(totals.fetches, 2)
        XCTAssertEqual(totals.errors, 1)
        XCTAssertTrue(totals.lastError?.contains("team/gone") ?? false, totals.lastError ?? "nil")
        XCTAssertNotNil(totals.lastRequestAt)
    }

    func testService_storesRateLimitHeadersAnd429() async throws {
        var configuration = FixtureRegistry.Configuration()
        configuration.extraHeaders = [("ratelimit-limit", "100;w=21600"), ("ratelimit-remaining", "76;w=21600")]
        let registry = try startRegistry(configuration)
        registry.injectFault(.tooManyRequests(retryAfterSeconds: 0), count: 1, on: .tagsList)
        let store = try makeStore()
        let service = makeService(registry, store: store, stats: RegistryStats())

        _ = try await service.tags(for: ImageReference(registry: registry.authority, path: "team/app"))
        service.flushPendingWrites()
        let totals = try XCTUnwrap(store.allRegistryActivity().first)

        XCTAssertEqual(totals.rateLimited, 1)
        XCTAssertEqual(totals.responses[429], 1)
        XCTAssertEqual(totals.rateLimit?.limit, "100;w=21600")
        XCTAssertEqual(totals.rateLimit?.remaining, "76;w=21600")
    }

    func testMetrics_countRequestsByStatusWithLatency() async throws {
        let registry = try startRegistry()
        let store = try makeStore()
        let service = makeService(registry, store: store, stats: RegistryStats())
        _ = try await service.tags(for: ImageReference(registry: registry.authority, path: "team/app"))
        _ = try? await service.tags(for: ImageReference(registry: registry.authority, path: "team/gone"))
        let received = registry.requests(of: .probe).count + registry.requests(of: .tagsList).count

        let lines = Set(service.metricsText().split(separator: "\n").map(String.init))
        let name = "registry=\"\(registry.authority)\""

        XCTAssertTrue(lines.contains("tagcache_upstream_requests_total{\(name),status=\"404\"} 1"), "\(lines)")
        XCTAssertTrue(
            lines.contains("tagcache_upstream_requests_total{\(name),status=\"200\"} \(received - 1)"), "\(lines)")
        XCTAssertTrue(lines.contains("tagcache_upstream_request_seconds_count{\(name)} \(received)"), "\(lines)")
        XCTAssertTrue(
            lines.contains("tagcache_upstream_request_seconds_bucket{\(name),le=\"+Inf\"} \(received)"), "\(lines)")
    }

    func testMetrics_reportQueueLengthByPriority() async throws {
        let limiter = RegistryLimiter(limits: { _ in RegistryLimiter.Limits(concurrency: 1, rate: 0) })
        let name = registryName
        let holder = await limiter.acquireSlot(registry: name, priority: .interactive)
        let waiter = Task { await limiter.acquireSlot(registry: name, priority: .background) }
        while limiter.load(of: name).waiting == 0 {
            await Task.yield()
        }
        let store = try makeStore()
        let service = TagCacheService(
            store: store, fetcher: ScriptedFetcher(), policy: { _ in CachePolicy(ttl: 60, staleWhileRevalidate: 0, staleIfError: 0) }, limiter: limiter,
            log: Log(minimumLevel: .error))

        let lines = Set(service.metricsText().split(separator: "\n").map(String.init))
        limiter.releaseSlot(registry: name)
        let waiterGotSlot = await waiter.value

        XCTAssertTrue(holder)
        XCTAssertTrue(waiterGotSlot)
        XCTAssertTrue(lines.contains("tagcache_refresh_queue_length{priority=\"background\"} 1"), "\(lines)")
        XCTAssertTrue(lines.contains("tagcache_refresh_queue_length{priority=\"interactive\"} 0"), "\(lines)")
    }

    // MARK: Status report

    func testStatusReport_showsRegistries() throws {
        let store = try makeStore()
        var activity = RegistryActivity(registry: registryName)
        activity.requests = 4
        activity.responses = [200: 3, 0: 1]
        activity.fetches = 2
        activity.errors = 1
        activity.lastError = "cannot reach registry"
        activity.lastErrorAt = date(0)
        activity.rateLimit = RegistryActivity.RateLimit(limit: "100", remaining: "7", observedAt: date(0))
        try store.recordRegistryActivity([activity], at: date(0))

        let report = try StatusReport(store: store, now: date(30))
        let document = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(report.json.utf8)) as? [String: Any])
        let registries = try XCTUnwrap(document["registries"] as? [[String: Any]])
        let tableLines = report.table.split(separator: "\n").map(String.init)

        XCTAssertEqual(registries.count, 1)
        XCTAssertEqual(registries.first?["registry"] as? String, registryName)
        XCTAssertEqual(registries.first?["requests"] as? Int, 4)
        XCTAssertEqual(registries.first?["responses"] as? [String: Int], ["200": 3, "none": 1])
        XCTAssertEqual(registries.first?["errors"] as? Int, 1)
        XCTAssertEqual(registries.first?["ratelimit_remaining"] as? String, "7")
        XCTAssertEqual(registries.first?["last_error_at"] as? String, RFC3339.format(date(0)))
        XCTAssertTrue(tableLines.contains { $0.hasPrefix("REGISTRY ") }, report.table)
        XCTAssertTrue(
            tableLines.contains {
                $0.hasPrefix(registryName) && $0.contains("none=1,200=3") && $0.contains("7/100 -30s")
                    && $0.hasSuffix("cannot reach registry")
            }, report.table)
    }
}
