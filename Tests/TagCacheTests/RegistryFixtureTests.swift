import Foundation
import XCTest

@testable import TagCache

/// `RegistryClient` end to end against `FixtureRegistry`, for pagination, token and limit behaviour that
/// docker-registry cannot show.
final class RegistryFixtureTests: XCTestCase {
    private var registries: [FixtureRegistry] = []

    override func tearDown() {
        for registry in registries {
            registry.stop()
        }
        registries = []
    }

    private func startRegistry(
        _ configuration: FixtureRegistry.Configuration = FixtureRegistry.Configuration(),
        tags: [String] = ["v3", "v1", "latest", "v2", "1.0", "beta", "alpha"]
    ) throws -> FixtureRegistry {
        let registry = try FixtureRegistry(configuration)
        registries.append(registry)
        registry.setTags(tags, repository: "team/app")
        return registry
    }

    private func client(
        pageSize: Int = 2, maxPages: Int = 10_000, maxPageBytes: Int = 1024 * 1024, requestTimeout: Double = 5
    ) -> RegistryClient {
        var settings = RegistrySettings()
        settings.plainHTTP = true
        settings.allow = true
        settings.connectTimeout = 2
        settings.requestTimeout = requestTimeout
        settings.pageSize = pageSize
        settings.maxPages = maxPages
        settings.maxPageBytes = maxPageBytes
        let fixed = settings
        return RegistryClient(settings: { _ in fixed }, log: Log(minimumLevel: .error))
    }

    private func reference(on registry: FixtureRegistry) -> ImageReference {
        ImageReference(registry: registry.authority, path: "team/app")
    }

