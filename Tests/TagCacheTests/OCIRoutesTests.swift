import Foundation
import Synchronization
import XCTest

@testable import TagCache

final class OCIRoutesTests: XCTestCase {
    private func makeServer(
        tags: [String], pageSize: Int = Configuration.defaultV2PageSize, aliases: [String: String] = [:]
    ) throws -> (RoutesServer, ScriptedFetcher) {
        let fetcher = ScriptedFetcher(tags: tags)
        let server = try RoutesServer(test: self, fetcher: fetcher) { cache, _ in
            Routes(cache: cache, log: Log(minimumLevel: .error), v2PageSize: pageSize, aliases: aliases)
        }
        return (server, fetcher)
    }

    func testBase_returnsEmptyObjectWithVersionHeader() async throws {
        let (server, _) = try makeServer(tags: [])

        let (status, body, headers) = try await httpGet(server.baseURL + "/v2/")

        XCTAssertEqual(status, 200)
        XCTAssertEqual(body, "{}\n")
        XCTAssertEqual(headers["Docker-Distribution-API-Version"], "registry/2.0")
    }

    func testTagsList_returnsSpecShape() async throws {
        let (server, _) = try makeServer(tags: ["b", "a"])

        let (status, body, headers) = try await httpGet(server.baseURL + "/v2/registry.example.com/team/app/tags/list")

        XCTAssertEqual(status, 200)
        XCTAssertEqual(body, "{\"name\":\"registry.example.com/team/app\",\"tags\":[\"a\",\"b\"]}\n")
        XCTAssertNil(headers["Link"])
    }

    func testTagsList_pagesWithNAndLast() async throws {
        let (server, _) = try makeServer(tags: ["a", "b", "c", "d", "e"])
        let path = "/v2/registry.example.com/team/app/tags/list"

        let first = try await server.getJSON(path + "?n=2")
        let second = try await server.getJSON(path + "?n=2&last=b")
        let third = try await server.getJSON(path + "?n=2&last=d")
        let between = try await server.getJSON(path + "?n=2&last=bb")

        XCTAssertEqual(first.json["tags"] as? [String], ["a", "b"])
        XCTAssertEqual(first.headers["Link"], "<\(path)?n=2&last=b>; rel=\"next\"")
        XCTAssertEqual(second.json["tags"] as? [String], ["c", "d"])
        XCTAssertEqual(second.headers["Link"], "<\(path)?n=2&last=d>; rel=\"next\"")
        XCTAssertEqual(third.json["tags"] as? [String], ["e"])
        XCTAssertNil(third.headers["Link"])
        XCTAssertEqual(between.json["tags"] as? [String], ["c", "d"])
    }

    func testTagsList_zeroNReturnsEmptyList() async throws {
        let (server, _) = try makeServer(tags: ["a", "b"])

        let (status, json, headers) = try await server.getJSON("/v2/registry.example.com/team/app/tags/list?n=0")

        XCTAssertEqual(status, 200)
        XCTAssertEqual(json["tags"] as? [String], [])
        XCTAssertNil(headers["Link"])
    }

    func testTagsList_defaultPageSizeFromSettings() async throws {
        let (server, _) = try makeServer(tags: ["a", "b", "c"], pageSize: 2)
        let path = "/v2/registry.example.com/team/app/tags/list"

        let (_, json, headers) = try await server.getJSON(path)

        XCTAssertEqual(json["tags"] as? [String], ["a", "b"])
        XCTAssertEqual(headers["Link"], "<\(path)?n=2&last=b>; rel=\"next\"")
    }

    func testTagsList_invalidNIsPaginationError() async throws {
        let (server, _) = try makeServer(tags: ["a"])

        let (status, json, _) = try await server.getJSON("/v2/registry.example.com/team/app/tags/list?n=-1")

        XCTAssertEqual(status, 400)
        XCTAssertEqual(Self.errorCode(json), "PAGINATION_NUMBER_INVALID")
    }

    func testName_withoutRegistryIsDockerHub() async throws {
        let (server, _) = try makeServer(tags: ["12"])

        let (status, json, _) = try await server.getJSON("/v2/library/debian/tags/list")
        let explicit = try await server.getJSON("/v2/docker.io/library/debian/tags/list")

        XCTAssertEqual(status, 200)
        XCTAssertEqual(json["name"] as? String, "library/debian")
        XCTAssertEqual(explicit.json["name"] as? String, "docker.io/library/debian")
        XCTAssertNotNil(try server.store.entry(for: ImageReference(registry: "docker.io", path: "library/debian")))
        XCTAssertEqual(try server.store.allEntries().count, 1)
    }

