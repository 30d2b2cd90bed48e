import Foundation
import XCTest

@testable import TagCache

/// Retries, `Retry-After` and rate-limit headers of `RegistryClient` against `FixtureRegistry`.
final class RegistryRetryTests: XCTestCase {
    private var registries: [FixtureRegistry] = []

    override func tearDown() {
        for registry in registries {
            registry.stop()
        }
        registries = []
    }

    private func startRegistry(_ configuration: FixtureRegistry.Configuration = .init()) throws -> FixtureRegistry {
        let registry = try FixtureRegistry(configuration)
        registries.append(registry)
        registry.setTags(["b", "a"], repository: "team/app")
        return registry
    }

    private func client(retry: RetryPolicy = RetryPolicy(), stats: RegistryStats = RegistryStats()) -> RegistryClient {
        var settings = RegistrySettings()
        settings.plainHTTP = true
        settings.allow = true
        settings.connectTimeout = 2
        settings.requestTimeout = 5
        settings.retry = retry
        settings.retry.initialBackoff = 0.05
        let fixed = settings
        return RegistryClient(settings: { _ in fixed }, stats: stats, log: Log(minimumLevel: .error))
    }

    private func reference(_ registry: FixtureRegistry, _ path: String = "team/app") -> ImageReference {
        ImageReference(registry: registry.authority, path: path)
    }

    func testRetry_429HonoursRetryAfter() async throws {
        let registry = try startRegistry()
        registry.injectFault(.tooManyRequests(retryAfterSeconds: 1), on: .tagsList)
        let stats = RegistryStats()

        let started = Date()
        let fetched = try await client(stats: stats).listTags(of: reference(registry))

        XCTAssertEqual(fetched.tags, ["a", "b"])
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 0.95)
        XCTAssertEqual(registry.requests(of: .tagsList).count, 2)
        XCTAssertEqual(stats.retries(for: registry.authority), 1)
    }

    func testRetry_503TwiceThenSuccess() async throws {
        let registry = try startRegistry()
        registry.injectFault(.serviceUnavailable, count: 2, on: .tagsList)

        let fetched = try await client().listTags(of: reference(registry))

        XCTAssertEqual(fetched.tags, ["a", "b"])
        XCTAssertEqual(registry.requests(of: .tagsList).count, 3)
    }

    func testRetry_stopsAfterMaxAttempts() async throws {
        let registry = try startRegistry()
        registry.injectFault(.serviceUnavailable, count: 10, on: .tagsList)
        var policy = RetryPolicy()
        policy.maxAttempts = 3

        do {
            _ = try await client(retry: policy).listTags(of: reference(registry))
            XCTFail("expected the 503s to fail the fetch")
        } catch {
            XCTAssertEqual(error.kind, .invalidResponse)
            XCTAssertTrue(error.message.contains("503"), error.message)
        }
        XCTAssertEqual(registry.requests(of: .tagsList).count, 3)
    }

    func testRetry_retryAfterBeyondTotalTimeIsFinal() async throws {
        let registry = try startRegistry()
        registry.injectFault(.tooManyRequests(retryAfterSeconds: 20), on: .tagsList)
        var policy = RetryPolicy()
        policy.maxTotalTime = 2

        let started = Date()
        do {
            _ = try await client(retry: policy).listTags(of: reference(registry))
            XCTFail("expected the 429 to fail the fetch")
        } catch {
            XCTAssertTrue(error.message.contains("429"), error.message)
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 2)
        XCTAssertEqual(registry.requests(of: .tagsList).count, 1)
    }

    func testRetry_404IsFinal() async throws {
        let registry = try startRegistry()

        do {
            _ = try await client().listTags(of: reference(registry, "team/missing"))
            XCTFail("expected nameUnknown")
        } catch {
            XCTAssertEqual(error.kind, .nameUnknown)
        }
        XCTAssertEqual(registry.requests(of: .tagsList).count, 1)
    }

    func testRetry_connectionRefusedIsRetried() async throws {
        let port = try LocalDistributionRegistry.freePort()
        var policy = RetryPolicy()
        policy.maxAttempts = 3
        let started = Date()

        do {
            _ = try await client(retry: policy).listTags(of: ImageReference(registry: "127.0.0.1:\(port)", path: "a"))
            XCTFail("expected a connection failure")
        } catch {
            XCTAssertEqual(error.kind, .unreachable)
        }
        // Two backoffs of at least 0.025 s and 0.05 s.
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 0.075)
    }

    func testStats_recordsRateLimitHeaders() async throws {
        var configuration = FixtureRegistry.Configuration()
        configuration.extraHeaders = [("ratelimit-limit", "100;w=21600"), ("ratelimit-remaining", "76;w=21600")]
        let registry = try startRegistry(configuration)
        let stats = RegistryStats()

        _ = try await client(stats: stats).listTags(of: reference(registry))

        let rateLimit = stats.rateLimit(for: registry.authority)
        XCTAssertEqual(rateLimit?.limit, 100)
        XCTAssertEqual(rateLimit?.remaining, 76)
        XCTAssertEqual(rateLimit?.remainingHeader, "76;w=21600")
        XCTAssertEqual(stats.registries, [registry.authority])
    }

    func testRetryAfter_parsesSecondsAndDates() {
        let now = Date(timeIntervalSince1970: 784_111_777)  // Sun, 06 Nov 1994 08:49:37 GMT

        XCTAssertEqual(RetryPolicy.retryAfterSeconds("7", now: now), 7)
        XCTAssertEqual(RetryPolicy.retryAfterSeconds("Sun, 06 Nov 1994 08:49:47 GMT", now: now), 10)
        XCTAssertEqual(RetryPolicy.retryAfterSeconds("Sunday, 06-Nov-94 08:49:40 GMT", now: now), 3)
        XCTAssertEqual(RetryPolicy.retryAfterSeconds("Sun Nov  6 08:49:39 1994", now: now), 2)
        XCTAssertEqual(RetryPolicy.retryAfterSeconds("Sun, 06 Nov 1994 08:00:00 GMT", now: now), 0)
        XCTAssertNil(RetryPolicy.retryAfterSeconds("soon", now: now))
        XCTAssertNil(RetryPolicy.retryAfterSeconds("-3", now: now))
    }

    func testRetryPolicy_capsRetryAfterAndClassifiesStatuses() {
        var policy = RetryPolicy()
        policy.maxRetryAfter = 5
        let limited = ClientResponse(status: 429, headers: ["Retry-After": "120"], body: [])

        XCTAssertEqual(policy.delay(after: limited, attempt: 1), 5)
        for status in [408, 500, 502, 503, 504] {
            XCTAssertNotNil(policy.delay(after: ClientResponse(status: status, headers: [:], body: []), attempt: 1), "\(status)")
        }
        for status in [200, 400, 401, 403, 404] {
            XCTAssertNil(policy.delay(after: ClientResponse(status: status, headers: [:], body: []), attempt: 1), "\(status)")
        }
    }

    func testBackoff_growsWithJitterWithinBounds() {
        var policy = RetryPolicy()
        policy.initialBackoff = 1
        policy.maxBackoff = 4

        for _ in 0..<50 {
            XCTAssertTrue((0.5...1).contains(policy.backoff(attempt: 1)))
            XCTAssertTrue((1...2).contains(policy.backoff(attempt: 2)))
            XCTAssertTrue((2...4).contains(policy.backoff(attempt: 5)))
        }
    }
}
