import Foundation
import XCTest

@testable import TagCache

/// `RegistryClient` against real docker-registry processes with TLS from a test CA and with token
/// authentication from `TokenIssuer`, using credentials from an auth.json the test writes.
final class RegistryTransportTests: XCTestCase {
    private var directory: URL!
    private var registry: LocalDistributionRegistry?
    private var issuer: TokenIssuer?

    private let tags = ["3.0", "1.0", "2.0"]

    override func setUpWithError() throws {
        directory = try ScratchDirectory.create(prefix: "tagcache-transport")
    }

    override func tearDown() {
        registry?.stop()
        issuer?.stop()
        registry = nil
        issuer = nil
        try? FileManager.default.removeItem(at: directory)
    }

    private func writeAuthFile(registry: String, user: String, password: String) throws -> String {
        let auth = Data("\(user):\(password)".utf8).base64EncodedString()
        let url = directory.appendingPathComponent("auth.json")
        try Data(#"{"auths":{"\#(registry)":{"auth":"\#(auth)"}}}"#.utf8).write(to: url)
        return url.path
    }

    private func startTLSRegistry() throws -> (LocalDistributionRegistry, TestCertificates) {
        let certificates = try TestCertificates.makeServerChain(in: directory)
        let registry = try LocalDistributionRegistry(
            http: "  tls:\n    certificate: \(certificates.serverCertificate)\n    key: \(certificates.serverKey)")
        self.registry = registry
        try registry.writeTags(tags, repository: "team/app")
        return (registry, certificates)
    }

    func testTLS_listsWithCAFile() async throws {
        let (registry, certificates) = try startTLSRegistry()
        var settings = RegistrySettings()
        settings.allow = true
        settings.caFile = certificates.caCertificate
        let fixed = settings
        let client = RegistryClient(settings: { _ in fixed }, log: Log(minimumLevel: .error))

        let fetched = try await client.listTags(of: ImageReference(registry: registry.authority, path: "team/app"))

        XCTAssertEqual(fetched.tags, ["1.0", "2.0", "3.0"])
    }

    func testTLS_withoutCAFileFailsVerification() async throws {
        let (registry, _) = try startTLSRegistry()
        var settings = RegistrySettings()
        settings.allow = true
        let fixed = settings
        let client = RegistryClient(settings: { _ in fixed }, log: Log(minimumLevel: .error))

        do {
            _ = try await client.listTags(of: ImageReference(registry: registry.authority, path: "team/app"))
            XCTFail("expected the unknown CA to fail TLS")
        } catch {
            XCTAssertEqual(error.kind, .unreachable)
            XCTAssertTrue(error.message.contains("TLS"), error.message)
        }
    }

    func testTLS_verifyOffSkipsCertificateCheck() async throws {
        let (registry, _) = try startTLSRegistry()
        var settings = RegistrySettings()
        settings.allow = true
        settings.tlsVerify = false
        let fixed = settings
        let client = RegistryClient(settings: { _ in fixed }, log: Log(minimumLevel: .error))

        let fetched = try await client.listTags(of: ImageReference(registry: registry.authority, path: "team/app"))

        XCTAssertEqual(fetched.tags, ["1.0", "2.0", "3.0"])
    }

    func testTLS_presentsClientCertificate() async throws {
        let certificates = try TestCertificates.makeServerChain(in: directory)
        try certificates.makeClientCertificate()
        let registry = try LocalDistributionRegistry(
            http: "  tls:\n    certificate: \(certificates.serverCertificate)\n    key: \(certificates.serverKey)\n"
                + "    clientcas:\n      - \(certificates.caCertificate)")
        self.registry = registry
        try registry.writeTags(tags, repository: "team/app")
        var settings = RegistrySettings()
        settings.allow = true
        settings.caFile = certificates.caCertificate
        settings.retry = .never
        let withoutCertificate = settings
        settings.clientCertificateFile = certificates.clientCertificate
        settings.clientKeyFile = certificates.clientKey
        let withCertificate = settings
        let reference = ImageReference(registry: registry.authority, path: "team/app")

        let fetched = try await RegistryClient(settings: { _ in withCertificate }, log: Log(minimumLevel: .error))
            .listTags(of: reference)
        XCTAssertEqual(fetched.tags, ["1.0", "2.0", "3.0"])

        do {
            _ = try await RegistryClient(settings: { _ in withoutCertificate }, log: Log(minimumLevel: .error))
                .listTags(of: reference)
            XCTFail("expected the registry to require a client certificate")
        } catch {
            XCTAssertEqual(error.kind, .unreachable, error.message)
        }
    }

    private func startTokenRegistry(user: String, password: String) throws -> (LocalDistributionRegistry, TokenIssuer) {
        let certificates = try TestCertificates.makeTokenSigner(in: directory)
        let issuer = try TokenIssuer(certificates: certificates, user: user, password: password)
        self.issuer = issuer
        let registry = try LocalDistributionRegistry(
            auth: issuer.registryAuthConfiguration(rootCertificateBundle: certificates.tokenCertificate))
        self.registry = registry
        try registry.writeTags(tags, repository: "team/app")
        return (registry, issuer)
    }

    private func plainClient(authFile: String) -> RegistryClient {
        var settings = RegistrySettings()
        settings.plainHTTP = true
        settings.allow = true
        let fixed = settings
        return RegistryClient(
            settings: { _ in fixed }, credentials: CredentialResolver(authFile: authFile),
            log: Log(minimumLevel: .error))
    }

    func testToken_listsWithCredentialsFromAuthFile() async throws {
        let (registry, issuer) = try startTokenRegistry(user: "ann", password: "token-pw")
        let authFile = try writeAuthFile(registry: registry.authority, user: "ann", password: "token-pw")

        let fetched = try await plainClient(authFile: authFile)
            .listTags(of: ImageReference(registry: registry.authority, path: "team/app"))

        XCTAssertEqual(fetched.tags, ["1.0", "2.0", "3.0"])
        XCTAssertEqual(issuer.requestedScopes, ["repository:team/app:pull"])
    }

    func testToken_wrongPasswordNamesRegistryAndFile() async throws {
        let (registry, _) = try startTokenRegistry(user: "ann", password: "token-pw")
        let authFile = try writeAuthFile(registry: registry.authority, user: "ann", password: "nope-71xq")

        do {
            _ = try await plainClient(authFile: authFile)
                .listTags(of: ImageReference(registry: registry.authority, path: "team/app"))
            XCTFail("expected rejected credentials")
        } catch {
            XCTAssertEqual(error.kind, .unauthorized)
            XCTAssertTrue(error.message.contains(registry.authority), error.message)
            XCTAssertTrue(error.message.contains(authFile), error.message)
            XCTAssertFalse(error.message.contains("nope-71xq"), error.message)
        }
    }

    func testToken_skopeoFetcherGivesSameTags() async throws {
        let (registry, _) = try startTokenRegistry(user: "ann", password: "token-pw")
        let authFile = try writeAuthFile(registry: registry.authority, user: "ann", password: "token-pw")
        var settings = RegistrySettings()
        settings.plainHTTP = true
        settings.allow = true
        let fixed = settings
        let skopeo = SkopeoFetcher(
            settings: { _ in fixed }, credentials: CredentialResolver(authFile: authFile), log: Log(minimumLevel: .error))
        let reference = ImageReference(registry: registry.authority, path: "team/app")

        let viaSkopeo = try await skopeo.listTags(of: reference)
        let viaOCI = try await plainClient(authFile: authFile).listTags(of: reference)

        XCTAssertEqual(viaSkopeo.tags, ["1.0", "2.0", "3.0"])
        XCTAssertEqual(viaSkopeo.tags, viaOCI.tags)
    }
}
