import Foundation
import XCTest

@testable import TagCache

/// Fresh `GET /v2/<name>/tags/list` hits answered from `EncodedResponseCache` through `Routes`, over a real SQLite
/// file.
final class EncodedTagListResponseTests: XCTestCase {
    private let reference = ImageReference(registry: "registry.example.com", path: "team/app")
    private let path = "/v2/registry.example.com/team/app/tags/list"
    private let policy = CachePolicy(ttl: 60, staleWhileRevalidate: 120, staleIfError: 600)
    private let clock = ManualClock()
    private var databasePath = ""

    private func makeRoutes(
        fetcher: ScriptedFetcher, encodedResponseBytes: Int = 1 << 20, changeCheckInterval: Duration = .zero
    ) throws -> (routes: Routes, cache: TagCacheService, store: SQLiteTagStore) {
        if databasePath.isEmpty {
            databasePath = try StoreTestDirectory.make(for: self).appending(path: "cache.sqlite").path
        }
        let store = try SQLiteTagStore(path: databasePath)
        let policy = self.policy
        let clock = self.clock
        let cache = TagCacheService(
            store: store, fetcher: fetcher, policy: { _ in policy }, clock: { clock.now },
            maintenance: CacheMaintenance(refreshAhead: 0, inactive: 86_400, maxEntries: nil),
            encodedResponseBytes: encodedResponseBytes, changeCheckInterval: changeCheckInterval,
            log: Log(minimumLevel: .error))
        return (Routes(cache: cache, log: Log(minimumLevel: .error), history: store, v2PageSize: 3), cache, store)
    }

    private func get(
        _ routes: Routes, path: String? = nil, query: [(name: String, value: String)] = []
    ) async -> HTTPResponse {
        let request = HTTPRequest(method: "GET", path: path ?? self.path, query: query, headers: [:])
        return await response(of: routes, to: request)
    }

    func testHit_equalsStoreRendering() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0", "1.1", "latest", "sha256-\u{e9}t\u{e9}\"\\", "z z"])
        let layered = try makeRoutes(fetcher: fetcher, changeCheckInterval: .seconds(3600))
        let plain = try makeRoutes(fetcher: fetcher, encodedResponseBytes: 0)
        _ = await get(layered.routes)
        clock.advance(by: 7.4)
        let queries: [[(name: String, value: String)]] = [
            [], [("n", "2")], [("n", "2"), ("last", "1.1")], [("last", "latest")], [("n", "100")], [("n", "0")],
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

    func testPaginatedHit_keepsLinkHeader() async throws {
        let fetcher = ScriptedFetcher(tags: ["a", "b", "c", "d", "e"])
        let layered = try makeRoutes(fetcher: fetcher, changeCheckInterval: .seconds(3600))
        _ = await get(layered.routes, query: [("n", "2")])
        _ = await get(layered.routes, query: [("n", "2")])
        layered.store.close()

        let hit = await get(layered.routes, query: [("n", "2")])

        XCTAssertEqual(hit.status, 200)
        XCTAssertEqual(header("Link", of: hit), "<\(path)?n=2&last=b>; rel=\"next\"")
        XCTAssertEqual(header("Docker-Distribution-API-Version", of: hit), "registry/2.0")
        XCTAssertEqual(body(of: hit), "{\"name\":\"registry.example.com/team/app\",\"tags\":[\"a\",\"b\"]}\n")
    }

    func testHit_answeredWithoutDatabase() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0", "latest"])
        let layered = try makeRoutes(fetcher: fetcher, changeCheckInterval: .seconds(3600))
        _ = await get(layered.routes)
        let stored = await get(layered.routes)
        layered.store.close()

        let hit = await get(layered.routes)

        assertSameResponse(hit, stored)
    }

    func testRoutes_keptApartForSameReference() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let layered = try makeRoutes(fetcher: fetcher, changeCheckInterval: .seconds(3600))
        let v1Request = HTTPRequest(
            method: "GET", path: "/v1/tags", query: [("reference", "registry.example.com/team/app")], headers: [:])
        _ = await get(layered.routes)
        _ = await get(layered.routes)
        guard case .response(let v1Stored) = layered.routes.handle(v1Request) else { return XCTFail("deferred") }

        let v2Hit = await get(layered.routes)
        guard case .response(let v1Hit) = layered.routes.handle(v1Request) else { return XCTFail("deferred") }

        XCTAssertEqual(layered.cache.encodedResponses?.count, 2)
        XCTAssertEqual(body(of: v2Hit), "{\"name\":\"registry.example.com/team/app\",\"tags\":[\"1.0\"]}\n")
        XCTAssertEqual(v1Hit.body, v1Stored.body)
    }

    func testOwnRefresh_invalidates() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let layered = try makeRoutes(fetcher: fetcher, changeCheckInterval: .seconds(3600))
        _ = await get(layered.routes)
        _ = await get(layered.routes)

        fetcher.setTags(["3.0"])
        _ = try await layered.cache.refreshNow(reference)
        let next = await get(layered.routes)

        XCTAssertEqual(body(of: next), "{\"name\":\"registry.example.com/team/app\",\"tags\":[\"3.0\"]}\n")
    }

    func testSecondStore_writeSeenByNextRequest() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let layered = try makeRoutes(fetcher: fetcher)
        _ = await get(layered.routes)
        _ = await get(layered.routes)

        let other = try SQLiteTagStore(path: databasePath)
        try other.replaceTags(
            ["2.0"], for: reference, fetchedAt: clock.now, expiresAt: clock.now.addingTimeInterval(60))
        let next = await get(layered.routes)

        XCTAssertEqual(body(of: next), "{\"name\":\"registry.example.com/team/app\",\"tags\":[\"2.0\"]}\n")
    }

    func testExpiredEntry_notServedFromLayer() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"], holding: true)
        let layered = try makeRoutes(fetcher: fetcher, changeCheckInterval: .seconds(3600))
        fetcher.gate.open()
        _ = await get(layered.routes)
        _ = await get(layered.routes)
        XCTAssertEqual(layered.cache.encodedResponses?.count, 1)
        fetcher.hold()

        clock.advance(by: 61)
        let next = await get(layered.routes)

        XCTAssertEqual(next.status, 200)
        XCTAssertEqual(layered.cache.encodedResponses?.count, 0)
        fetcher.gate.open()
        await layered.cache.waitForRefreshes()
        XCTAssertEqual(fetcher.calls, 2)
    }
}
