import Foundation
import XCTest

@testable import TagCache

/// `SkopeoFetcher` running the real skopeo against real docker-registry processes and the fixture registry.
final class SkopeoFetcherTests: XCTestCase {
    private var directory: URL!
    private var registry: LocalDistributionRegistry?
    private var fixtures: [FixtureRegistry] = []

    private let user = "ann"
    private let password = "skopeo-pw-4Kd"

    override func setUpWithError() throws {
        directory = try ScratchDirectory.create(prefix: "tagcache-skopeo-fetcher")
    }

    override func tearDown() {
        registry?.stop()
        registry = nil
        fixtures.forEach { $0.stop() }
        fixtures = []
        try? FileManager.default.removeItem(at: directory)
    }

    private func startHtpasswdRegistry() throws -> LocalDistributionRegistry {
        let htpasswd = try LocalDistributionRegistry.runTool("/usr/bin/htpasswd", ["-Bbn", user, password])
        let passwordFile = directory.appendingPathComponent("htpasswd")
        try htpasswd.write(to: passwordFile, atomically: true, encoding: .utf8)
        let registry = try LocalDistributionRegistry(
            auth: "  htpasswd:\n    realm: tagcache-test\n    path: \(passwordFile.path)")
        self.registry = registry
        try registry.writeTags(["2.0", "1.0", "latest", "beta"], repository: "team/app")
        return registry
    }

