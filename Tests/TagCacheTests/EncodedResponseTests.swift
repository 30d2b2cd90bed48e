import Foundation
import XCTest

@testable import TagCache

/// Fresh hits answered from `EncodedResponseCache` through `Routes`, over a real SQLite file.
final class EncodedResponseTests: XCTestCase {
    private let reference = ImageReference(registry: "registry.example.com", path: "team/app")
    private let policy = CachePolicy(ttl: 60, staleWhileRevalidate: 120, staleIfError: 600)
    private let clock = ManualClock()
    private static let withoutRefreshAhead = CacheMaintenance(refreshAhead: 0, inactive: 86_400, maxEntries: nil)
    private var databasePath = ""

    private func makeRoutes(
        fetcher: ScriptedFetcher, encodedResponseBytes: Int = 1 << 20, changeCheckInterval: Duration = .zero,
        maintenance: CacheMaintenance = withoutRefreshAhead
    ) throws -> (routes: Routes, cache: TagCacheService, store: SQLiteTagStore) {
        if databasePath.isEmpty {
            databasePath = try StoreTestDirectory.make(for: self).appending(path: "cache.sqlite").path
        }
        let store = try SQLiteTagStore(path: databasePath)
        let policy = self.policy
        let clock = self.clock
        let cache = TagCacheService(
            store: store, fetcher: fetcher, policy: { _ in policy }, clock: { clock.now }, maintenance: maintenance,
            encodedResponseBytes: encodedResponseBytes, changeCheckInterval: changeCheckInterval,
            log: Log(minimumLevel: .error))
        return (Routes(cache: cache, log: Log(minimumLevel: .error), history: store), cache, store)
    }

    private func get(
        _ routes: Routes, query: [(name: String, value: String)] = [], headers: [String: String] = [:]
    ) async -> HTTPResponse {
        let request = HTTPRequest(
            method: "GET", path: "/v1/tags", query: [("reference", "registry.example.com/team/app")] + query,
            headers: headers)
        return await response(of: routes, to: request)
    }

    func testHit_equalsStoreRendering() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0", "1.1", "latest", "sha256-\u{e9}t\u{e9}\"\\"])
        let layered = try makeRoutes(fetcher: fetcher)
        let plain = try makeRoutes(fetcher: fetcher, encodedResponseBytes: 0)
        _ = await get(layered.routes)
        clock.advance(by: 7.4)
        let queries: [[(name: String, value: String)]] = [
            [], [("sort", "semver"), ("order", "desc")], [("include", "1.*"), ("limit", "1")], [("detail", "1")],
        ]

        for query in queries {
            let stored = await get(layered.routes, query: query)
            clock.advance(by: 3.3)
            let hit = await get(layered.routes, query: query)
            let rendered = await get(plain.routes, query: query)
            XCTAssertEqual(stored.status, 200)
            assertSameResponse(hit, rendered)
        }
        XCTAssertEqual(layered.cache.encodedResponses?.count, queries.count)
    }

    func testHit_notModifiedEqualsStoreRendering() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0", "latest"])
        let layered = try makeRoutes(fetcher: fetcher)
        let plain = try makeRoutes(fetcher: fetcher, encodedResponseBytes: 0)
        let first = await get(layered.routes)
        _ = await get(layered.routes)
        let entityTag = try XCTUnwrap(header("ETag", of: first))

        let hit = await get(layered.routes, headers: ["if-none-match": entityTag])
        let rendered = await get(plain.routes, headers: ["if-none-match": entityTag])

        XCTAssertEqual(hit.status, 304)
        assertSameResponse(hit, rendered)
    }

    func testHit_answeredWithoutDatabase() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0", "latest"])
        let layered = try makeRoutes(fetcher: fetcher, changeCheckInterval: .seconds(3600))
        _ = await get(layered.routes)
        let stored = await get(layered.routes)
        layered.store.close()

        let hit = await get(layered.routes)

        XCTAssertEqual(hit.status, 200)
        XCTAssertEqual(body(of: hit), body(of: stored))
    }

    func testSecondStore_writeSeenByNextRequest() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let layered = try makeRoutes(fetcher: fetcher)
        _ = await get(layered.routes)
        _ = await get(layered.routes)
        XCTAssertEqual(layered.cache.encodedResponses?.count, 1)

        let other = try SQLiteTagStore(path: databasePath)
        try other.replaceTags(
            ["2.0"], for: reference, fetchedAt: clock.now, expiresAt: clock.now.addingTimeInterval(60))
        let next = await get(layered.routes)

        XCTAssertTrue(body(of: next).contains("\"tags\":[\"2.0\"]"), body(of: next))
    }

    func testOwnRefresh_invalidates() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let layered = try makeRoutes(fetcher: fetcher, changeCheckInterval: .seconds(3600))
        _ = await get(layered.routes)
        _ = await get(layered.routes)

        fetcher.setTags(["3.0"])
        _ = try await layered.cache.refreshNow(reference)
        let next = await get(layered.routes)

        XCTAssertTrue(body(of: next).contains("\"tags\":[\"3.0\"]"), body(of: next))
    }

    func testOwnPurge_invalidates() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let layered = try makeRoutes(fetcher: fetcher, changeCheckInterval: .seconds(3600))
        _ = await get(layered.routes)
        _ = await get(layered.routes)

        XCTAssertTrue(try layered.cache.purge(reference))
        let next = await get(layered.routes)

        XCTAssertEqual(layered.cache.encodedResponses?.count, 0)
        XCTAssertEqual(fetcher.calls, 2)
        XCTAssertEqual(header("Cache-Status", of: next), "tagcache; fwd=uri-miss; fwd-status=200; stored; ttl=60")
    }

    func testExpiredEntry_notServedFromLayer() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"], holding: true)
        let layered = try makeRoutes(fetcher: fetcher)
        fetcher.gate.open()
        _ = await get(layered.routes)
        _ = await get(layered.routes)
        fetcher.hold()

        clock.advance(by: 61)
        let next = await get(layered.routes)

        XCTAssertEqual(header("Cache-Status", of: next), "tagcache; hit; ttl=-1; detail=stale-while-revalidate")
        XCTAssertTrue(body(of: next).contains("\"stale\":true"), body(of: next))
        fetcher.gate.open()
        await layered.cache.waitForRefreshes()
    }

    func testRefreshAheadLead_leftToStorePath() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let maintenance = CacheMaintenance(refreshAhead: 10, inactive: 86_400, maxEntries: nil)
        let layered = try makeRoutes(fetcher: fetcher, maintenance: maintenance)
        _ = await get(layered.routes)
        _ = await get(layered.routes)

        clock.advance(by: 55)
        _ = await get(layered.routes)
        await layered.cache.waitForRefreshes()

        XCTAssertEqual(fetcher.calls, 2)
    }

    func testHits_countedAsReads() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let layered = try makeRoutes(fetcher: fetcher)
        for _ in 0..<5 {
            _ = await get(layered.routes)
        }

        layered.cache.flushReads()
        let entry = try XCTUnwrap(try layered.store.entry(for: reference))

        XCTAssertEqual(entry.readCount, 5)
    }

    func testCacheControlRequest_bypassesLayer() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let layered = try makeRoutes(fetcher: fetcher)
        _ = await get(layered.routes)
        _ = await get(layered.routes)

        let next = await get(layered.routes, headers: ["cache-control": "no-cache"])

        XCTAssertEqual(fetcher.calls, 2)
        XCTAssertEqual(header("Cache-Status", of: next), "tagcache; fwd=request; fwd-status=200; stored; ttl=60")
    }
}
