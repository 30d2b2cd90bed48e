import Foundation
import XCTest

@testable import TagCache

/// Request `Cache-Control` directives, entity tags and the `/v1/tags` headers, with a manual clock.
final class CacheDirectivesTests: XCTestCase {
    private let reference = ImageReference(registry: "registry.example.com", path: "team/app")
    private let policy = CachePolicy(ttl: 60, staleWhileRevalidate: 120, staleIfError: 600)
    private let clock = ManualClock()
    /// Refresh-ahead off, so that reads near expiry start no refresh these tests do not expect.
    private static let withoutRefreshAhead = CacheMaintenance(refreshAhead: 0, inactive: 86_400, maxEntries: nil)

    private func makeService(fetcher: ScriptedFetcher) throws -> TagCacheService {
        let directory = try StoreTestDirectory.make(for: self)
        let store = try SQLiteTagStore(path: directory.appending(path: "cache.sqlite").path)
        let policy = self.policy
        let clock = self.clock
        return TagCacheService(
            store: store, fetcher: fetcher, policy: { _ in policy }, clock: { clock.now },
            maintenance: Self.withoutRefreshAhead, log: Log(minimumLevel: .error))
    }

    private func startServer(_ service: TagCacheService) throws -> HTTPServer {
        try HTTPServer(host: "127.0.0.1", port: 0, threads: 2, handler: Routes(cache: service, log: Log(minimumLevel: .error)))
    }

    private func url(_ server: HTTPServer) -> String {
        "http://127.0.0.1:\(server.port)/v1/tags?reference=\(reference.name)"
    }

    // MARK: Parsing

    func testDirectives_parseKnownNames() {
        let directives = RequestDirectives(cacheControl: "No-Cache, max-age=\"30\", max-stale=5, only-if-cached, x=1")

        XCTAssertTrue(directives.noCache)
        XCTAssertTrue(directives.onlyIfCached)
        XCTAssertEqual(directives.maxAge, 30)
        XCTAssertEqual(directives.maxStale, 5)
    }

    func testDirectives_maxStaleWithoutValueAcceptsAnyAge() {
        XCTAssertEqual(RequestDirectives(cacheControl: "max-stale").maxStale, Int.max)
    }

    func testDirectives_invalidArgumentsAreIgnored() {
        let directives = RequestDirectives(cacheControl: "max-age=-1, max-stale=abc")

        XCTAssertNil(directives.maxAge)
        XCTAssertNil(directives.maxStale)
    }

    // MARK: Entity tags

    func testEntityTag_dependsOnTagsOnly() {
        XCTAssertEqual(EntityTag(tags: ["1.0", "2.0"]), EntityTag(tags: ["1.0", "2.0"]))
        XCTAssertNotEqual(EntityTag(tags: ["1.0", "2.0"]), EntityTag(tags: ["1.0"]))
        XCTAssertNotEqual(EntityTag(tags: ["1.02.0"]), EntityTag(tags: ["1.0", "2.0"]))
    }

    func testEntityTag_matchesListWeakAndStar() {
        let tag = EntityTag(tags: ["a"])

        XCTAssertTrue(tag.matches(ifNoneMatch: "\"x\", \(tag.headerValue)"))
        XCTAssertTrue(tag.matches(ifNoneMatch: "W/\(tag.headerValue)"))
        XCTAssertTrue(tag.matches(ifNoneMatch: "*"))
        XCTAssertFalse(tag.matches(ifNoneMatch: "\"\(tag.opaqueTag.dropLast())\""))
    }

    func testHTTPDate_formatsIMFFixdate() {
        XCTAssertEqual(HTTPDate.format(Date(timeIntervalSince1970: 784_111_777)), "Sun, 06 Nov 1994 08:49:37 GMT")
    }

    // MARK: Service

    func testNoCache_revalidatesFreshEntry() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let service = try makeService(fetcher: fetcher)
        _ = try await service.tags(for: reference)
        fetcher.setTags(["1.0", "2.0"])

        clock.advance(by: 10)
        let answer = try await service.tags(for: reference, directives: RequestDirectives(cacheControl: "no-cache"))

