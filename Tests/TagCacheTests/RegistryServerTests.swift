import Foundation
import XCTest
@testable import TagCache

/// A `docker-registry` process on 127.0.0.1 with its storage in a temporary directory, stopped by `stop()`.
final class LocalDistributionRegistry {
    let port: Int
    let directory: URL
    let process = Process()

    var storageRoot: URL { directory.appendingPathComponent("storage") }
    var logFile: URL { directory.appendingPathComponent("registry.log") }
    var authority: String { "127.0.0.1:\(port)" }

    /// Starts the registry and waits until it accepts connections.
    ///
    /// - Parameter auth: YAML lines placed under `auth:` in the configuration, indented by two spaces, or nil
    ///   for anonymous access.
    /// - Parameter http: YAML lines added under `http:`, indented by two spaces, such as a `tls:` section.
    init(auth: String? = nil, http: String? = nil) throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tagcache-registry-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        port = try Self.freePort()

        var config = """
            version: 0.1
            log:
              level: error
            storage:
              filesystem:
                rootdirectory: \(directory.path)/storage
            http:
              addr: 127.0.0.1:\(port)

            """
        if let http {
            config += "\(http)\n"
        }
        if let auth {
            config += "auth:\n\(auth)\n"
        }
        let configFile = directory.appendingPathComponent("config.yml")
        try config.write(to: configFile, atomically: true, encoding: .utf8)

        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/docker-registry")
        process.arguments = ["serve", configFile.path]
        let log = try FileHandle(forWritingTo: logFile)
        process.standardOutput = log
        process.standardError = log
        try process.run()
        try waitUntilListening()
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// Creates `repository` with `tags` by writing the registry's storage directly. The tag links point at a
    /// digest whose blobs do not exist, which is enough for `tags/list`.
    func writeTags(_ tags: [String], repository: String) throws {
        let tagsDirectory = storageRoot.appendingPathComponent(
            "docker/registry/v2/repositories/\(repository)/_manifests/tags")
        for tag in tags {
            let current = tagsDirectory.appendingPathComponent("\(tag)/current")
            try FileManager.default.createDirectory(at: current, withIntermediateDirectories: true)
            let digest = "sha256:" + String(repeating: "ab", count: 32)
            try digest.write(to: current.appendingPathComponent("link"), atomically: true, encoding: .utf8)
        }
    }

    func baseURL() -> HTTPURL {
        HTTPURL(string: "http://\(authority)/")!
    }

    /// Returns a port that was free on 127.0.0.1 a moment ago, found by binding port 0.
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(descriptor) }
        var address = loopbackAddress(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0 && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func loopbackAddress(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    /// Runs `executable` to completion and returns its standard output. Throws when it exits with a failure.
    static func runTool(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw RegistryStartError(message: "\(executable) \(arguments) exited with \(process.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    private func waitUntilListening() throws {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            guard process.isRunning else {
                let output = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
                throw RegistryStartError(message: "docker-registry exited: \(output)")
            }
            if Self.acceptsConnections(port: port) {
                return
            }
            usleep(20_000)
        }
        stop()
        throw RegistryStartError(message: "docker-registry did not listen on port \(port) within 10 s")
    }

    private static func acceptsConnections(port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = loopbackAddress(port: UInt16(port))
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                connect(descriptor, socketAddress, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}

struct RegistryStartError: Error {
    var message: String
}

final class RegistryServerTests: XCTestCase {
    func testLocalRegistry_listsTagsWrittenToStorage() throws {
        let registry = try LocalDistributionRegistry()
        defer { registry.stop() }
        try registry.writeTags(["b", "a"], repository: "team/app")

        var request = ClientRequest(url: registry.baseURL().resolving("/v2/team/app/tags/list")!)
        request.totalTimeout = 5
        let response = try HTTPClient().send(request)
        XCTAssertEqual(response.status, 200)
        let body = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        XCTAssertEqual((body?["tags"] as? [String])?.sorted(), ["a", "b"])
    }
}