    private func writeAuthFile(registry: String, password: String) throws -> String {
        let auth = Data("\(user):\(password)".utf8).base64EncodedString()
        let url = directory.appendingPathComponent("auth.json")
        try Data(#"{"auths":{"\#(registry)":{"auth":"\#(auth)"}}}"#.utf8).write(to: url)
        return url.path
    }

    private func settings(_ change: (inout RegistrySettings) -> Void = { _ in }) -> @Sendable (String) -> RegistrySettings {
        var settings = RegistrySettings()
        settings.plainHTTP = true
        settings.allow = true
        settings.requestTimeout = 5
        change(&settings)
        let fixed = settings
        return { _ in fixed }
    }

    private func skopeo(
        authFile: String? = nil, executable: String = "skopeo",
        settings: (@Sendable (String) -> RegistrySettings)? = nil
    ) -> SkopeoFetcher {
        let credentials = authFile.map { CredentialResolver(authFile: $0) } ?? .anonymous
        return SkopeoFetcher(
            settings: settings ?? self.settings(), credentials: credentials, executable: executable,
            log: Log(minimumLevel: .error))
    }

    private func fetchError(_ fetcher: some TagFetcher, _ reference: ImageReference) async -> FetchError? {
        do {
            let fetched = try await fetcher.listTags(of: reference)
            XCTFail("expected an error, got \(fetched)")
            return nil
        } catch {
            return error
        }
    }

    func testSkopeo_matchesOCIClientWithAuthFile() async throws {
        let registry = try startHtpasswdRegistry()
        let authFile = try writeAuthFile(registry: registry.authority, password: password)
        let reference = ImageReference(registry: registry.authority, path: "team/app")
        let oci = RegistryClient(
            settings: settings(), credentials: CredentialResolver(authFile: authFile), log: Log(minimumLevel: .error))

        let viaSkopeo = try await skopeo(authFile: authFile).listTags(of: reference)
        let viaOCI = try await oci.listTags(of: reference)

        XCTAssertEqual(viaSkopeo.tags, ["1.0", "2.0", "beta", "latest"])
        XCTAssertEqual(viaSkopeo.tags, viaOCI.tags)
    }

    func testSkopeo_wrongPasswordIsUnauthorizedNamingFile() async throws {
        let registry = try startHtpasswdRegistry()
        let authFile = try writeAuthFile(registry: registry.authority, password: "bad-pw-22Lm")

        let error = await fetchError(
            skopeo(authFile: authFile), ImageReference(registry: registry.authority, path: "team/app"))

        XCTAssertEqual(error?.kind, .unauthorized)
        XCTAssertTrue(error?.message.contains(authFile) ?? false, error?.message ?? "")
        XCTAssertTrue(error?.message.contains(registry.authority) ?? false, error?.message ?? "")
        XCTAssertFalse(error?.message.contains("bad-pw-22Lm") ?? true)
    }

    func testSkopeo_anonymousOnProtectedRegistryIsUnauthorized() async throws {
        let registry = try startHtpasswdRegistry()

        let error = await fetchError(skopeo(), ImageReference(registry: registry.authority, path: "team/app"))

        XCTAssertEqual(error?.kind, .unauthorized)
    }

    func testSkopeo_unknownRepositoryIsNameUnknown() async throws {
        let registry = try LocalDistributionRegistry()
        self.registry = registry

        let error = await fetchError(skopeo(), ImageReference(registry: registry.authority, path: "team/missing"))

        XCTAssertEqual(error?.kind, .nameUnknown, error?.message ?? "")
    }

    func testSkopeo_connectionRefusedIsUnreachable() async throws {
        let port = try LocalDistributionRegistry.freePort()

        let error = await fetchError(skopeo(), ImageReference(registry: "127.0.0.1:\(port)", path: "team/app"))

        XCTAssertEqual(error?.kind, .unreachable)
    }

    func testSkopeo_slowRegistryTimesOut() async throws {
        let fixture = try FixtureRegistry()
        fixtures.append(fixture)
        fixture.setTags(["a"], repository: "team/app")
        fixture.injectFault(.delay(seconds: 4), count: 10, on: .tagsList)

        let started = Date()
        let error = await fetchError(
            skopeo(settings: settings { $0.requestTimeout = 0.5 }),
            ImageReference(registry: fixture.authority, path: "team/app"))

        XCTAssertEqual(error?.kind, .timeout)
        XCTAssertLessThan(Date().timeIntervalSince(started), 3.9)
    }

    func testSkopeo_missingExecutableSaysToInstall() async throws {
        let fixture = try FixtureRegistry()
        fixtures.append(fixture)

        let error = await fetchError(
            skopeo(executable: "/nonexistent/skopeo"), ImageReference(registry: fixture.authority, path: "team/app"))

        XCTAssertEqual(error?.kind, .unreachable)
        XCTAssertTrue(error?.message.contains("install skopeo") ?? false, error?.message ?? "")
    }

    func testSkopeo_listsTLSRegistryWithCAFile() async throws {
        let certificates = try TestCertificates.makeServerChain(in: directory)
        let registry = try LocalDistributionRegistry(
            http: "  tls:\n    certificate: \(certificates.serverCertificate)\n    key: \(certificates.serverKey)")
        self.registry = registry
        try registry.writeTags(["x", "y"], repository: "team/app")

        let fetched = try await skopeo(
            settings: settings {
                $0.plainHTTP = false
                $0.caFile = certificates.caCertificate
            }
        ).listTags(of: ImageReference(registry: registry.authority, path: "team/app"))

        XCTAssertEqual(fetched.tags, ["x", "y"])
    }

    func testRouter_picksFetcherPerRegistry() async throws {
        let fixture = try FixtureRegistry()
        let skopeoFixture = try FixtureRegistry()
        fixtures += [fixture, skopeoFixture]
        fixture.setTags(["b", "a"], repository: "team/app")
        let skopeoAuthority = skopeoFixture.authority
        var plain = RegistrySettings()
        plain.plainHTTP = true
        plain.allow = true
        let ociSettings = plain
        plain.fetcher = .skopeo
        let skopeoSettings = plain
        let lookup: @Sendable (String) -> RegistrySettings = { $0 == skopeoAuthority ? skopeoSettings : ociSettings }
        let router = FetcherRouter(
            settings: lookup,
            fetchers: [
                .oci: RegistryClient(settings: lookup, log: Log(minimumLevel: .error)),
                .skopeo: SkopeoFetcher(settings: lookup, executable: "/nonexistent/skopeo", log: Log(minimumLevel: .error)),
            ])

        let fetched = try await router.listTags(of: ImageReference(registry: fixture.authority, path: "team/app"))
        let error = await fetchError(router, ImageReference(registry: skopeoAuthority, path: "team/app"))

        XCTAssertEqual(fetched.tags, ["a", "b"])
        XCTAssertTrue(error?.message.contains("install skopeo") ?? false, error?.message ?? "")
    }

    func testFatalMessage_extractsMsg() {
        let standardError = #"time="2026-12-04T21:00:00Z" level=fatal msg="Error listing repository tags: fetching tags list: repository name not known to registry""# + "\n"

        XCTAssertEqual(
            SkopeoRun.fatalMessage(in: standardError),
            "Error listing repository tags: fetching tags list: repository name not known to registry")
    }
}
