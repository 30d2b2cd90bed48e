import Foundation
import XCTest

@testable import TagCache

/// Negative caching, backoff after failed fetches, and what a failed refresh leaves in the store.
final class CacheFailureTests: XCTestCase {
    private let reference = ImageReference(registry: "registry.example.com", path: "team/app")
    private let policy: CachePolicy = {
        var policy = CachePolicy(ttl: 60, staleWhileRevalidate: 120, staleIfError: 6000)
        policy.negativeTTL = 30
        return policy
    }()
    private let clock = ManualClock()
    /// Refresh-ahead off, so that reads near expiry start no refresh these tests do not expect.
    private static let withoutRefreshAhead = CacheMaintenance(refreshAhead: 0, inactive: 86_400, maxEntries: nil)
    private var store: SQLiteTagStore!

    private func makeService(fetcher: ScriptedFetcher, jitter: Double = 0) throws -> TagCacheService {
        let directory = try StoreTestDirectory.make(for: self)
        store = try SQLiteTagStore(path: directory.appending(path: "cache.sqlite").path)
        let policy = self.policy
        let clock = self.clock
        return TagCacheService(
            store: store, fetcher: fetcher, policy: { _ in policy }, clock: { clock.now }, jitter: { jitter },
            maintenance: Self.withoutRefreshAhead, log: Log(minimumLevel: .error))
    }

    /// Returns the error `tags(for:)` throws, or nil after failing the test when it returns a list.
    private func error(
        of service: TagCacheService, file: StaticString = #filePath, line: UInt = #line
    ) async -> CacheError? {
        do {
            let answer = try await service.tags(for: reference)
            XCTFail("expected an error, got \(answer.source)", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }

    // MARK: Backoff

    func testBackoff_doublesUpToMaximum() {
        let backoff = Backoff(base: 5, maximum: 300)

        XCTAssertEqual(backoff.delay(afterFailures: 1, jitter: 0), 2.5)
        XCTAssertEqual(backoff.delay(afterFailures: 2, jitter: 0), 5)
        XCTAssertEqual(backoff.delay(afterFailures: 3, jitter: 0), 10)
        XCTAssertEqual(backoff.delay(afterFailures: 7, jitter: 0), 150)
        XCTAssertEqual(backoff.delay(afterFailures: 1000, jitter: 0), 150)
    }

    func testBackoff_jitterStaysInUpperHalf() {
        let backoff = Backoff(base: 5, maximum: 300)

        XCTAssertEqual(backoff.delay(afterFailures: 3, jitter: 0.5), 15)
        XCTAssertLessThan(backoff.delay(afterFailures: 3, jitter: 0.999_999), 20)
        XCTAssertGreaterThanOrEqual(backoff.delay(afterFailures: 3, jitter: 0), 10)
    }

    func testBackoff_baseFollowsShortTTL() {
        XCTAssertEqual(Backoff(policy: CachePolicy(ttl: 2, staleWhileRevalidate: 0, staleIfError: 0)).base, 2)
        XCTAssertEqual(Backoff(policy: CachePolicy(ttl: 0, staleWhileRevalidate: 0, staleIfError: 0)).base, 1)
        XCTAssertEqual(Backoff(policy: CachePolicy()).base, 5)
    }

    func testFailedRefreshes_backOffLongerEachTime() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let service = try makeService(fetcher: fetcher)
        _ = try await service.tags(for: reference)
        fetcher.fail(with: FetchError(.unreachable, "connection refused"))
        clock.advance(by: 200)

        var delays: [Double] = []
        for _ in 0..<5 {
            _ = try await service.tags(for: reference)
            let entry = try XCTUnwrap(try store.entry(for: reference))
            let next = try XCTUnwrap(entry.nextAttemptAt)
            delays.append(next.timeIntervalSince(clock.now))
            // Within the backoff a read returns the stored list without a registry request.
            let calls = fetcher.calls
            clock.advance(by: next.timeIntervalSince(clock.now) - 0.001)
            let waiting = try await service.tags(for: reference)
            XCTAssertEqual(waiting.source, .staleAfterRecentError)
            XCTAssertEqual(fetcher.calls, calls)
            clock.advance(by: 0.001)
        }

        XCTAssertEqual(delays, [2.5, 5, 10, 20, 40])
        XCTAssertEqual(try store.entry(for: reference)?.failureCount, 5)
        XCTAssertEqual(fetcher.calls, 6)
    }

    func testSuccessfulRefresh_resetsFailureCount() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let service = try makeService(fetcher: fetcher)
        _ = try await service.tags(for: reference)
        fetcher.fail(with: FetchError(.timeout, "timed out"))
        clock.advance(by: 200)
        _ = try await service.tags(for: reference)
        clock.advance(by: 10)
        _ = try await service.tags(for: reference)
        XCTAssertEqual(try store.entry(for: reference)?.failureCount, 2)

        fetcher.setTags(["1.0"])
        clock.advance(by: 10)
        let answer = try await service.tags(for: reference)

        XCTAssertEqual(answer.source, .revalidated(collapsed: false))
        let entry = try XCTUnwrap(try store.entry(for: reference))
        XCTAssertEqual(entry.failureCount, 0)
        XCTAssertNil(entry.nextAttemptAt)
        XCTAssertNil(entry.lastError)
    }

