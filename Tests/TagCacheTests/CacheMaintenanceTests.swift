import Foundation
import XCTest

@testable import TagCache

/// Per-registry windows, refresh-ahead, batched reads and eviction, with a manual clock.
final class CacheMaintenanceTests: XCTestCase {
    private let reference = ImageReference(registry: "registry.example.com", path: "team/app")
    private let policy = CachePolicy(ttl: 60, staleWhileRevalidate: 120, staleIfError: 600)
    private let clock = ManualClock()
    private var store: SQLiteTagStore!

    private func makeService(
        fetcher: ScriptedFetcher, maintenance: CacheMaintenance = CacheMaintenance(),
        policy: (@Sendable (String) -> CachePolicy)? = nil
    ) throws -> TagCacheService {
        let directory = try StoreTestDirectory.make(for: self)
        store = try SQLiteTagStore(path: directory.appending(path: "cache.sqlite").path)
        let defaultPolicy = self.policy
        let clock = self.clock
        return TagCacheService(
            store: store, fetcher: fetcher, policy: policy ?? { _ in defaultPolicy }, clock: { clock.now },
            jitter: { 0 }, maintenance: maintenance, log: Log(minimumLevel: .error))
    }

    private func reference(_ path: String) -> ImageReference {
        ImageReference(registry: "registry.example.com", path: path)
    }

    // MARK: Configuration

