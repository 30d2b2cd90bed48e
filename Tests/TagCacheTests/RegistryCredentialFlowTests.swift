import Foundation
import XCTest

@testable import TagCache

/// `RegistryClient` with credentials against `FixtureRegistry`: Basic, Bearer with Basic credentials, identity
/// tokens, `insufficient_scope` and Docker Hub's answer for a missing or private repository.
final class RegistryCredentialFlowTests: XCTestCase {
    private var registries: [FixtureRegistry] = []

    override func tearDown() {
        for registry in registries {
            registry.stop()
        }
        registries = []
    }

    private let tags = ["v2", "v1", "latest"]

    private func startRegistry(_ configuration: FixtureRegistry.Configuration) throws -> FixtureRegistry {
        let registry = try FixtureRegistry(configuration)
        registries.append(registry)
        registry.setTags(tags, repository: "team/app")
        return registry
    }

    private func client(_ credential: RegistryCredential?) -> RegistryClient {
        var settings = RegistrySettings()
        settings.plainHTTP = true
        settings.allow = true
        settings.connectTimeout = 2
        settings.requestTimeout = 5
        let fixed = settings
        let credentials = CredentialResolver(explicit: credential, isDisabled: credential == nil)
        return RegistryClient(settings: { _ in fixed }, credentials: credentials, log: Log(minimumLevel: .error))
    }

    private func fetchError(_ client: RegistryClient, _ reference: ImageReference) async -> FetchError? {
        do {
            let fetched = try await client.listTags(of: reference)
            XCTFail("expected an error, got \(fetched)")
            return nil
        } catch {
            return error
        }
    }

    private func password(_ user: String, _ password: String, source: String = "/tmp/auth.json") -> RegistryCredential {
        RegistryCredential(username: user, secret: .password(password), source: source)
    }

    private static func basic(_ user: String, _ secret: String) -> String {
        "Basic " + Data("\(user):\(secret)".utf8).base64EncodedString()
    }

    private func bearerConfiguration() -> FixtureRegistry.Configuration {
        FixtureRegistry.Configuration(authentication: .bearer(service: "fixture", tokenField: .token))
    }

    func testBasic_sendsCredentialsFromResolver() async throws {
        let registry = try startRegistry(.init(authentication: .basic(user: "ann", password: "pw")))

        let fetched = try await client(password("ann", "pw")).listTags(of: ImageReference(registry: registry.authority, path: "team/app"))

        XCTAssertEqual(fetched.tags, ["latest", "v1", "v2"])
        XCTAssertEqual(registry.requests(of: .tagsList).last?.authorization, Self.basic("ann", "pw"))
    }

    func testBasic_wrongPasswordNamesRegistryAndSource() async throws {
        let registry = try startRegistry(.init(authentication: .basic(user: "ann", password: "pw")))

        let error = await fetchError(
            client(password("ann", "wrong-secret-value", source: "/home/ann/auth.json")),
            ImageReference(registry: registry.authority, path: "team/app"))

        XCTAssertEqual(error?.kind, .unauthorized)
        XCTAssertTrue(error?.message.contains(registry.authority) ?? false, error?.message ?? "")
        XCTAssertTrue(error?.message.contains("/home/ann/auth.json") ?? false, error?.message ?? "")
        XCTAssertFalse(error?.message.contains("wrong-secret-value") ?? true)
    }

    func testBearer_tokenRequestCarriesBasicAndAccount() async throws {
        var configuration = bearerConfiguration()
        configuration.tokenCredentials = .init(user: "ann", password: "pw")
        let registry = try startRegistry(configuration)

        let fetched = try await client(password("ann", "pw")).listTags(of: ImageReference(registry: registry.authority, path: "team/app"))

        XCTAssertEqual(fetched.tags, ["latest", "v1", "v2"])
        let tokenRequest = registry.requests(of: .token).first
        XCTAssertEqual(tokenRequest?.authorization, Self.basic("ann", "pw"))
        XCTAssertEqual(tokenRequest?.queryValue("account"), "ann")
        XCTAssertEqual(registry.requests(of: .tagsList).last?.authorization, "Bearer fixture-token-1")
        XCTAssertFalse(registry.requests(of: .tagsList).contains { $0.authorization?.hasPrefix("Basic") ?? false })
    }

    func testBearer_rejectedCredentialsAreUnauthorized() async throws {
        var configuration = bearerConfiguration()
        configuration.tokenCredentials = .init(user: "ann", password: "pw")
        let registry = try startRegistry(configuration)

        let error = await fetchError(
            client(password("ann", "bad-password-123")), ImageReference(registry: registry.authority, path: "team/app"))

        XCTAssertEqual(error?.kind, .unauthorized)
        XCTAssertTrue(error?.message.contains("/tmp/auth.json") ?? false, error?.message ?? "")
        XCTAssertFalse(error?.message.contains("bad-password-123") ?? true)
    }

    func testBearer_realmAnswersAccessToken() async throws {
        let registry = try startRegistry(
            .init(authentication: .bearer(service: "fixture", tokenField: .accessToken)))

        let fetched = try await client(nil).listTags(of: ImageReference(registry: registry.authority, path: "team/app"))

        XCTAssertEqual(fetched.tags, ["latest", "v1", "v2"])
        XCTAssertEqual(registry.requests(of: .tagsList).last?.authorization, "Bearer fixture-token-1")
    }

