import Foundation
import XCTest

@testable import TagCache

final class CredentialResolverTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try ScratchDirectory.create(prefix: "tagcache-credentials")
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: directory)
    }

    private func reference(_ text: String) throws -> ImageReference {
        try ImageReference.parse(text)
    }

    private func writeFile(_ name: String, _ json: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(json.utf8).write(to: url)
        return url.path
    }

    private static func base64(_ text: String) -> String {
        Data(text.utf8).base64EncodedString()
    }

    func testAuthFile_decodesBase64Auth() throws {
        let path = try writeFile("auth.json", #"{"auths":{"reg.example":{"auth":"\#(Self.base64("ann:s3cret:x"))"}}}"#)
        let credential = try CredentialResolver(authFile: path).credential(for: reference("reg.example/team/app"))

        XCTAssertEqual(credential?.username, "ann")
        XCTAssertEqual(credential?.secret, .password("s3cret:x"))
        XCTAssertEqual(credential?.source, path)
    }

    func testAuthFile_readsUsernameAndPassword() throws {
        let path = try writeFile("auth.json", #"{"auths":{"reg.example":{"username":"bob","password":"pw"}}}"#)
        let credential = try CredentialResolver(authFile: path).credential(for: reference("reg.example/app"))

        XCTAssertEqual(credential?.username, "bob")
        XCTAssertEqual(credential?.secret, .password("pw"))
    }

    func testAuthFile_prefersIdentityToken() throws {
        let path = try writeFile(
            "auth.json",
            #"{"auths":{"reg.example":{"auth":"\#(Self.base64("carl:unused"))","identitytoken":"refresh-1"}}}"#)
        let credential = try CredentialResolver(authFile: path).credential(for: reference("reg.example/app"))

        XCTAssertEqual(credential?.username, "carl")
        XCTAssertEqual(credential?.secret, .identityToken("refresh-1"))
    }

    func testAuthFile_matchesLongestNamespaceFirst() throws {
        let path = try writeFile(
            "auth.json",
            """
            {"auths": {
              "reg.example": {"username": "registry", "password": "1"},
              "reg.example/team": {"username": "team", "password": "2"},
              "reg.example/team/app": {"username": "app", "password": "3"}
            }}
            """)
        let resolver = CredentialResolver(authFile: path)

        XCTAssertEqual(try resolver.credential(for: reference("reg.example/team/app"))?.username, "app")
        XCTAssertEqual(try resolver.credential(for: reference("reg.example/team/other"))?.username, "team")
        XCTAssertEqual(try resolver.credential(for: reference("reg.example/other/app"))?.username, "registry")
        XCTAssertEqual(try resolver.credential(for: reference("reg.example/team/application"))?.username, "team")
        XCTAssertNil(try resolver.credential(for: reference("other.example/team/app")))
    }

    func testAuthFile_matchesDockerHubLegacyKey() throws {
        let path = try writeFile(
            "config.json", #"{"auths":{"https://index.docker.io/v1/":{"auth":"\#(Self.base64("hub:pw"))"}}}"#)
        let credential = try CredentialResolver(authFile: path).credential(for: reference("debian"))

        XCTAssertEqual(credential?.username, "hub")
    }

    func testAuthFile_normalizesDockerHubAliases() {
        XCTAssertEqual(AuthEntries.normalizedKey("https://index.docker.io/v1/"), "docker.io")
        XCTAssertEqual(AuthEntries.normalizedKey("registry-1.docker.io"), "docker.io")
        XCTAssertEqual(AuthEntries.normalizedKey("index.docker.io/v1/"), "docker.io")
        XCTAssertEqual(AuthEntries.normalizedKey("docker.io/library"), "docker.io/library")
        XCTAssertEqual(AuthEntries.normalizedKey("http://reg.example:5000/v2/"), "reg.example:5000")
        XCTAssertEqual(AuthEntries.normalizedKey("reg.example/team/"), "reg.example/team")
    }

    func testAuthFile_skipsEntryWithoutSecret() throws {
        let first = try writeFile("first.json", #"{"auths":{"reg.example":{}}}"#)
        let second = try writeFile("second.json", #"{"auths":{"reg.example":{"username":"u","password":"p"}}}"#)
        let resolver = CredentialResolver(standardFiles: [first, second])

        XCTAssertEqual(try resolver.credential(for: reference("reg.example/app"))?.source, second)
    }

    func testAuthFile_rejectsInvalidBase64WithoutQuotingIt() throws {
        let path = try writeFile("auth.json", #"{"auths":{"reg.example":{"auth":"not-base64-SECRETVALUE"}}}"#)

        XCTAssertThrowsError(try CredentialResolver(authFile: path).credential(for: reference("reg.example/app"))) {
            let message = ($0 as? CredentialError)?.message ?? ""
            XCTAssertTrue(message.contains(path), message)
            XCTAssertFalse(message.contains("SECRETVALUE"), message)
        }
    }

    func testAuthFile_rejectsInvalidJSONNamingPath() throws {
        let path = try writeFile("auth.json", #"{"auths": ["#)

        XCTAssertThrowsError(try CredentialResolver(standardFiles: [path]).credential(for: reference("reg.example/a"))) {
            XCTAssertTrue(($0 as? CredentialError)?.message.contains(path) ?? false)
        }
    }

    func testPrecedence_credsBeatAuthFile() throws {
        let path = try writeFile("auth.json", #"{"auths":{"reg.example":{"username":"file","password":"p"}}}"#)
        let resolver = CredentialResolver(explicit: try CredentialResolver.parseCreds("cli:pw"), authFile: path)

        let credential = try resolver.credential(for: reference("reg.example/app"))
        XCTAssertEqual(credential?.username, "cli")
        XCTAssertEqual(credential?.source, "--creds")
    }

    func testPrecedence_authFileBeatsConfiguration() throws {
        let path = try writeFile("auth.json", #"{"auths":{"reg.example":{"username":"file","password":"p"}}}"#)
        let configured = AuthEntries(["reg.example": .init(username: "config", password: "p")])
        let resolver = CredentialResolver(authFile: path, configured: configured)

        XCTAssertEqual(try resolver.credential(for: reference("reg.example/app"))?.username, "file")
    }

    func testPrecedence_configurationBeatsStandardFiles() throws {
        let path = try writeFile("auth.json", #"{"auths":{"reg.example":{"username":"file","password":"p"}}}"#)
        let configured = AuthEntries(["reg.example": .init(username: "config", password: "p")])
        let resolver = CredentialResolver(
            configured: configured, configurationSource: "/etc/tagcache.json", standardFiles: [path])

        let credential = try resolver.credential(for: reference("reg.example/app"))
        XCTAssertEqual(credential?.username, "config")
        XCTAssertEqual(credential?.source, "/etc/tagcache.json")
    }

    func testPrecedence_firstStandardFileWithEntryWins() throws {
        let runtime = try writeFile("runtime/containers/auth.json", #"{"auths":{"other.example":{"auth":"\#(Self.base64("x:y"))"}}}"#)
        let config = try writeFile("config/containers/auth.json", #"{"auths":{"reg.example":{"auth":"\#(Self.base64("podman:p"))"}}}"#)
        let docker = try writeFile("docker/config.json", #"{"auths":{"reg.example":{"auth":"\#(Self.base64("docker:p"))"}}}"#)
        let files = CredentialResolver.standardFiles(environment: [
            "HOME": directory.path, "XDG_RUNTIME_DIR": directory.appendingPathComponent("runtime").path,
            "XDG_CONFIG_HOME": directory.appendingPathComponent("config").path,
            "DOCKER_CONFIG": directory.appendingPathComponent("docker").path,
        ])
        XCTAssertEqual(files, [runtime, config, docker])

        let credential = try CredentialResolver(standardFiles: files).credential(for: reference("reg.example/app"))
        XCTAssertEqual(credential?.username, "podman")
    }

    func testStandardFiles_orderWithDefaults() {
        let files = CredentialResolver.standardFiles(environment: ["HOME": "/home/u", "REGISTRY_AUTH_FILE": "/a.json"])

        XCTAssertEqual(files, ["/a.json", "/home/u/.config/containers/auth.json", "/home/u/.docker/config.json"])
    }

    func testAuthFileOption_skipsStandardFiles() throws {
        let given = try writeFile("given.json", #"{"auths":{}}"#)
        let standard = try writeFile("standard.json", #"{"auths":{"reg.example":{"auth":"\#(Self.base64("s:p"))"}}}"#)
        let resolver = CredentialResolver(authFile: given, standardFiles: [standard])

        XCTAssertNil(try resolver.credential(for: reference("reg.example/app")))
    }

    func testAuthFileOption_missingFileIsAnError() throws {
        let resolver = CredentialResolver(authFile: directory.appendingPathComponent("missing.json").path)

        XCTAssertThrowsError(try resolver.credential(for: reference("reg.example/app")))
    }

    func testNoCreds_ignoresEverySource() throws {
        var resolver = CredentialResolver(explicit: try CredentialResolver.parseCreds("u:p"))
        resolver.isDisabled = true

        XCTAssertNil(try resolver.credential(for: reference("reg.example/app")))
    }

    func testParseCreds_withoutPasswordIsEmpty() throws {
        let credential = try CredentialResolver.parseCreds("user")

        XCTAssertEqual(credential.username, "user")
        XCTAssertEqual(credential.secret, .password(""))
        XCTAssertThrowsError(try CredentialResolver.parseCreds(":pw"))
    }

    func testCredential_descriptionHidesSecret() throws {
        let credential = try CredentialResolver.parseCreds("user:hunter2")

        XCTAssertFalse("\(credential)".contains("hunter2"))
        XCTAssertFalse(String(reflecting: credential).contains("hunter2"))
        XCTAssertFalse("\(credential.secret)".contains("hunter2"))
    }

    func testCredentialHelper_runsHelperFromCredHelpers() throws {
        try installHelper("fake", script: """
            read server
            if [ "$server" = "reg.example" ]; then
              printf '{"ServerURL":"%s","Username":"helper-user","Secret":"helper-secret"}' "$server"
            else
              echo "credentials not found in native keychain"; exit 1
            fi
            """)
        let path = try writeFile("config.json", #"{"credHelpers":{"reg.example":"fake"}}"#)

        let credential = try CredentialResolver(authFile: path).credential(for: reference("reg.example/app"))
        XCTAssertEqual(credential?.username, "helper-user")
        XCTAssertEqual(credential?.secret, .password("helper-secret"))
        XCTAssertEqual(credential?.source, "credential helper docker-credential-fake")
    }

    func testCredentialHelper_credsStoreNotFoundIsAnonymous() throws {
        try installHelper("store", script: #"echo "credentials not found in native keychain"; exit 1"#)
        let path = try writeFile("config.json", #"{"credsStore":"store"}"#)

        XCTAssertNil(try CredentialResolver(authFile: path).credential(for: reference("reg.example/app")))
    }

    func testCredentialHelper_tokenUserIsIdentityToken() throws {
        try installHelper("token", script: #"read server; printf '{"Username":"<token>","Secret":"refresh"}'"#)
        let path = try writeFile("config.json", #"{"credsStore":"token"}"#)

        let credential = try CredentialResolver(authFile: path).credential(for: reference("reg.example/app"))
        XCTAssertEqual(credential?.secret, .identityToken("refresh"))
    }

    func testCredentialHelper_timesOut() throws {
        try installHelper("slow", script: "exec sleep 5")
        let path = try writeFile("config.json", #"{"credsStore":"slow"}"#)
        var resolver = CredentialResolver(authFile: path)
        resolver.helperTimeout = 0.5

        let started = Date()
        XCTAssertThrowsError(try resolver.credential(for: reference("reg.example/app"))) {
            XCTAssertTrue(($0 as? CredentialError)?.message.contains("docker-credential-slow") ?? false)
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 3)
    }

    func testCredentialHelper_missingHelperNamesIt() throws {
        let path = try writeFile("config.json", #"{"credsStore":"absent-helper"}"#)

        XCTAssertThrowsError(try CredentialResolver(authFile: path).credential(for: reference("reg.example/app"))) {
            XCTAssertTrue(($0 as? CredentialError)?.message.contains("docker-credential-absent-helper") ?? false)
        }
    }

    /// Writes `docker-credential-NAME` into a directory put first on `PATH` for the rest of the test.
    private func installHelper(_ name: String, script: String) throws {
        let bin = directory.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let url = bin.appendingPathComponent("docker-credential-\(name)")
        try Data("#!/bin/sh\n\(script)\n".utf8).write(to: url)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)

        let oldPath = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        setenv("PATH", "\(bin.path):\(oldPath)", 1)
        addTeardownBlock { setenv("PATH", oldPath, 1) }
    }
}