    func testFailedRefresh_keepsListByteIdentical() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0", "2.0", "latest"])
        let service = try makeService(fetcher: fetcher)
        _ = try await service.tags(for: reference)
        clock.advance(by: 30)
        fetcher.setTags(["2.0", "latest"])
        _ = try await service.tags(for: reference, directives: RequestDirectives(cacheControl: "no-cache"))
        let before = try XCTUnwrap(try store.entry(for: reference))
        let historyBefore = try store.tagHistory(for: reference)
        clock.advance(by: 500)
        let staleBefore = TagsResponse.render(
            try await service.tags(for: reference, directives: RequestDirectives(cacheControl: "only-if-cached")))
        await service.waitForRefreshes()

        fetcher.fail(with: FetchError(.invalidResponse, "registry answered 503"))
        let failed = try await service.tags(for: reference)
        let after = try XCTUnwrap(try store.entry(for: reference))
        let staleAfter = TagsResponse.render(
            try await service.tags(for: reference, directives: RequestDirectives(cacheControl: "only-if-cached")))

        guard case .staleIfError = failed.source else { return XCTFail("expected stale-if-error, got \(failed.source)") }
        XCTAssertEqual(after.tags, before.tags)
        XCTAssertEqual(after.fetchedAt, before.fetchedAt)
        XCTAssertEqual(after.expiresAt, before.expiresAt)
        XCTAssertEqual(after.changedAt, before.changedAt)
        XCTAssertEqual(after.tagCount, before.tagCount)
        XCTAssertEqual(try store.tagHistory(for: reference), historyBefore)
        XCTAssertEqual(staleAfter.body, staleBefore.body)
        XCTAssertEqual(staleAfter.headers.first { $0.name == "ETag" }?.value, staleBefore.headers.first { $0.name == "ETag" }?.value)
        XCTAssertEqual(
            staleAfter.headers.first { $0.name == "Last-Modified" }?.value,
            staleBefore.headers.first { $0.name == "Last-Modified" }?.value)
        XCTAssertEqual(after.lastError, "registry answered 503")
    }

    // MARK: Negative caching

    func testNameUnknown_isCachedUntilNegativeTTLEnds() async throws {
        let fetcher = ScriptedFetcher()
        fetcher.fail(with: FetchError(.nameUnknown, "repository team/app not found"))
        let service = try makeService(fetcher: fetcher)

        let first = await error(of: service)
        clock.advance(by: 29.999)
        let cached = await error(of: service)
        let callsWhileCached = fetcher.calls
        clock.advance(by: 0.001)
        fetcher.setTags(["1.0"])
        let answer = try await service.tags(for: reference)

        guard case .fetch(let fetched) = first else { return XCTFail("expected a fetch error, got \(String(describing: first))") }
        XCTAssertEqual(fetched.kind, .nameUnknown)
        guard case .recentFailure(let remembered, let retryAfter) = cached else {
            return XCTFail("expected a cached failure, got \(String(describing: cached))")
        }
        XCTAssertEqual(remembered.kind, .nameUnknown)
        XCTAssertEqual(retryAfter, 1)
        XCTAssertEqual(callsWhileCached, 1)
        XCTAssertEqual(answer.source, .miss(collapsed: false))
        XCTAssertEqual(fetcher.calls, 2)
        XCTAssertNil(try store.failedLookup(for: reference))
    }

    func testNameUnknown_removesStoredEntry() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let service = try makeService(fetcher: fetcher)
        _ = try await service.tags(for: reference)
        fetcher.fail(with: FetchError(.nameUnknown, "repository team/app not found"))

        clock.advance(by: 200)
        _ = await error(of: service)
        clock.advance(by: 1)
        let cached = await error(of: service)

        XCTAssertNil(try store.entry(for: reference))
        guard case .recentFailure(let remembered, _) = cached else {
            return XCTFail("expected a cached failure, got \(String(describing: cached))")
        }
        XCTAssertEqual(remembered.kind, .nameUnknown)
        XCTAssertEqual(fetcher.calls, 2)
    }

    func testOtherFailures_areNotCachedAsUnknown() async throws {
        for kind in [FetchError.Kind.denied, .timeout, .unreachable, .invalidResponse] {
            let fetcher = ScriptedFetcher()
            fetcher.fail(with: FetchError(kind, "failed: \(kind)"))
            let service = try makeService(fetcher: fetcher)

            _ = await error(of: service)
            let failure = try XCTUnwrap(try store.failedLookup(for: reference), "\(kind)")
            let cached = await error(of: service)

            XCTAssertEqual(failure.kind, kind.rawValue)
            XCTAssertEqual(failure.retryAt, clock.now.addingTimeInterval(2.5), "\(kind)")
            guard case .recentFailure(let remembered, _) = cached else {
                XCTFail("expected a cached failure for \(kind), got \(String(describing: cached))")
                continue
            }
            XCTAssertEqual(remembered.kind, kind)
            XCTAssertNotEqual(APIError.from(cached!).status, 404, "\(kind)")
        }
    }

    func testFirstFetchFailure_retriesAfterBackoff() async throws {
        let fetcher = ScriptedFetcher()
        fetcher.fail(with: FetchError(.unreachable, "registry.example.com refused the connection"))
        let service = try makeService(fetcher: fetcher)

        _ = await error(of: service)
        clock.advance(by: 2.5)
        let secondFailureAt = clock.now
        _ = await error(of: service)
        let second = try XCTUnwrap(try store.failedLookup(for: reference))
        clock.advance(by: 5)
        fetcher.setTags(["1.0"])
        let answer = try await service.tags(for: reference)

        XCTAssertEqual(second.failureCount, 2)
        XCTAssertEqual(second.retryAt, secondFailureAt.addingTimeInterval(5))
        XCTAssertEqual(answer.entry.tags, ["1.0"])
        XCTAssertEqual(fetcher.calls, 3)
    }

    func testUnauthorizedFirstFetch_isNotRecorded() async throws {
        let fetcher = ScriptedFetcher()
        fetcher.fail(with: FetchError(.unauthorized, "registry.example.com rejected the credentials"))
        let service = try makeService(fetcher: fetcher)

        _ = await error(of: service)
        let again = await error(of: service)

        XCTAssertNil(try store.failedLookup(for: reference))
        guard case .fetch(let fetchError) = again else {
            return XCTFail("expected the registry's answer, got \(String(describing: again))")
        }
        XCTAssertEqual(fetchError.kind, .unauthorized)
        XCTAssertEqual(fetcher.calls, 2)
    }

    func testRegistryNotAllowed_isNotRecorded() async throws {
        let fetcher = ScriptedFetcher()
        fetcher.fail(with: FetchError(.registryNotAllowed, "address 10.0.0.1 is private"))
        let service = try makeService(fetcher: fetcher)

        _ = await error(of: service)

        XCTAssertNil(try store.failedLookup(for: reference))
    }

    func testRemoveEntry_deletesFailedLookup() async throws {
        let fetcher = ScriptedFetcher()
        fetcher.fail(with: FetchError(.nameUnknown, "repository team/app not found"))
        let service = try makeService(fetcher: fetcher)
        _ = await error(of: service)

        try store.removeEntry(for: reference)

        XCTAssertNil(try store.failedLookup(for: reference))
    }

    // MARK: HTTP

    func testHTTP_negativeEntryAnswers404WithCacheStatus() async throws {
        let fetcher = ScriptedFetcher()
        fetcher.fail(with: FetchError(.nameUnknown, "repository team/app not found"))
        let service = try makeService(fetcher: fetcher)
        let server = try HTTPServer(
            host: "127.0.0.1", port: 0, threads: 2, handler: Routes(cache: service, log: Log(minimumLevel: .error)))
        defer { server.stop(gracePeriod: 1) }
        let url = "http://127.0.0.1:\(server.port)/v1/tags?reference=\(reference.name)"

        let fetched = try await httpGet(url)
        clock.advance(by: 10)
        let cached = try await httpGet(url)

        XCTAssertEqual(fetched.status, 404)
        XCTAssertEqual(
            fetched.headers.values(for: "Cache-Status"),
            ["tagcache; fwd=uri-miss; fwd-status=404; stored; ttl=30; detail=negative"])
        XCTAssertEqual(fetched.headers.values(for: "Cache-Control"), ["max-age=30"])
        XCTAssertEqual(cached.status, 404)
        XCTAssertTrue(cached.body.contains("\"NAME_UNKNOWN\""), cached.body)
        XCTAssertEqual(cached.headers.values(for: "Cache-Status"), ["tagcache; hit; ttl=20; detail=negative"])
        XCTAssertEqual(cached.headers.values(for: "Cache-Control"), ["max-age=20"])
        XCTAssertEqual(fetcher.calls, 1)
    }

    func testHTTP_unauthorizedAnswers401AndIsNotRemembered() async throws {
        let fetcher = ScriptedFetcher()
        fetcher.fail(with: FetchError(.unauthorized, "registry.example.com rejected the credentials"))
        let service = try makeService(fetcher: fetcher)
        let server = try HTTPServer(
            host: "127.0.0.1", port: 0, threads: 2, handler: Routes(cache: service, log: Log(minimumLevel: .error)))
        defer { server.stop(gracePeriod: 1) }
        let url = "http://127.0.0.1:\(server.port)/v1/tags?reference=\(reference.name)"

        let fetched = try await httpGet(url)
        let again = try await httpGet(url)

        XCTAssertEqual(fetched.status, 401)
        XCTAssertEqual(again.status, 401)
        XCTAssertTrue(again.body.contains("\"UNAUTHORIZED\""), again.body)
        XCTAssertEqual(again.headers.values(for: "Retry-After"), [])
        XCTAssertEqual(fetched.headers.values(for: "Cache-Status"), ["tagcache; fwd=uri-miss; detail=unauthorized"])
        XCTAssertEqual(fetcher.calls, 2, "rejected credentials must be asked again, not answered from a remembered failure")
    }

    func testHTTP_pastStaleIfErrorReportsFwdStale() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let service = try makeService(fetcher: fetcher)
        let server = try HTTPServer(
            host: "127.0.0.1", port: 0, threads: 2, handler: Routes(cache: service, log: Log(minimumLevel: .error)))
        defer { server.stop(gracePeriod: 1) }
        let url = "http://127.0.0.1:\(server.port)/v1/tags?reference=\(reference.name)"
        _ = try await httpGet(url)
        fetcher.fail(with: FetchError(.unreachable, "cannot reach registry registry.example.com"))
        clock.advance(by: 60 + 6000 + 1)

        let failed = try await httpGet(url)

        XCTAssertEqual(failed.status, 502)
        XCTAssertEqual(failed.headers.values(for: "Cache-Status"), ["tagcache; fwd=stale; detail=unreachable"])
        XCTAssertEqual(failed.headers.values(for: "Cache-Control"), [])
    }

    func testRegistryNotAllowed_isNotCounted() async throws {
        let fetcher = ScriptedFetcher()
        fetcher.fail(with: FetchError(.registryNotAllowed, "address 10.0.0.1 is private"))
        let service = try makeService(fetcher: fetcher)

        _ = await error(of: service)
        service.flushPendingWrites()

        XCTAssertEqual(try store.allRegistryActivity(), [])
        XCTAssertFalse(service.metricsText().contains("tagcache_upstream_fetches_total{"), service.metricsText())
    }
}