    private func fetchError(
        _ client: RegistryClient, _ reference: ImageReference, file: StaticString = #filePath, line: UInt = #line
    ) async -> FetchError? {
        do {
            let fetched = try await client.listTags(of: reference)
            XCTFail("expected an error, got \(fetched)", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }

    private let sortedTags = ["1.0", "alpha", "beta", "latest", "v1", "v2", "v3"]

    // MARK: - Link styles

    func testListTags_passesOpaqueCursorBack() async throws {
        let registry = try startRegistry(FixtureRegistry.Configuration(link: .init(target: .opaqueCursor)))

        let fetched = try await client().listTags(of: reference(on: registry))

        XCTAssertEqual(fetched.tags, sortedTags)
        XCTAssertEqual(fetched.pages, 4)
        let pages = registry.requests(of: .tagsList)
        XCTAssertEqual(pages.map { $0.queryValue("cursor") }, [nil, "page+2/==", "page+4/==", "page+6/=="])
        XCTAssertEqual(pages.map { $0.queryValue("n") }, ["2", "2", "2", "2"])
    }

    func testListTags_followsAbsoluteLink() async throws {
        let registry = try startRegistry(FixtureRegistry.Configuration(link: .init(target: .absolute)))

        let fetched = try await client().listTags(of: reference(on: registry))

        XCTAssertEqual(fetched.tags, sortedTags)
        XCTAssertEqual(fetched.pages, 4)
        XCTAssertEqual(registry.requests(of: .tagsList).map { $0.queryValue("last") }, [nil, "v1", "v2", "beta"])
    }

    func testListTags_picksNextLinkAfterPrev() async throws {
        let registry = try startRegistry(FixtureRegistry.Configuration(link: .init(listsPreviousFirst: true)))

        let fetched = try await client().listTags(of: reference(on: registry))

        XCTAssertEqual(fetched.tags, sortedTags)
        XCTAssertEqual(fetched.pages, 4)
        XCTAssertEqual(registry.requests(of: .tagsList).map { $0.queryValue("last") }, [nil, "v1", "v2", "beta"])
    }

    func testListTags_followsUnquotedRelation() async throws {
        let registry = try startRegistry(
            FixtureRegistry.Configuration(link: .init(quotesRelation: false, listsPreviousFirst: true)))

        let fetched = try await client().listTags(of: reference(on: registry))

        XCTAssertEqual(fetched.tags, sortedTags)
        XCTAssertEqual(fetched.pages, 4)
    }

    func testListTags_rejectsLinkToOtherPort() async throws {
        let other = try startRegistry()
        let registry = try startRegistry(
            FixtureRegistry.Configuration(
                link: .init(target: .otherPort(other.port)),
                authentication: .bearer(service: "fixture", tokenField: .token)))

        let error = await fetchError(client(), reference(on: registry))

        XCTAssertEqual(error?.kind, .invalidResponse)
        XCTAssertEqual(error?.message.contains("127.0.0.1:\(other.port)"), true, error?.message ?? "")
        XCTAssertEqual(other.requestCount, 0)
        // The first page carried a token, so a followed link would have sent it to the other port.
        XCTAssertEqual(registry.requests(of: .tagsList).last?.authorization, "Bearer fixture-token-1")
    }

    func testListTags_rejectsLinkLoop() async throws {
        let registry = try startRegistry(FixtureRegistry.Configuration(link: .init(loop: (from: 2, to: 1))))

        let error = await fetchError(client(), reference(on: registry))

        XCTAssertEqual(error?.kind, .invalidResponse)
        XCTAssertEqual(error?.message.contains("loops"), true, error?.message ?? "")
        XCTAssertEqual(registry.requests(of: .tagsList).count, 3)
    }

    // MARK: - Page sizes

    func testListTags_acceptsRegistryIgnoringN() async throws {
        let registry = try startRegistry(FixtureRegistry.Configuration(pageSize: .all))

        let fetched = try await client(pageSize: 2).listTags(of: reference(on: registry))

        XCTAssertEqual(fetched.tags, sortedTags)
        XCTAssertEqual(fetched.pages, 1)
        XCTAssertEqual(registry.requests(of: .tagsList).first?.queryValue("n"), "2")
    }

    func testListTags_followsLinkAfterShortPages() async throws {
        let registry = try startRegistry(FixtureRegistry.Configuration(pageSize: .fixed(3)))

        let fetched = try await client(pageSize: 10).listTags(of: reference(on: registry))

        XCTAssertEqual(fetched.tags, sortedTags)
        XCTAssertEqual(fetched.pages, 3)
        XCTAssertEqual(registry.requests(of: .tagsList).map { $0.queryValue("last") }, [nil, "latest", "beta"])
    }

    func testListTags_reads40000TagsOver400Pages() async throws {
        // Multiplying by 7919, which is prime to 40,000, permutes the indices, so the registry's order is not sorted.
        let count = 40_000
        let tags = (0..<count).map { String(format: "tag-%05d", ($0 * 7919) % count) }
        let registry = try startRegistry(tags: tags)

        let fetched = try await client(pageSize: 100).listTags(of: reference(on: registry))

        XCTAssertEqual(fetched.tags.count, count)
        XCTAssertEqual(fetched.tags, tags.sorted())
        XCTAssertEqual(fetched.pages, 400)
        XCTAssertEqual(registry.requests(of: .tagsList).count, 400)
    }

    // MARK: - Authentication

    func testListTags_readsTokenField() async throws {
        try await assertBearerFlow(tokenField: .token)
    }

    func testListTags_readsAccessTokenField() async throws {
        try await assertBearerFlow(tokenField: .accessToken)
    }

    private func assertBearerFlow(
        tokenField: FixtureRegistry.TokenField, file: StaticString = #filePath, line: UInt = #line
    ) async throws {
        let registry = try startRegistry(
            FixtureRegistry.Configuration(authentication: .bearer(service: "fixture-service", tokenField: tokenField)))

        let fetched = try await client().listTags(of: reference(on: registry))

        XCTAssertEqual(fetched.tags, sortedTags, file: file, line: line)
        let tokenRequests = registry.requests(of: .token)
        XCTAssertEqual(tokenRequests.count, 1, file: file, line: line)
        XCTAssertEqual(tokenRequests.first?.queryValue("service"), "fixture-service", file: file, line: line)
        XCTAssertEqual(tokenRequests.first?.queryValue("scope"), "repository:team/app:pull", file: file, line: line)
        XCTAssertNil(tokenRequests.first?.authorization, file: file, line: line)
        XCTAssertEqual(registry.requests(of: .probe).count, 0, file: file, line: line)
        // The anonymous first page returns the challenge, then four pages go out with the token.
        let pages = registry.requests(of: .tagsList)
        XCTAssertEqual(pages.count, 5, file: file, line: line)
        XCTAssertEqual(
            pages.map(\.authorization), [nil] + Array(repeating: "Bearer fixture-token-1", count: 4),
            file: file, line: line)
    }

    func testListTags_reusesTokenOnSecondListing() async throws {
        let registry = try startRegistry(
            FixtureRegistry.Configuration(authentication: .bearer(service: "fixture", tokenField: .token)))
        let client = client()

        let first = try await client.listTags(of: reference(on: registry))
        let second = try await client.listTags(of: reference(on: registry))

        XCTAssertEqual(first.tags, sortedTags)
        XCTAssertEqual(second.tags, sortedTags)
        XCTAssertEqual(registry.requests(of: .token).count, 1)
        XCTAssertEqual(registry.requests(of: .probe).count, 0)
        XCTAssertEqual(
            registry.requests(of: .tagsList).map(\.authorization),
            [nil] + Array(repeating: "Bearer fixture-token-1", count: 8))
    }

    func testListTags_basicChallengeIsUnauthorized() async throws {
        let registry = try startRegistry(
            FixtureRegistry.Configuration(authentication: .basic(user: "user", password: "secret")))

        let error = await fetchError(client(), reference(on: registry))

        XCTAssertEqual(error?.kind, .unauthorized)
        XCTAssertEqual(error?.message.contains("HTTP Basic"), true, error?.message ?? "")
        XCTAssertEqual(registry.requests(of: .tagsList).map(\.authorization), [nil])
        XCTAssertEqual(registry.requests(of: .probe).count, 0)
    }

    // MARK: - Probe

    func testListTags_anonymousRegistryGetsNoProbe() async throws {
        let registry = try startRegistry()

        let fetched = try await client().listTags(of: reference(on: registry))

        XCTAssertEqual(fetched.tags, sortedTags)
        XCTAssertEqual(registry.requests(of: .probe).count, 0)
        XCTAssertEqual(registry.requests(of: .tagsList).count, 4)
    }

    func testListTags_unknownRepositoryIsProbedOnce() async throws {
        let registry = try startRegistry()

        let error = await fetchError(client(), ImageReference(registry: registry.authority, path: "team/missing"))

        XCTAssertEqual(error?.kind, .nameUnknown)
        XCTAssertEqual(registry.requests(of: .probe).count, 1)
        XCTAssertEqual(registry.requests(of: .tagsList).count, 1)
    }

    func testListTags_serverWithoutRegistryAPIFailsAtProbe() async throws {
        let server = try HTTPServer(host: "127.0.0.1", port: 0, threads: 1, handler: NotFoundHandler())
        defer { server.stop(gracePeriod: 1) }

        let error = await fetchError(client(), ImageReference(registry: "127.0.0.1:\(server.port)", path: "team/app"))

        XCTAssertEqual(error?.kind, .invalidResponse)
        XCTAssertEqual(error?.message.contains("returned HTTP 404 to GET"), true, error?.message ?? "")
        XCTAssertEqual(error?.message.contains("/v2/ instead of 200 or 401"), true, error?.message ?? "")
    }

    // MARK: - Limits

    func testListTags_oversizedPageIsLimitExceeded() async throws {
        let registry = try startRegistry()
        registry.injectFault(.oversizedBody(bytes: 5000), on: .tagsList)

        let error = await fetchError(client(maxPageBytes: 4096), reference(on: registry))

        XCTAssertEqual(error?.kind, .limitExceeded)
        XCTAssertEqual(error?.message.contains("4096 bytes"), true, error?.message ?? "")
        XCTAssertEqual(registry.requests(of: .tagsList).count, 1)
    }

    func testListTags_tooManyPagesIsLimitExceeded() async throws {
        let registry = try startRegistry()

        let error = await fetchError(client(pageSize: 2, maxPages: 3), reference(on: registry))

        XCTAssertEqual(error?.kind, .limitExceeded)
        XCTAssertEqual(error?.message.contains("more than 3 pages"), true, error?.message ?? "")
        XCTAssertEqual(registry.requests(of: .tagsList).count, 3)
    }

    func testListTags_slowPageTimesOut() async throws {
        let registry = try startRegistry()
        registry.injectFault(.delay(seconds: 3), on: .tagsList)

        let started = Date()
        let error = await fetchError(client(requestTimeout: 1), reference(on: registry))

        XCTAssertEqual(error?.kind, .timeout)
        XCTAssertLessThan(Date().timeIntervalSince(started), 2.5)
    }

    // MARK: - Fixture faults

    func testFixture_injectsStatusFaultsInOrder() async throws {
        let registry = try startRegistry()
        registry.injectFault(.serviceUnavailable, count: 2, on: .tagsList)
        registry.injectFault(.tooManyRequests(retryAfterSeconds: 7), on: .tagsList)
        let url = "http://\(registry.authority)/v2/team/app/tags/list"

        let probe = try await httpGet("http://\(registry.authority)/v2/")
        let first = try await httpGet(url)
        let second = try await httpGet(url)
        let third = try await httpGet(url)
        let fourth = try await httpGet(url)

        XCTAssertEqual(probe.status, 200)
        XCTAssertEqual(first.status, 503)
        XCTAssertEqual(second.status, 503)
        XCTAssertEqual(third.status, 429)
        XCTAssertEqual(third.headers["Retry-After"], "7")
        XCTAssertEqual(fourth.status, 200)
        XCTAssertEqual(registry.requestCount, 5)
        XCTAssertEqual(registry.requests(of: .tagsList).count, 4)
    }
}

/// A web server that is no registry: 404 for every path.
private struct NotFoundHandler: HTTPHandler {
    func handle(_ request: HTTPRequest) -> HTTPHandlerResult {
        .response(HTTPResponse(status: 404, body: Array("not found".utf8)))
    }
}
