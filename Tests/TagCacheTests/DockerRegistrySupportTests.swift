import Foundation
import Glibc
import XCTest

final class DockerRegistrySupportTests: XCTestCase {
    private var registries: [DockerRegistry] = []

    override func tearDown() {
        for registry in registries {
            registry.shutDown()
        }
        registries.removeAll()
        super.tearDown()
    }

    private func startRegistry(auth: DockerRegistry.Auth = .none) throws -> DockerRegistry {
        let registry = try DockerRegistry.start(auth: auth)
        registries.append(registry)
        return registry
    }

    func testFreePort_returnsPortThatCanBeBound() throws {
        let port = FreePort.allocate()

        XCTAssertGreaterThan(port, 0)
        let registry = try startRegistry()
        XCTAssertNotEqual(registry.port, 0)
        XCTAssertEqual(registry.host, "127.0.0.1:\(registry.port)")
    }

    func testPush_listsExactTagsPerRepository() throws {
        let registry = try startRegistry()
        let image = try OCIImageLayout()

        try image.push(to: registry, repository: "team/app", tags: ["v1", "v2", "latest"])
        try image.push(to: registry, repository: "team/other", tags: ["a", "b"])

        let app = try Skopeo.listTags(reference: "\(registry.host)/team/app")
        XCTAssertEqual(app.repository, "\(registry.host)/team/app")
        XCTAssertEqual(app.tags.sorted(), ["latest", "v1", "v2"])
        let other = try Skopeo.listTags(reference: "\(registry.host)/team/other")
        XCTAssertEqual(other.repository, "\(registry.host)/team/other")
        XCTAssertEqual(other.tags.sorted(), ["a", "b"])
        XCTAssertTrue(app.rawOutput.hasPrefix("{\n    \"Repository\": "), app.rawOutput)
    }

    func testPush_everyTagResolvesToLayoutManifest() throws {
        let registry = try startRegistry()
        let image = try OCIImageLayout()

        try image.push(to: registry, repository: "team/app", tags: ["first", "second"])

        for tag in ["first", "second"] {
            let response = try Curl.request(
                "GET", "\(registry.baseURL)/v2/team/app/manifests/\(tag)",
                headers: ["Accept: \(OCIImageLayout.manifestMediaType)"]
            )
            XCTAssertEqual(response.status, 200, tag)
            XCTAssertEqual(response.body, image.manifest, tag)
        }
    }

    func testOCIImageLayout_sameTextGivesSameDigest() throws {
        let first = try OCIImageLayout(layerText: "one\n")
        let second = try OCIImageLayout(layerText: "one\n")
        let different = try OCIImageLayout(layerText: "two\n")

        XCTAssertEqual(first.manifestDigest, second.manifestDigest)
        XCTAssertNotEqual(first.manifestDigest, different.manifestDigest)
        XCTAssertTrue(first.manifestDigest.hasPrefix("sha256:"), first.manifestDigest)
    }

    func testSeedTags_skopeoListsTenThousandTags() throws {
        let registry = try startRegistry()
        let image = try OCIImageLayout()
        try image.push(to: registry, repository: "team/big", tags: ["base"])

        let seedStart = Date()
        let seeded = try registry.seedTags(repository: "team/big", from: "base", count: 10_000)
        let seedSeconds = Date().timeIntervalSince(seedStart)
        let listStart = Date()
        let listed = try Skopeo.listTags(reference: "\(registry.host)/team/big")
        let listSeconds = Date().timeIntervalSince(listStart)
        print("seeded 10000 tags in \(seedSeconds) s; skopeo listed them in \(listSeconds) s")

        XCTAssertEqual(seeded.count, 10_000)
        XCTAssertEqual(seeded.first, "seed-00001")
        XCTAssertEqual(seeded.last, "seed-10000")
        XCTAssertEqual(listed.tags.count, 10_001)
        XCTAssertEqual(Set(listed.tags), Set(seeded + ["base"]))
        XCTAssertEqual(registry.requestCount(path: "/v2/team/big/tags/list"), 1)
    }

