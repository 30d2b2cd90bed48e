import Foundation
import XCTest
@testable import TagCache

final class RegistryClientTests: XCTestCase {
    private var registry: LocalDistributionRegistry?
    private var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("tagcache-auth-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDown() {
        registry?.stop()
        try? FileManager.default.removeItem(at: scratch)
    }

    private func startRegistry(auth: String? = nil) throws -> LocalDistributionRegistry {
        let started = try LocalDistributionRegistry(auth: auth)
        registry = started
        return started
    }

    private func client(plainHTTP: Bool = true, allow: Bool = true) -> RegistryClient {
        var settings = RegistrySettings()
        settings.plainHTTP = plainHTTP
        settings.allow = allow
        settings.connectTimeout = 2
        settings.requestTimeout = 5
        let fixed = settings
        return RegistryClient(settings: { _ in fixed }, log: Log(minimumLevel: .error))
    }

    private func fetchError(
        _ client: RegistryClient, _ reference: ImageReference, file: StaticString = #filePath, line: UInt = #line
    ) async -> FetchError? {
        do {
            let tags = try await client.listTags(of: reference)
            XCTFail("expected an error, got \(tags)", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }

    func testListTags_returnsTagsInByteOrder() async throws {
        let registry = try startRegistry()
        try registry.writeTags(["v2", "v1", "latest", "1.0", "a", "B", "_x"], repository: "team/app")
        let fetched = try await client().listTags(of: ImageReference(registry: registry.authority, path: "team/app"))
        XCTAssertEqual(fetched.tags, ["1.0", "B", "_x", "a", "latest", "v1", "v2"])
        XCTAssertEqual(fetched.pages, 1)
    }

    func testListTags_worksWithLocalhostName() async throws {
        let registry = try startRegistry()
        try registry.writeTags(["1"], repository: "app")
        let fetched = try await client().listTags(of: ImageReference(registry: "localhost:\(registry.port)", path: "app"))
        XCTAssertEqual(fetched.tags, ["1"])
    }

    func testListTags_unknownRepositoryIsNameUnknown() async throws {
        let registry = try startRegistry()
        let error = await fetchError(client(), ImageReference(registry: registry.authority, path: "team/missing"))
        XCTAssertEqual(error?.kind, .nameUnknown)
        XCTAssertEqual(
            error?.message.hasPrefix("repository team/missing not found on registry \(registry.authority)"), true,
            error?.message ?? "")
    }

    func testListTags_rejectsLoopbackWithoutAllow() async throws {
        let registry = try startRegistry()
        let error = await fetchError(client(allow: false), ImageReference(registry: registry.authority, path: "app"))
        XCTAssertEqual(error?.kind, .registryNotAllowed)
        XCTAssertEqual(error?.message.contains("--insecure-registry \(registry.authority)"), true, error?.message ?? "")
        let log = try String(contentsOf: registry.logFile, encoding: .utf8)
        XCTAssertFalse(log.contains("GET /v2/"), "the registry was contacted: \(log)")
    }

    func testListTags_refusedConnectionIsUnreachable() async throws {
        let port = try LocalDistributionRegistry.freePort()
        let error = await fetchError(client(), ImageReference(registry: "127.0.0.1:\(port)", path: "app"))
        XCTAssertEqual(error?.kind, .unreachable)
        XCTAssertEqual(error?.message.contains("plain_http"), true, error?.message ?? "")
        XCTAssertEqual(error?.message.contains("127.0.0.1:\(port)"), true, error?.message ?? "")
    }

    func testListTags_httpsToPlainRegistryIsUnreachable() async throws {
        let registry = try startRegistry()
        let error = await fetchError(client(plainHTTP: false), ImageReference(registry: registry.authority, path: "app"))
        XCTAssertEqual(error?.kind, .unreachable)
        XCTAssertEqual(error?.message.contains("TLS"), true, error?.message ?? "")
    }

    func testListTags_basicChallengeIsUnauthorized() async throws {
        let htpasswd = try LocalDistributionRegistry.runTool("/usr/bin/htpasswd", ["-Bbn", "user", "secret"])
        let passwordFile = scratch.appendingPathComponent("htpasswd")
        try htpasswd.write(to: passwordFile, atomically: true, encoding: .utf8)
        let registry = try startRegistry(auth: "  htpasswd:\n    realm: tagcache-test\n    path: \(passwordFile.path)")

        let error = await fetchError(client(), ImageReference(registry: registry.authority, path: "app"))
        XCTAssertEqual(error?.kind, .unauthorized)
        XCTAssertEqual(
            error?.message.hasPrefix("registry \(registry.authority) requires credentials"), true, error?.message ?? "")
    }

    func testListTags_bearerChallengeRequestsTokenFromRealm() async throws {
        let certificate = scratch.appendingPathComponent("token.pem")
        _ = try LocalDistributionRegistry.runTool(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=tagcache-test",
                "-keyout", scratch.appendingPathComponent("token.key").path, "-out", certificate.path,
            ])
        let realmPort = try LocalDistributionRegistry.freePort()
        let registry = try startRegistry(
            auth: """
                  token:
                    realm: http://127.0.0.1:\(realmPort)/token
                    service: tagcache-test
                    issuer: tagcache-test
                    rootcertbundle: \(certificate.path)
                """)

        // Nothing listens on the realm's port, so the token request is the request that fails.
        let error = await fetchError(client(), ImageReference(registry: registry.authority, path: "team/app"))
        XCTAssertEqual(error?.kind, .unreachable)
        XCTAssertEqual(
            error?.message.contains("http://127.0.0.1:\(realmPort)/token?service=tagcache-test&scope=repository%3Ateam%2Fapp%3Apull"),
            true, error?.message ?? "")
    }

    func testReauthenticate_rejectsPlainHTTPRealmOverHTTPS() async throws {
        let realm = "http://127.0.0.1:1/token"
        let target = FetchTarget(
            reference: ImageReference(registry: "127.0.0.1:5000", path: "app"), settings: RegistrySettings(),
            baseURL: HTTPURL(string: "https://127.0.0.1:5000/")!, addresses: [IPAddress("127.0.0.1")!])
        let response = ClientResponse(
            status: 401, headers: ["WWW-Authenticate": "Bearer realm=\"\(realm)\",service=s"], body: [])
        do {
            _ = try await client(plainHTTP: false).reauthenticate(
                target, scope: "repository:app:pull", response: response, probeChallenges: nil)
            XCTFail("expected the plain-HTTP realm to be rejected")
        } catch {
            XCTAssertEqual(error.kind, .invalidResponse)
            XCTAssertTrue(error.message.contains("plain HTTP"), error.message)
        }
    }

    func testStatusError_mapsStatuses() throws {
        let target = FetchTarget(
            reference: ImageReference(registry: "r.example", path: "team/app"), settings: RegistrySettings(),
            baseURL: HTTPURL(string: "https://r.example/")!, addresses: [])
        let request = ClientRequest(url: HTTPURL(string: "https://r.example/v2/team/app/tags/list")!)
        let ociError = Array(#"{"errors":[{"code":"DENIED","message":"no pulls for you"}]}"#.utf8)
        let cases: [(Int, FetchError.Kind)] = [
            (404, .nameUnknown), (401, .unauthorized), (403, .denied), (429, .invalidResponse), (500, .invalidResponse),
        ]
        for (status, kind) in cases {
            let response = ClientResponse(status: status, headers: [:], body: ociError)
            let error = client().statusError(response, request: request, target: target, sentToken: true)
            XCTAssertEqual(error.kind, kind, "status \(status)")
            XCTAssertTrue(error.message.contains("(registry error DENIED: no pulls for you)"), "status \(status): \(error.message)")
        }
    }

    func testDecodePage_acceptsNullAndMissingTags() throws {
        let target = FetchTarget(
            reference: ImageReference(registry: "r.example", path: "app"), settings: RegistrySettings(),
            baseURL: HTTPURL(string: "https://r.example/")!, addresses: [])
        let url = HTTPURL(string: "https://r.example/v2/app/tags/list")!
        XCTAssertEqual(try client().decodePage(Array(#"{"name":"app","tags":null}"#.utf8), url: url, target: target), [])
        XCTAssertEqual(try client().decodePage(Array(#"{"name":"app"}"#.utf8), url: url, target: target), [])
        XCTAssertEqual(try client().decodePage(Array(#"{"tags":["b","a","b"]}"#.utf8), url: url, target: target), ["b", "a", "b"])
    }

    func testDecodePage_readsOtherMembersWithJSONDecoder() throws {
        let target = FetchTarget(
            reference: ImageReference(registry: "r.example", path: "app"), settings: RegistrySettings(),
            baseURL: HTTPURL(string: "https://r.example/")!, addresses: [])
        let url = HTTPURL(string: "https://r.example/v2/app/tags/list")!
        let body = #"{"name":"app","tags":["b","a"],"child":[],"manifest":{"sha256:0":{"tag":["b"],"size":1}}}"#

        XCTAssertNil(TagListScanner.tags(in: Array(body.utf8)))
        XCTAssertEqual(try client().decodePage(Array(body.utf8), url: url, target: target), ["b", "a"])
    }

    func testDecodePage_rejectsInvalidBodies() {
        let target = FetchTarget(
            reference: ImageReference(registry: "r.example", path: "app"), settings: RegistrySettings(),
            baseURL: HTTPURL(string: "https://r.example/")!, addresses: [])
        let url = HTTPURL(string: "https://r.example/v2/app/tags/list")!
        for body in [#"{"tags":"latest"}"#, "[]", "not json", #"{"tags":[1]}"#, #"{"tags":["a"]} x"#, #"{"tags":["\ud83d"]}"#] {
            XCTAssertThrowsError(try client().decodePage(Array(body.utf8), url: url, target: target), body) { error in
                XCTAssertEqual((error as? FetchError)?.kind, .invalidResponse, body)
            }
        }
    }

    func testRegistryMessageSuffix_namesCodeAndMessage() {
        let body = #"{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}"#

        XCTAssertEqual(
            client().registryMessageSuffix(Array(body.utf8)),
            " (registry error NAME_UNKNOWN: repository name not known to registry)")
    }

    func testRegistryMessageSuffix_ignoresNonJSONBodies() {
        XCTAssertEqual(client().registryMessageSuffix(Array("<html>502</html>".utf8)), "")
        XCTAssertEqual(client().registryMessageSuffix(Array(#"{"errors":[]}"#.utf8)), "")
    }
}
