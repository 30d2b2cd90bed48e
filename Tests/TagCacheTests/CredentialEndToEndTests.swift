import Foundation
import XCTest

@testable import TagCache

/// The `tagcache` binary against a real docker-registry with htpasswd authentication, with credentials read from
/// an auth.json the test writes.
final class CredentialEndToEndTests: XCTestCase {
    private var home: URL!
    private var registry: LocalDistributionRegistry?

    private let user = "ann"
    private let password = "correct-horse-7F3q"
    private let wrongPassword = "wrong-battery-9Zx2"

    override func setUpWithError() throws {
        home = try ScratchDirectory.create(prefix: "tagcache-credentials-home")
    }

    override func tearDown() {
        registry?.stop()
        registry = nil
        try? FileManager.default.removeItem(at: home)
    }

    private func startRegistry() throws -> LocalDistributionRegistry {
        let htpasswd = try LocalDistributionRegistry.runTool("/usr/bin/htpasswd", ["-Bbn", user, password])
        let passwordFile = home.appendingPathComponent("htpasswd")
        try htpasswd.write(to: passwordFile, atomically: true, encoding: .utf8)
        let registry = try LocalDistributionRegistry(
            auth: "  htpasswd:\n    realm: tagcache-test\n    path: \(passwordFile.path)")
        self.registry = registry
        try registry.writeTags(["2.0", "1.0", "latest"], repository: "team/app")
        return registry
    }

    private func writeAuthFile(registry: String, password: String) throws -> String {
        let auth = Data("\(user):\(password)".utf8).base64EncodedString()
        let url = home.appendingPathComponent("auth.json")
        try Data(#"{"auths":{"\#(registry)":{"auth":"\#(auth)"}}}"#.utf8).write(to: url)
        return url.path
    }

    private var database: String { home.appendingPathComponent("cache.sqlite").path }

    func testListTags_readsCredentialsFromAuthFile() throws {
        let registry = try startRegistry()
        let authFile = try writeAuthFile(registry: registry.authority, password: password)

        let result = try TagcacheBinary.run(
            [
                "list-tags", "--database", database, "--insecure-registry", registry.authority, "--authfile",
                authFile, "docker://\(registry.authority)/team/app",
            ], home: home)

        XCTAssertEqual(result.status, 0, result.standardError)
        let decoded = try JSONSerialization.jsonObject(with: result.standardOutput) as? [String: Any]
        XCTAssertEqual(decoded?["Tags"] as? [String], ["1.0", "2.0", "latest"])
    }

    func testListTags_readsDockerConfigFromHome() throws {
        let registry = try startRegistry()
        let authFile = try writeAuthFile(registry: registry.authority, password: password)
        let dockerDirectory = home.appendingPathComponent(".docker")
        try FileManager.default.createDirectory(at: dockerDirectory, withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: authFile, toPath: dockerDirectory.appendingPathComponent("config.json").path)

        let result = try TagcacheBinary.run(
            [
                "list-tags", "--database", database, "--insecure-registry", registry.authority,
                "docker://\(registry.authority)/team/app",
            ], home: home)

        XCTAssertEqual(result.status, 0, result.standardError)
    }

    func testListTags_credsOptionOverridesFile() throws {
        let registry = try startRegistry()
        let authFile = try writeAuthFile(registry: registry.authority, password: wrongPassword)

        let result = try TagcacheBinary.run(
            [
                "list-tags", "--database", database, "--insecure-registry", registry.authority, "--authfile",
                authFile, "--creds", "\(user):\(password)", "docker://\(registry.authority)/team/app",
            ], home: home)

        XCTAssertEqual(result.status, 0, result.standardError)
    }

    func testListTags_wrongPasswordNamesRegistryAndFile() throws {
        let registry = try startRegistry()
        let authFile = try writeAuthFile(registry: registry.authority, password: wrongPassword)

        let result = try TagcacheBinary.run(
            [
                "list-tags", "--database", database, "--insecure-registry", registry.authority, "--authfile",
                authFile, "docker://\(registry.authority)/team/app",
            ], home: home)

        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.standardError.contains("registry \(registry.authority)"), result.standardError)
        XCTAssertTrue(result.standardError.contains(authFile), result.standardError)
        XCTAssertTrue(result.standardError.contains("rejected"), result.standardError)
        assertNoSecret(in: result.standardOutput, "stdout")
        assertNoSecret(in: Data(result.standardError.utf8), "stderr")
        assertNoSecret(inDatabaseAt: database)
    }

    func testServe_wrongPasswordIsUnauthorizedWithoutSecret() throws {
        let registry = try startRegistry()
        let authFile = try writeAuthFile(registry: registry.authority, password: wrongPassword)
        let port = try LocalDistributionRegistry.freePort()
        let output = home.appendingPathComponent("serve.out")
        let errors = home.appendingPathComponent("serve.err")
        let server = try TagcacheBinary.start(
            [
                "serve", "--listen", "127.0.0.1:\(port)", "--database", database, "--insecure-registry",
                registry.authority, "--authfile", authFile,
            ], home: home, standardOutput: output, standardError: errors)
        defer {
            server.terminate()
            server.waitUntilExit()
        }
        try waitForHealth(port: port)

        let response = try Curl.request("GET", "http://127.0.0.1:\(port)/v1/tags?reference=\(registry.authority)/team/app")
        server.terminate()
        server.waitUntilExit()

        XCTAssertEqual(response.status, 401)
        XCTAssertTrue(response.bodyText.contains("UNAUTHORIZED"), response.bodyText)
        XCTAssertTrue(response.bodyText.contains(authFile), response.bodyText)
        assertNoSecret(in: response.body, "response body")
        assertNoSecret(in: (try? Data(contentsOf: output)) ?? Data(), "stdout")
        assertNoSecret(in: (try? Data(contentsOf: errors)) ?? Data(), "stderr")
        assertNoSecret(inDatabaseAt: database)
    }

    private func waitForHealth(port: Int) throws {
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            if let response = try? Curl.request("GET", "http://127.0.0.1:\(port)/healthz", timeout: 1), response.status == 200 {
                return
            }
            usleep(50_000)
        }
        throw TestSupportError("tagcache serve did not answer /healthz on port \(port) within 15 s")
    }

    /// Checks `data` for the password, its base64 form, and the base64 of `user:password`.
    private func assertNoSecret(in data: Data, _ name: String, file: StaticString = #filePath, line: UInt = #line) {
        for secret in [wrongPassword, Data("\(user):\(wrongPassword)".utf8).base64EncodedString()] {
            XCTAssertNil(data.range(of: Data(secret.utf8)), "\(name) contains a secret", file: file, line: line)
        }
    }

    private func assertNoSecret(inDatabaseAt path: String, file: StaticString = #filePath, line: UInt = #line) {
        for suffix in ["", "-wal", "-shm"] {
            guard let bytes = FileManager.default.contents(atPath: path + suffix) else { continue }
            assertNoSecret(in: bytes, "database file \(path + suffix)", file: file, line: line)
        }
    }
}