    func testIdentityToken_postsRefreshTokenGrant() async throws {
        var configuration = bearerConfiguration()
        configuration.tokenCredentials = .init(user: "ann", password: "unused", refreshToken: "refresh-1")
        let registry = try startRegistry(configuration)
        let credential = RegistryCredential(username: "ann", secret: .identityToken("refresh-1"), source: "auth.json")

        let fetched = try await client(credential).listTags(of: ImageReference(registry: registry.authority, path: "team/app"))

        XCTAssertEqual(fetched.tags, ["latest", "v1", "v2"])
        XCTAssertEqual(registry.requests(of: .token).map(\.method), ["POST"])
        XCTAssertNil(registry.requests(of: .token).first?.authorization)
    }

    func testIdentityToken_fallsBackToGetOn404() async throws {
        var configuration = bearerConfiguration()
        configuration.tokenCredentials = .init(user: "ann", password: "unused", refreshToken: "refresh-1", rejectsPost: true)
        let registry = try startRegistry(configuration)
        let credential = RegistryCredential(username: "ann", secret: .identityToken("refresh-1"), source: "auth.json")

        let fetched = try await client(credential).listTags(of: ImageReference(registry: registry.authority, path: "team/app"))

        XCTAssertEqual(fetched.tags, ["latest", "v1", "v2"])
        XCTAssertEqual(registry.requests(of: .token).map(\.method), ["POST", "GET"])
        XCTAssertEqual(registry.requests(of: .token).last?.authorization, Self.basic("ann", "refresh-1"))
    }

    func testInsufficientScope_requestsChallengeScopeOnce() async throws {
        var configuration = bearerConfiguration()
        configuration.requiredScopes = ["team/app": "repository:team/app:pull,push"]
        let registry = try startRegistry(configuration)

        let fetched = try await client(nil).listTags(of: ImageReference(registry: registry.authority, path: "team/app"))

        XCTAssertEqual(fetched.tags, ["latest", "v1", "v2"])
        XCTAssertEqual(
            registry.requests(of: .token).map { $0.queryValue("scope") },
            ["repository:team/app:pull", "repository:team/app:pull,push"])
        // Anonymous, then with the pull token, then with the token of the challenge's scope.
        XCTAssertEqual(registry.requests(of: .tagsList).count, 3)
    }

    func testInsufficientScope_repeatedIsNameUnknownOrDenied() async throws {
        var configuration = bearerConfiguration()
        configuration.hidesUnknownRepositories = true
        let registry = try startRegistry(configuration)

        let error = await fetchError(client(nil), ImageReference(registry: registry.authority, path: "team/missing"))

        XCTAssertEqual(error?.kind, .nameUnknownOrDenied)
        XCTAssertTrue(error?.message.contains("team/missing") ?? false, error?.message ?? "")
        // Anonymous, then with a token, then with a second token after the insufficient_scope.
        XCTAssertEqual(registry.requests(of: .tagsList).count, 3)
    }

    func testTokens_keptApartPerCredential() async throws {
        var configuration = bearerConfiguration()
        configuration.tokenCredentials = .init(user: "ann", password: "pw")
        let registry = try startRegistry(configuration)
        let reference = ImageReference(registry: registry.authority, path: "team/app")
        let settings: RegistrySettings = {
            var settings = RegistrySettings()
            settings.plainHTTP = true
            settings.allow = true
            return settings
        }()
        let first = RegistryClient(
            settings: { _ in settings }, credentials: CredentialResolver(explicit: password("ann", "pw")),
            log: Log(minimumLevel: .error))

        _ = try await first.listTags(of: reference)
        _ = try await first.listTags(of: reference)

        XCTAssertEqual(registry.requests(of: .token).count, 1)
        XCTAssertEqual(
            RegistryClient.tokenCacheKey(scope: "s", credential: password("ann", "pw")),
            RegistryClient.tokenCacheKey(scope: "s", credential: password("ann", "pw")))
        XCTAssertNotEqual(
            RegistryClient.tokenCacheKey(scope: "s", credential: password("ann", "pw")),
            RegistryClient.tokenCacheKey(scope: "s", credential: password("ann", "other")))
        XCTAssertFalse(RegistryClient.tokenCacheKey(scope: "s", credential: password("ann", "pw")).contains("pw"))
    }

    func testUnreadableCredentialsAreUnauthorized() async throws {
        let registry = try startRegistry(.init(authentication: .basic(user: "ann", password: "pw")))
        var settings = RegistrySettings()
        settings.plainHTTP = true
        settings.allow = true
        let fixed = settings
        let client = RegistryClient(
            settings: { _ in fixed }, credentials: CredentialResolver(authFile: "/nonexistent/auth.json"),
            log: Log(minimumLevel: .error))

        let error = await fetchError(client, ImageReference(registry: registry.authority, path: "team/app"))

        XCTAssertEqual(error?.kind, .unauthorized)
        XCTAssertTrue(error?.message.contains("/nonexistent/auth.json") ?? false, error?.message ?? "")
        XCTAssertEqual(registry.requestCount, 0)
    }
}