    func testCopyTags_copiedTagResolvesToSourceManifest() throws {
        let registry = try startRegistry()
        let image = try OCIImageLayout()
        try image.push(to: registry, repository: "team/app", tags: ["v1"])

        try registry.copyTags(repository: "team/app", from: "v1", to: ["copy-1", "copy-2"])

        let response = try Curl.request(
            "GET", "\(registry.baseURL)/v2/team/app/manifests/copy-2",
            headers: ["Accept: \(OCIImageLayout.manifestMediaType)"]
        )
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.body, image.manifest)
        let listed = try Skopeo.listTags(reference: "\(registry.host)/team/app")
        XCTAssertEqual(listed.tags.sorted(), ["copy-1", "copy-2", "v1"])
    }

    func testCopyTags_unknownSourceTagThrows() throws {
        let registry = try startRegistry()
        let image = try OCIImageLayout()
        try image.push(to: registry, repository: "team/app", tags: ["v1"])

        XCTAssertThrowsError(try registry.copyTags(repository: "team/app", from: "missing", to: ["new"])) { error in
            XCTAssertTrue(String(describing: error).contains("Push the tag"), String(describing: error))
        }
    }

    func testRequestCount_countsTagListRequests() throws {
        let registry = try startRegistry()
        let image = try OCIImageLayout()
        try image.push(to: registry, repository: "team/app", tags: ["v1"])
        let path = "/v2/team/app/tags/list"
        XCTAssertEqual(registry.requestCount(path: path), 0)

        for expected in 1...3 {
            let response = try Curl.request("GET", registry.baseURL + path)
            XCTAssertEqual(response.status, 200)
            XCTAssertEqual(registry.requestCount(path: path), expected)
        }

        _ = try Curl.request("GET", registry.baseURL + path + "?n=1")
        XCTAssertEqual(registry.requestCount(path: path), 4)
        _ = try Skopeo.listTags(reference: "\(registry.host)/team/app")
        XCTAssertEqual(registry.requestCount(path: path), 5)
        _ = try Curl.request("GET", registry.baseURL + "/v2/team/other/tags/list")
        XCTAssertEqual(registry.requestCount(path: path), 5)
        XCTAssertEqual(registry.requestCount(path: path, method: "HEAD"), 0)
    }

    func testRestart_keepsPortAndTags() throws {
        let registry = try startRegistry()
        let image = try OCIImageLayout()
        try image.push(to: registry, repository: "team/app", tags: ["v1", "v2"])
        let host = registry.host

        registry.stop()
        XCTAssertFalse(registry.isRunning)
        XCTAssertThrowsError(try Curl.request("GET", "\(registry.baseURL)/v2/", timeout: 1))

        try registry.restart()
        XCTAssertTrue(registry.isRunning)
        XCTAssertEqual(registry.host, host)
        let listed = try Skopeo.listTags(reference: "\(host)/team/app")
        XCTAssertEqual(listed.tags.sorted(), ["v1", "v2"])
        XCTAssertEqual(registry.requestCount(path: "/v2/team/app/tags/list"), 1)
    }

    func testRestart_portTakenThrowsWithRegistryStderr() throws {
        let registry = try startRegistry()
        registry.stop()
        let blocker = try listeningSocket(port: registry.port)
        defer { close(blocker) }

        XCTAssertThrowsError(try registry.restart()) { error in
            let message = String(describing: error)
            XCTAssertTrue(message.contains("exited during start-up"), message)
            XCTAssertTrue(message.contains("address already in use"), message)
        }
        XCTAssertFalse(registry.isRunning)
    }

    func testShutDown_stopsProcessAndRemovesDirectory() throws {
        let registry = try startRegistry()
        let directory = registry.directory
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory.path))

        registry.shutDown()

        XCTAssertFalse(registry.isRunning)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.path))
        XCTAssertThrowsError(try Curl.request("GET", "\(registry.baseURL)/v2/", timeout: 1))
    }

    func testHtpasswd_requiresCredentials() throws {
        let registry = try startRegistry(auth: .htpasswd(user: "alice", password: "secret"))
        let image = try OCIImageLayout()
        try image.push(to: registry, repository: "team/app", tags: ["v1", "v2"])

        let anonymous = try Curl.request("GET", "\(registry.baseURL)/v2/team/app/tags/list")
        XCTAssertEqual(anonymous.status, 401)
        let unauthenticated = try Skopeo.runListTags(reference: "\(registry.host)/team/app")
        XCTAssertEqual(unauthenticated.status, 1)
        XCTAssertTrue(unauthenticated.standardError.contains("unauthorized"), unauthenticated.standardError)
        let listed = try Skopeo.listTags(reference: "\(registry.host)/team/app", extraArguments: ["--creds", "alice:secret"])
        XCTAssertEqual(listed.tags.sorted(), ["v1", "v2"])
    }

    func testLoopback_acceptsOnlyLoopbackHosts() {
        XCTAssertTrue(Loopback.isLoopbackURL("http://127.0.0.1:5000/v2/"))
        XCTAssertTrue(Loopback.isLoopbackURL("http://127.1.2.3/v2/"))
        XCTAssertTrue(Loopback.isLoopbackURL("http://[::1]:5000/v2/"))
        XCTAssertTrue(Loopback.isLoopbackURL("http://localhost:5000/v2/"))
        XCTAssertFalse(Loopback.isLoopbackURL("http://127.example.com/v2/"))
        XCTAssertFalse(Loopback.isLoopbackURL("http://10.0.0.1/v2/"))
        XCTAssertFalse(Loopback.isLoopbackURL("http://127.0.0.1.example.com/v2/"))
        XCTAssertFalse(Loopback.isLoopbackURL("not a url"))
    }

    /// Returns a socket listening on 127.0.0.1:`port`, for tests that need the port to be taken.
    private func listeningSocket(port: UInt16) throws -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else {
            throw TestSupportError("socket failed with errno \(errno)")
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bindResult = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bindResult == 0, listen(descriptor, 1) == 0 else {
            close(descriptor)
            throw TestSupportError("binding 127.0.0.1:\(port) failed with errno \(errno)")
        }
        return descriptor
    }
}