        XCTAssertEqual(answer.source, .revalidatedOnRequest(collapsed: false))
        XCTAssertEqual(answer.entry.tags, ["1.0", "2.0"])
        XCTAssertEqual(fetcher.calls, 2)
    }

    func testMaxAgeZero_revalidatesFreshEntry() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let service = try makeService(fetcher: fetcher)
        _ = try await service.tags(for: reference)

        clock.advance(by: 0.5)
        let answer = try await service.tags(for: reference, directives: RequestDirectives(cacheControl: "max-age=0"))

        XCTAssertEqual(answer.source, .revalidatedOnRequest(collapsed: false))
        XCTAssertEqual(fetcher.calls, 2)
    }

    func testMaxAge_acceptsEntryUpToThatAge() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let service = try makeService(fetcher: fetcher)
        _ = try await service.tags(for: reference)

        clock.advance(by: 30)
        let atEdge = try await service.tags(for: reference, directives: RequestDirectives(cacheControl: "max-age=30"))
        clock.advance(by: 0.001)
        let past = try await service.tags(for: reference, directives: RequestDirectives(cacheControl: "max-age=30"))

        XCTAssertEqual(atEdge.source, .fresh)
        XCTAssertEqual(past.source, .revalidatedOnRequest(collapsed: false))
        XCTAssertEqual(fetcher.calls, 2)
    }

    func testNoCache_sharesRefreshInFlight() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let service = try makeService(fetcher: fetcher)
        _ = try await service.tags(for: reference)
        fetcher.hold()
        let reference = self.reference

        let answers = Task {
            await withTaskGroup(of: CacheAnswer.Source?.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        try? await service.tags(for: reference, directives: RequestDirectives(cacheControl: "no-cache"))
                            .source
                    }
                }
                var sources: [CacheAnswer.Source?] = []
                for await source in group { sources.append(source) }
                return sources
            }
        }
        let deadline = Date().addingTimeInterval(5)
        while fetcher.calls < 2 && Date() < deadline { try await Task.sleep(for: .milliseconds(5)) }
        try await Task.sleep(for: .milliseconds(100))
        fetcher.gate.open()
        let sources = await answers.value

        XCTAssertEqual(fetcher.calls, 2)
        XCTAssertEqual(sources.filter { $0 == .revalidatedOnRequest(collapsed: false) }.count, 1)
        XCTAssertEqual(sources.filter { $0 == .revalidatedOnRequest(collapsed: true) }.count, 19)
    }

    func testOnlyIfCached_answersExpiredList() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let service = try makeService(fetcher: fetcher)
        _ = try await service.tags(for: reference)
        fetcher.fail(with: FetchError(.unreachable, "connection refused"))

        clock.advance(by: 10_000)
        let answer = try await service.tags(
            for: reference, directives: RequestDirectives(cacheControl: "only-if-cached"))

        XCTAssertEqual(answer.source, .onlyIfCached)
        XCTAssertTrue(answer.isStale)
        XCTAssertEqual(answer.entry.tags, ["1.0"])
        XCTAssertEqual(fetcher.calls, 1)
    }

    func testOnlyIfCached_throwsWhenNothingStored() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let service = try makeService(fetcher: fetcher)

        do {
            let answer = try await service.tags(
                for: reference, directives: RequestDirectives(cacheControl: "only-if-cached"))
            XCTFail("expected notCached, got \(answer.source)")
        } catch {
            guard case .notCached = error else { return XCTFail("unexpected \(error)") }
        }
        XCTAssertEqual(fetcher.calls, 0)
    }

    func testMaxStale_widensStaleWindowAtItsEdge() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let service = try makeService(fetcher: fetcher)
        _ = try await service.tags(for: reference)
        fetcher.fail(with: FetchError(.unreachable, "connection refused"))
        let directives = RequestDirectives(cacheControl: "max-stale=300")

        // Expired 300 s ago: past stale-while-revalidate (120 s) but inside max-stale.
        clock.advance(by: 60 + 300)
        let inside = try await service.tags(for: reference, directives: directives)
        await service.waitForRefreshes()
        let callsAfterInside = fetcher.calls
        clock.advance(by: 100)
        let outside = try await service.tags(for: reference, directives: RequestDirectives(cacheControl: "max-stale=399"))

        XCTAssertEqual(inside.source, .maxStale)
        XCTAssertEqual(inside.entry.tags, ["1.0"])
        XCTAssertEqual(callsAfterInside, 2, "max-stale answers at once and refreshes in the background")
        guard case .staleIfError = outside.source else { return XCTFail("expected stale-if-error, got \(outside.source)") }
    }

    // MARK: HTTP

    func testHTTP_matchingETagAnswers304WithoutBody() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0", "latest"])
        let service = try makeService(fetcher: fetcher)
        let server = try startServer(service)
        defer { server.stop(gracePeriod: 1) }

        let first = try await httpGet(url(server))
        let etag = try XCTUnwrap(first.headers.values(for: "ETag").first)
        clock.advance(by: 20)
        let second = try await httpGet(url(server), headers: ["If-None-Match": etag])

        XCTAssertEqual(first.status, 200)
        XCTAssertEqual(etag, EntityTag(tags: ["1.0", "latest"]).headerValue)
        XCTAssertEqual(second.status, 304)
        XCTAssertEqual(second.body, "")
        XCTAssertEqual(second.headers.values(for: "ETag"), [etag])
        XCTAssertEqual(second.headers.values(for: "Age"), ["20"])
        XCTAssertEqual(
            second.headers.values(for: "Cache-Control"), ["max-age=40, stale-while-revalidate=120, stale-if-error=600"])
        XCTAssertEqual(second.headers.values(for: "Cache-Status"), ["tagcache; hit; ttl=40"])
    }

    func testHTTP_otherETagAnswers200() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let service = try makeService(fetcher: fetcher)
        let server = try startServer(service)
        defer { server.stop(gracePeriod: 1) }
        _ = try await httpGet(url(server))

        let response = try await httpGet(url(server), headers: ["If-None-Match": "\"0000\""])

        XCTAssertEqual(response.status, 200)
        XCTAssertTrue(response.body.contains("\"tags\":[\"1.0\"]"), response.body)
    }

    func testHTTP_lastModifiedIsTimeOfLastChange() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let service = try makeService(fetcher: fetcher)
        let server = try startServer(service)
        defer { server.stop(gracePeriod: 1) }
        let created = clock.now
        _ = try await httpGet(url(server))

        clock.advance(by: 200)
        _ = try await httpGet(url(server))
        clock.advance(by: 1)
        let unchanged = try await httpGet(url(server))
        fetcher.setTags(["1.0", "2.0"])
        clock.advance(by: 200)
        _ = try await httpGet(url(server))
        let changedAt = clock.now
        clock.advance(by: 1)
        let changed = try await httpGet(url(server))

        XCTAssertEqual(unchanged.headers.values(for: "Last-Modified"), [HTTPDate.format(created)])
        XCTAssertEqual(changed.headers.values(for: "Last-Modified"), [HTTPDate.format(changedAt)])
        XCTAssertEqual(fetcher.calls, 3)
    }

    func testHTTP_staleAnswerAdvertisesZeroMaxAge() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let service = try makeService(fetcher: fetcher)
        let server = try startServer(service)
        defer { server.stop(gracePeriod: 1) }
        _ = try await httpGet(url(server))
        fetcher.hold()

        clock.advance(by: 70)
        let stale = try await httpGet(url(server))
        fetcher.gate.open()
        await service.waitForRefreshes()

        XCTAssertEqual(stale.headers.values(for: "Cache-Control"), ["max-age=0, stale-while-revalidate=120, stale-if-error=600"])
        XCTAssertEqual(stale.headers.values(for: "Cache-Status"), ["tagcache; hit; ttl=-10; detail=stale-while-revalidate"])
    }

    func testHTTP_noCacheForwardsWithRequestReason() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let service = try makeService(fetcher: fetcher)
        let server = try startServer(service)
        defer { server.stop(gracePeriod: 1) }
        _ = try await httpGet(url(server))

        let response = try await httpGet(url(server), headers: ["Cache-Control": "no-cache"])

        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.headers.values(for: "Cache-Status"), ["tagcache; fwd=request; fwd-status=200; stored; ttl=60"])
        XCTAssertEqual(fetcher.calls, 2)
    }

    func testHTTP_onlyIfCachedWithNothingStoredAnswers504() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let service = try makeService(fetcher: fetcher)
        let server = try startServer(service)
        defer { server.stop(gracePeriod: 1) }

        let response = try await httpGet(url(server), headers: ["Cache-Control": "only-if-cached"])

        XCTAssertEqual(response.status, 504)
        XCTAssertTrue(response.body.contains("\"NOT_CACHED\""), response.body)
        XCTAssertEqual(fetcher.calls, 0)
    }

    func testHTTP_onlyIfCachedAnswersExpiredList() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let service = try makeService(fetcher: fetcher)
        let server = try startServer(service)
        defer { server.stop(gracePeriod: 1) }
        _ = try await httpGet(url(server))

        clock.advance(by: 5000)
        let response = try await httpGet(url(server), headers: ["Cache-Control": "only-if-cached"])

        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.headers.values(for: "Cache-Status"), ["tagcache; hit; ttl=-4940; detail=only-if-cached"])
        XCTAssertTrue(response.body.contains("\"stale\":true"), response.body)
        XCTAssertEqual(fetcher.calls, 1)
    }
}