    func testConfiguration_readsCacheKeys() throws {
        let json = #"""
            {"cache": {"ttl": "5m", "negative_ttl": "2m", "refresh_ahead": "20s", "inactive": "7d", "max_entries": 500}}
            """#
        let configuration = try Configuration.decode(Data(json.utf8), source: "test.json")

        XCTAssertEqual(configuration.cache.ttl, 300)
        XCTAssertEqual(configuration.cache.negativeTTL, 120)
        XCTAssertEqual(configuration.maintenance, CacheMaintenance(refreshAhead: 20, inactive: 604_800, maxEntries: 500))
    }

    func testConfiguration_defaultsOfNewKeys() {
        let configuration = Configuration()

        XCTAssertEqual(configuration.cache.negativeTTL, 60)
        XCTAssertEqual(configuration.maintenance.refreshAhead, 30)
        XCTAssertEqual(configuration.maintenance.inactive, 2_592_000)
        XCTAssertNil(configuration.maintenance.maxEntries)
    }

    func testConfiguration_registryOverridesWindows() throws {
        let json = #"""
            {
              "cache": {"ttl": "10m", "stale_while_revalidate": "1h", "stale_if_error": "1d"},
              "registries": {
                "ghcr.io": {"ttl": "1m", "stale_if_error": "2h"},
                "127.0.0.1:5000": {"plain_http": true, "stale_while_revalidate": "30s"}
              }
            }
            """#
        let configuration = try Configuration.decode(Data(json.utf8), source: "test.json")

        XCTAssertEqual(
            configuration.cachePolicy(for: "ghcr.io"), CachePolicy(ttl: 60, staleWhileRevalidate: 3600, staleIfError: 7200))
        XCTAssertEqual(
            configuration.cachePolicy(for: "127.0.0.1:5000"),
            CachePolicy(ttl: 600, staleWhileRevalidate: 30, staleIfError: 86_400))
        XCTAssertEqual(configuration.cachePolicy(for: "docker.io"), configuration.cache)
        XCTAssertTrue(configuration.settings(for: "127.0.0.1:5000").plainHTTP)
        XCTAssertNil(configuration.cacheOverrides["docker.io"])
    }

    func testConfiguration_rejectsInvalidOverride() {
        let json = #"{"registries": {"ghcr.io": {"ttl": "soon"}}}"#

        XCTAssertThrowsError(try Configuration.decode(Data(json.utf8), source: "test.json")) { error in
            XCTAssertTrue("\(error)".contains("\"registries.ghcr.io.ttl\""), "\(error)")
        }
    }

    func testConfiguration_rejectsMaxEntriesZero() {
        let json = #"{"cache": {"max_entries": 0}}"#

        XCTAssertThrowsError(try Configuration.decode(Data(json.utf8), source: "test.json")) { error in
            XCTAssertTrue("\(error)".contains("\"cache.max_entries\""), "\(error)")
        }
    }

    func testService_usesPolicyOfEachRegistry() async throws {
        var configuration = Configuration()
        configuration.cache = policy
        configuration.cacheOverrides["short.example.com"] = CachePolicyOverride(ttl: 5)
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let service = try makeService(fetcher: fetcher, policy: { [configuration] in configuration.cachePolicy(for: $0) })
        let short = ImageReference(registry: "short.example.com", path: "team/app")

        let shortAnswer = try await service.tags(for: short)
        let longAnswer = try await service.tags(for: reference)

        XCTAssertEqual(shortAnswer.entry.expiresAt, clock.now.addingTimeInterval(5))
        XCTAssertEqual(longAnswer.entry.expiresAt, clock.now.addingTimeInterval(60))
        XCTAssertEqual(shortAnswer.policy.ttl, 5)
    }

    // MARK: Refresh-ahead

    func testRefreshAhead_readInsideLeadStartsRefresh() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let service = try makeService(
            fetcher: fetcher, maintenance: CacheMaintenance(refreshAhead: 10, inactive: 86_400, maxEntries: nil))
        let first = try await service.tags(for: reference)

        clock.advance(by: 49.999)
        _ = try await service.tags(for: reference)
        await service.waitForRefreshes()
        let callsBeforeLead = fetcher.calls
        clock.advance(by: 0.001)
        let atLead = try await service.tags(for: reference)
        await service.waitForRefreshes()

        XCTAssertEqual(callsBeforeLead, 1)
        XCTAssertEqual(atLead.source, .fresh)
        XCTAssertEqual(fetcher.calls, 2)
        XCTAssertEqual(try store.entry(for: reference)?.expiresAt, first.entry.expiresAt.addingTimeInterval(50))
    }

    func testRefreshAhead_keepsHotEntryFresh() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let service = try makeService(
            fetcher: fetcher, maintenance: CacheMaintenance(refreshAhead: 10, inactive: 86_400, maxEntries: nil))
        _ = try await service.tags(for: reference)

        var sources: [CacheAnswer.Source] = []
        for _ in 0..<120 {
            clock.advance(by: 7)
            sources.append(try await service.tags(for: reference).source)
            await service.waitForRefreshes()
        }

        XCTAssertEqual(sources.filter { $0 != .fresh }, [])
        XCTAssertGreaterThanOrEqual(fetcher.calls, 14)
    }

    func testRefreshAhead_lastLeadIsHalfTheTTL() {
        let maintenance = CacheMaintenance(refreshAhead: 30, inactive: 1, maxEntries: nil)

        XCTAssertEqual(maintenance.refreshAheadLead(CachePolicy(ttl: 2, staleWhileRevalidate: 0, staleIfError: 0)), 1)
        XCTAssertEqual(maintenance.refreshAheadLead(CachePolicy(ttl: 600, staleWhileRevalidate: 0, staleIfError: 0)), 30)
    }

    func testRefreshAheadSweep_refreshesEntryReadSinceFetch() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let service = try makeService(
            fetcher: fetcher, maintenance: CacheMaintenance(refreshAhead: 10, inactive: 86_400, maxEntries: nil))
        _ = try await service.tags(for: reference)
        _ = try await service.tags(for: reference("team/unread"))
        clock.advance(by: 1)
        _ = try await service.tags(for: reference)
        // The miss of team/unread counted as a read; this sweep writes it and finds nothing due yet.
        service.refreshAhead()
        try store.recordReads([])

        clock.advance(by: 48.999)
        service.refreshAhead()
        await service.waitForRefreshes()
        let callsBeforeLead = fetcher.calls
        clock.advance(by: 0.001)
        service.refreshAhead()
        await service.waitForRefreshes()

        XCTAssertEqual(callsBeforeLead, 2)
        XCTAssertEqual(fetcher.calls, 4, "both entries were read since their fetch")
        XCTAssertEqual(try store.entry(for: reference)?.expiresAt, clock.now.addingTimeInterval(60))
    }

    func testRefreshAheadSweep_skipsUnreadEntry() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let service = try makeService(
            fetcher: fetcher, maintenance: CacheMaintenance(refreshAhead: 10, inactive: 86_400, maxEntries: nil))
        _ = try await service.forceRefresh(reference)

        clock.advance(by: 55)
        service.refreshAhead()
        await service.waitForRefreshes()

        XCTAssertEqual(fetcher.calls, 1)
    }

    func testRefreshAheadSweep_skipsExpiredEntries() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let service = try makeService(
            fetcher: fetcher, maintenance: CacheMaintenance(refreshAhead: 10, inactive: 86_400, maxEntries: nil))
        _ = try await service.tags(for: reference)
        service.flushReads()

        clock.advance(by: 3600)
        service.refreshAhead()
        await service.waitForRefreshes()

        XCTAssertEqual(fetcher.calls, 1, "an expired entry waits for its next read, as after a restart")
    }

    // MARK: Reads

    func testReads_areWrittenInBatches() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let service = try makeService(fetcher: fetcher)
        _ = try await service.tags(for: reference)
        clock.advance(by: 5)
        _ = try await service.tags(for: reference)
        clock.advance(by: 5)
        _ = try await service.tags(for: reference)
        let beforeFlush = try XCTUnwrap(try store.entry(for: reference))

        service.flushReads()
        let afterFlush = try XCTUnwrap(try store.entry(for: reference))

        XCTAssertEqual(beforeFlush.readCount, 0)
        XCTAssertNil(beforeFlush.lastReadAt)
        XCTAssertEqual(afterFlush.readCount, 3)
        XCTAssertEqual(afterFlush.lastReadAt, clock.now)
    }

    func testRecordReads_neverMovesLastReadBack() throws {
        let directory = try StoreTestDirectory.make(for: self)
        let store = try SQLiteTagStore(path: directory.appending(path: "cache.sqlite").path)
        let time = clock.now
        try store.replaceTags(["1.0"], for: reference, fetchedAt: time, expiresAt: time.addingTimeInterval(60))

        try store.recordReads([EntryReads(reference: reference, lastReadAt: time.addingTimeInterval(10), count: 2)])
        try store.recordReads([EntryReads(reference: reference, lastReadAt: time.addingTimeInterval(5), count: 1)])

        let entry = try XCTUnwrap(try store.entry(for: reference))
        XCTAssertEqual(entry.lastReadAt, time.addingTimeInterval(10))
        XCTAssertEqual(entry.readCount, 3)
    }

    // MARK: Eviction

    func testEvict_removesEntriesInactiveLongerThanLimit() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let service = try makeService(
            fetcher: fetcher, maintenance: CacheMaintenance(refreshAhead: 0, inactive: 1000, maxEntries: nil))
        _ = try await service.forceRefresh(reference("team/idle"))
        _ = try await service.forceRefresh(reference("team/busy"))
        clock.advance(by: 500)
        _ = try await service.tags(for: reference("team/busy"))

        clock.advance(by: 500)
        service.evict()
        let atLimit = try store.allEntries().map(\.reference.path)
        clock.advance(by: 0.001)
        service.evict()
        let pastLimit = try store.allEntries().map(\.reference.path)

        XCTAssertEqual(atLimit, ["team/busy", "team/idle"])
        XCTAssertEqual(pastLimit, ["team/busy"])
    }

    func testEvict_keepsMaxEntriesMostRecentlyRead() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let service = try makeService(
            fetcher: fetcher, maintenance: CacheMaintenance(refreshAhead: 0, inactive: 86_400, maxEntries: 2))
        for path in ["team/a", "team/b", "team/c"] {
            _ = try await service.tags(for: reference(path))
            clock.advance(by: 1)
        }
        _ = try await service.tags(for: reference("team/a"))
        clock.advance(by: 1)
        _ = try await service.tags(for: reference("team/c"))

        service.evict()

        XCTAssertEqual(try store.allEntries().map(\.reference.path), ["team/a", "team/c"])
    }

    func testMaxEntries_holdWhenNewEntryIsStored() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let service = try makeService(
            fetcher: fetcher, maintenance: CacheMaintenance(refreshAhead: 0, inactive: 86_400, maxEntries: 2))
        for path in ["team/a", "team/b"] {
            _ = try await service.tags(for: reference(path))
            clock.advance(by: 1)
        }
        _ = try await service.tags(for: reference("team/a"))
        clock.advance(by: 1)

        _ = try await service.tags(for: reference("team/c"))
        let afterThird = try store.allEntries().map(\.reference.path)
        XCTAssertTrue(try service.purge(reference("team/a")))
        clock.advance(by: 1)
        _ = try await service.tags(for: reference("team/d"))
        let afterPurgeAndFourth = try store.allEntries().map(\.reference.path)
        clock.advance(by: 1)
        _ = try await service.tags(for: reference("team/e"))
        let afterFifth = try store.allEntries().map(\.reference.path)

        XCTAssertEqual(afterThird, ["team/a", "team/c"])
        XCTAssertEqual(afterPurgeAndFourth, ["team/c", "team/d"])
        XCTAssertEqual(afterFifth, ["team/d", "team/e"])
    }

    func testEvict_removesOldFailedLookups() async throws {
        let fetcher = ScriptedFetcher()
        fetcher.fail(with: FetchError(.nameUnknown, "repository team/app not found"))
        let service = try makeService(fetcher: fetcher)
        _ = try? await service.tags(for: reference)

        clock.advance(by: 60 + 3600)
        service.evict()
        let kept = try store.failedLookup(for: reference)
        clock.advance(by: 0.001)
        service.evict()

        XCTAssertNotNil(kept)
        XCTAssertNil(try store.failedLookup(for: reference))
    }
}