    func testName_aliasNamesRegistry() async throws {
        let (server, _) = try makeServer(tags: ["1.0"], aliases: ["local": "127.0.0.1:5000"])

        let (status, json, _) = try await server.getJSON("/v2/local/team/app/tags/list")

        XCTAssertEqual(status, 200)
        XCTAssertEqual(json["name"] as? String, "local/team/app")
        XCTAssertNotNil(try server.store.entry(for: ImageReference(registry: "127.0.0.1:5000", path: "team/app")))
    }

    func testName_localhostNamesRegistry() async throws {
        let (server, _) = try makeServer(tags: ["1.0"])

        _ = try await server.getJSON("/v2/localhost/team/app/tags/list")

        XCTAssertNotNil(try server.store.entry(for: ImageReference(registry: "localhost", path: "team/app")))
    }

    func testName_invalidIsNameInvalid() async throws {
        let (server, fetcher) = try makeServer(tags: ["1.0"])

        let (status, json, _) = try await server.getJSON("/v2/Team/App/tags/list")

        XCTAssertEqual(status, 400)
        XCTAssertEqual(Self.errorCode(json), "NAME_INVALID")
        XCTAssertEqual(fetcher.calls, 0)
    }

    func testName_unknownIsNameUnknown() async throws {
        let (server, fetcher) = try makeServer(tags: [])
        fetcher.fail(with: FetchError(.nameUnknown, "repository team/gone not found on registry.example.com"))

        let (status, json, headers) = try await server.getJSON("/v2/registry.example.com/team/gone/tags/list")

        XCTAssertEqual(status, 404)
        XCTAssertEqual(Self.errorCode(json), "NAME_UNKNOWN")
        XCTAssertEqual(headers["Docker-Distribution-API-Version"], "registry/2.0")
    }

    func testManifests_areUnsupported() async throws {
        let (server, _) = try makeServer(tags: ["1.0"])

        let manifest = try await server.getJSON("/v2/library/debian/manifests/latest")
        let blob = try await server.getJSON("/v2/library/debian/blobs/sha256:" + String(repeating: "0", count: 64))

        XCTAssertEqual(manifest.status, 405)
        XCTAssertEqual(Self.errorCode(manifest.json), "UNSUPPORTED")
        XCTAssertEqual(blob.status, 405)
        XCTAssertEqual(Self.errorCode(blob.json), "UNSUPPORTED")
    }

    private static func errorCode(_ json: [String: Any]) -> String? {
        let errors = json["errors"] as? [[String: Any]]
        return errors?.first?["code"] as? String
    }
}

/// skopeo pointed at tagcache's `/v2/` endpoint against skopeo pointed at the registry itself.
final class OCIRoutesSkopeoTests: XCTestCase {
    private var registry: DockerRegistry?

    override func tearDown() {
        registry?.shutDown()
        super.tearDown()
    }

    /// Counts `tags/list` requests before passing each request on to `Routes`.
    private final class CountingHandler: HTTPHandler {
        let routes: Routes
        let pages = Mutex(0)

        init(routes: Routes) {
            self.routes = routes
        }

        func handle(_ request: HTTPRequest) -> HTTPHandlerResult {
            if request.path.hasSuffix("/tags/list") {
                pages.withLock { $0 += 1 }
            }
            return routes.handle(request)
        }
    }

    func testSkopeo_listsSameTagsThroughTagcache() async throws {
        let registry = try DockerRegistry.start()
        self.registry = registry
        try OCIImageLayout().push(to: registry, repository: "team/app", tags: ["latest"])
        try registry.seedTags(repository: "team/app", from: "latest", count: 2_499)

        var configuration = Configuration()
        configuration.addInsecureRegistry(registry.host)
        let log = Log(minimumLevel: .error)
        let directory = try StoreTestDirectory.make(for: self)
        let store = try SQLiteTagStore(path: directory.appending(path: "cache.sqlite").path)
        let fetcher = RegistryClient(settings: { [configuration] in configuration.settings(for: $0) }, log: log)
        let cache = TagCacheService(store: store, fetcher: fetcher, policy: { _ in CachePolicy() }, log: log)
        let routes = Routes(cache: cache, log: log, aliases: ["reg": registry.host])
        let counter = CountingHandler(routes: routes)
        let server = try HTTPServer(host: "127.0.0.1", port: 0, threads: 2, handler: counter)
        defer { server.stop() }

        let direct = try Skopeo.listTags(reference: "\(registry.host)/team/app")
        let cached = try Skopeo.listTags(reference: "127.0.0.1:\(server.port)/reg/team/app")

        XCTAssertEqual(direct.tags.count, 2_500)
        XCTAssertEqual(cached.tags, direct.tags.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        XCTAssertEqual(cached.repository, "127.0.0.1:\(server.port)/reg/team/app")
        XCTAssertEqual(counter.pages.withLock { $0 }, 3)
    }
}
