import Foundation
import XCTest

@testable import TagCache

/// `GET /v1/repositories`, `POST /v1/refresh`, `DELETE /v1/tags`, the admin token and `tagcache status`.
final class OperatorRoutesTests: XCTestCase {
    private let reference = ImageReference(registry: "registry.example.com", path: "team/app")
    private let policy = CachePolicy(ttl: 60, staleWhileRevalidate: 120, staleIfError: 600)
    private let clock = ManualClock()
    private static let token = "0123456789abcdef0123"
    private var databasePath = ""

    private func makeServer(
        fetcher: ScriptedFetcher, admin: AdminAccess = AdminAccess(token: nil, requiresToken: false)
    ) throws -> (HTTPServer, TagCacheService) {
        let directory = try StoreTestDirectory.make(for: self)
        databasePath = directory.appending(path: "cache.sqlite").path
        let store = try SQLiteTagStore(path: databasePath)
        let policy = self.policy
        let clock = self.clock
        let log = Log(minimumLevel: .error)
        let service = TagCacheService(
            store: store, fetcher: fetcher, policy: { _ in policy }, clock: { clock.now }, jitter: { 0 },
            maintenance: CacheMaintenance(refreshAhead: 0, inactive: 86_400, maxEntries: nil), log: log)
        let handler = OperatorRoutes(
            next: Routes(cache: service, log: log), cache: service, store: store, admin: admin, log: log)
        return (try HTTPServer(host: "127.0.0.1", port: 0, threads: 2, handler: handler), service)
    }

    private func url(_ server: HTTPServer, _ path: String) -> String {
        "http://127.0.0.1:\(server.port)\(path)?reference=\(reference.name)"
    }

    func testRepositories_listsEntriesAndNegativeEntries() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0", "2.0"])
        let (server, service) = try makeServer(fetcher: fetcher)
        defer { server.stop(gracePeriod: 1) }
        _ = try await httpGet(url(server, "/v1/tags"))
        service.flushReads()
        fetcher.fail(with: FetchError(.nameUnknown, "repository team/gone not found"))
        _ = try await httpGet("http://127.0.0.1:\(server.port)/v1/tags?reference=registry.example.com/team/gone")

        let response = try await httpGet("http://127.0.0.1:\(server.port)/v1/repositories")
        let document = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any])
        let repositories = try XCTUnwrap(document["repositories"] as? [[String: Any]])
        let failed = try XCTUnwrap(document["failed_lookups"] as? [[String: Any]])

        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(repositories.count, 1)
        XCTAssertEqual(repositories.first?["reference"] as? String, reference.name)
        XCTAssertEqual(repositories.first?["tag_count"] as? Int, 2)
        XCTAssertEqual(repositories.first?["reads"] as? Int, 1)
        XCTAssertEqual(repositories.first?["fetched_at"] as? String, RFC3339.format(clock.now))
        XCTAssertEqual(failed.count, 1)
        XCTAssertEqual(failed.first?["reference"] as? String, "registry.example.com/team/gone")
        XCTAssertEqual(failed.first?["negative"] as? Bool, true)
    }

    func testRefresh_fetchesFreshEntryAgain() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let (server, _) = try makeServer(fetcher: fetcher)
        defer { server.stop(gracePeriod: 1) }
        _ = try await httpGet(url(server, "/v1/tags"))
        fetcher.setTags(["1.0", "2.0"])

        let response = try await httpGet(url(server, "/v1/refresh"), method: "POST")

        XCTAssertEqual(response.status, 200)
        XCTAssertTrue(response.body.contains("\"tags\":[\"1.0\",\"2.0\"]"), response.body)
        XCTAssertEqual(response.headers.values(for: "Cache-Status"), ["tagcache; fwd=request; fwd-status=200; stored; ttl=60"])
        XCTAssertEqual(fetcher.calls, 2)
    }

    func testRefresh_sharesFetchInFlight() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"], holding: true)
        let (server, _) = try makeServer(fetcher: fetcher)
        defer { server.stop(gracePeriod: 1) }
        let refreshURL = url(server, "/v1/refresh")

        async let first = httpGet(refreshURL, method: "POST")
        async let second = httpGet(refreshURL, method: "POST")
        let deadline = Date().addingTimeInterval(5)
        while fetcher.calls < 1 && Date() < deadline { try await Task.sleep(for: .milliseconds(5)) }
        try await Task.sleep(for: .milliseconds(200))
        fetcher.gate.open()
        let statuses = try await [first.status, second.status]

        XCTAssertEqual(statuses, [200, 200])
        XCTAssertEqual(fetcher.calls, 1)
    }

    func testDelete_purgesEntry() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let (server, _) = try makeServer(fetcher: fetcher)
        defer { server.stop(gracePeriod: 1) }
        _ = try await httpGet(url(server, "/v1/tags"))

        let deleted = try await httpGet(url(server, "/v1/tags"), method: "DELETE")
        let again = try await httpGet(url(server, "/v1/tags"), method: "DELETE")
        let afterPurge = try await httpGet(url(server, "/v1/tags"))

        XCTAssertEqual(deleted.status, 204)
        XCTAssertEqual(again.status, 404)
        XCTAssertTrue(again.body.contains("\"NOT_CACHED\""), again.body)
        XCTAssertEqual(afterPurge.headers.values(for: "Cache-Status").first?.hasPrefix("tagcache; fwd=uri-miss"), true)
        XCTAssertEqual(fetcher.calls, 2)
    }

    func testAdmin_withoutConfiguredTokenRejectsChanges() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let (server, _) = try makeServer(fetcher: fetcher, admin: AdminAccess(token: nil, requiresToken: true))
        defer { server.stop(gracePeriod: 1) }

        let refresh = try await httpGet(url(server, "/v1/refresh"), method: "POST")
        let listing = try await httpGet("http://127.0.0.1:\(server.port)/v1/repositories")

        XCTAssertEqual(refresh.status, 403)
        XCTAssertTrue(refresh.body.contains("\"ADMIN_DISABLED\""), refresh.body)
        XCTAssertEqual(listing.status, 200)
        XCTAssertEqual(fetcher.calls, 0)
    }

    func testAdmin_requiresMatchingBearerToken() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let (server, _) = try makeServer(
            fetcher: fetcher, admin: AdminAccess(token: Self.token, requiresToken: true))
        defer { server.stop(gracePeriod: 1) }
        _ = try await httpGet(url(server, "/v1/tags"))

        let missing = try await httpGet(url(server, "/v1/tags"), method: "DELETE")
        let wrong = try await httpGet(
            url(server, "/v1/tags"), method: "DELETE", headers: ["Authorization": "Bearer \(Self.token)x"])
        let right = try await httpGet(
            url(server, "/v1/tags"), method: "DELETE", headers: ["Authorization": "Bearer \(Self.token)"])

        XCTAssertEqual(missing.status, 401)
        XCTAssertEqual(missing.headers.values(for: "WWW-Authenticate"), ["Bearer realm=\"tagcache\""])
        XCTAssertEqual(wrong.status, 401)
        XCTAssertEqual(
            wrong.headers.values(for: "WWW-Authenticate"), ["Bearer realm=\"tagcache\", error=\"invalid_token\""])
        XCTAssertTrue(wrong.body.contains("not the admin token"), wrong.body)
        XCTAssertEqual(right.status, 204)
    }

    func testRefresh_failureCarriesCacheStatus() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let (server, _) = try makeServer(fetcher: fetcher)
        defer { server.stop(gracePeriod: 1) }
        _ = try await httpGet(url(server, "/v1/tags"))
        fetcher.fail(with: FetchError(.unreachable, "cannot reach registry registry.example.com"))

        let response = try await httpGet(url(server, "/v1/refresh"), method: "POST")

        XCTAssertEqual(response.status, 502)
        XCTAssertEqual(response.headers.values(for: "Cache-Status"), ["tagcache; fwd=request; detail=unreachable"])
    }

    func testRepositories_emptyDatabaseHasEmptyArrays() async throws {
        let (server, _) = try makeServer(fetcher: ScriptedFetcher())
        defer { server.stop(gracePeriod: 1) }

        let response = try await httpGet("http://127.0.0.1:\(server.port)/v1/repositories")

        XCTAssertEqual(response.body, "{\"repositories\":[],\"failed_lookups\":[],\"registries\":[]}\n")
    }

    func testAdmin_bearerSchemeIsCaseInsensitive() {
        XCTAssertEqual(AdminAccess.bearerToken("bearer abc"), "abc")
        XCTAssertEqual(AdminAccess.bearerToken("BEARER  abc "), "abc")
        XCTAssertEqual(AdminAccess.bearerToken("Bearer abc"), "abc")
        XCTAssertNil(AdminAccess.bearerToken("Basic abc"))
        XCTAssertNil(AdminAccess.bearerToken("Bearer"))
        XCTAssertNil(AdminAccess.bearerToken("Bearer   "))
        XCTAssertNil(AdminAccess.bearerToken(nil))
    }

    func testAdmin_loopbackHostsNeedNoToken() {
        XCTAssertTrue(AdminAccess.isLoopback(host: "127.0.0.1"))
        XCTAssertTrue(AdminAccess.isLoopback(host: "127.8.0.1"))
        XCTAssertTrue(AdminAccess.isLoopback(host: "::1"))
        XCTAssertTrue(AdminAccess.isLoopback(host: "localhost"))
        XCTAssertFalse(AdminAccess.isLoopback(host: "0.0.0.0"))
        XCTAssertFalse(AdminAccess.isLoopback(host: "::"))
        XCTAssertFalse(AdminAccess.isLoopback(host: "192.0.2.10"))
    }

    func testConfiguration_rejectsShortAdminToken() {
        XCTAssertThrowsError(try Configuration.decode(Data(#"{"admin_token": "short"}"#.utf8), source: "test.json")) {
            XCTAssertTrue("\($0)".contains("\"admin_token\""), "\($0)")
        }
    }

    func testStatusCommand_printsDatabaseContents() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0", "2.0", "3.0"])
        let (server, service) = try makeServer(fetcher: fetcher)
        defer { server.stop(gracePeriod: 1) }
        _ = try await httpGet(url(server, "/v1/tags"))
        service.flushReads()

        let table = try Command.runChecked(ServiceProcess.executablePath, ["status", "--database", databasePath])
        let json = try Command.runChecked(
            ServiceProcess.executablePath, ["status", "--json", "--database", databasePath])
        let document = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: json.standardOutput) as? [String: Any])
        let repositories = try XCTUnwrap(document["repositories"] as? [[String: Any]])

        XCTAssertTrue(table.standardOutputText.hasPrefix("REFERENCE"), table.standardOutputText)
        XCTAssertTrue(table.standardOutputText.contains(reference.name), table.standardOutputText)
        XCTAssertEqual(repositories.first?["tag_count"] as? Int, 3)
        XCTAssertEqual(repositories.first?["reads"] as? Int, 1)
    }

    func testStatusCommand_missingDatabaseFails() throws {
        let directory = try StoreTestDirectory.make(for: self)
        let path = directory.appending(path: "absent.sqlite").path

        let result = try Command.run(ServiceProcess.executablePath, ["status", "--database", path])

        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.standardError.contains(path), result.standardError)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
    }

    func testMetrics_countAnswersAndFetches() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let (server, service) = try makeServer(fetcher: fetcher)
        defer { server.stop(gracePeriod: 1) }
        _ = try await httpGet(url(server, "/v1/tags"))
        _ = try await httpGet(url(server, "/v1/tags"))
        clock.advance(by: 70)
        _ = try await httpGet(url(server, "/v1/tags"))
        await service.waitForRefreshes()
        clock.advance(by: 1000)
        _ = try await httpGet(url(server, "/v1/tags"), headers: ["Cache-Control": "only-if-cached"])
        fetcher.fail(with: FetchError(.nameUnknown, "repository team/gone not found"))
        let gone = "http://127.0.0.1:\(server.port)/v1/tags?reference=registry.example.com/team/gone"
        _ = try await httpGet(gone)
        _ = try await httpGet(gone)

        let response = try await httpGet("http://127.0.0.1:\(server.port)/metrics")
        let lines = Set(response.body.split(separator: "\n").map(String.init))

        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.headers.values(for: "Content-Type"), ["text/plain; version=0.0.4; charset=utf-8"])
        XCTAssertTrue(lines.contains("tagcache_hits_total 1"), response.body)
        XCTAssertTrue(lines.contains("tagcache_misses_total 1"), response.body)
        XCTAssertTrue(lines.contains("tagcache_stale_answers_total{reason=\"stale-while-revalidate\"} 1"), response.body)
        XCTAssertTrue(lines.contains("tagcache_stale_answers_total{reason=\"only-if-cached\"} 1"), response.body)
        XCTAssertTrue(lines.contains("tagcache_negative_hits_total 1"), response.body)
        XCTAssertTrue(
            lines.contains("tagcache_upstream_fetches_total{registry=\"registry.example.com\",outcome=\"ok\"} 2"),
            response.body)
        XCTAssertTrue(
            lines.contains("tagcache_upstream_fetches_total{registry=\"registry.example.com\",outcome=\"nameUnknown\"} 1"),
            response.body)
        XCTAssertTrue(
            lines.contains("tagcache_upstream_fetch_seconds_count{registry=\"registry.example.com\"} 3"), response.body)
        XCTAssertTrue(
            lines.contains("tagcache_upstream_fetch_seconds_bucket{registry=\"registry.example.com\",le=\"+Inf\"} 3"),
            response.body)
        XCTAssertTrue(lines.contains("tagcache_entries 1"), response.body)
        XCTAssertTrue(lines.contains("tagcache_refreshes_in_flight 0"), response.body)
        XCTAssertTrue(lines.contains { $0.hasPrefix("tagcache_database_bytes ") && !$0.hasSuffix(" 0") }, response.body)
    }
}
