import Foundation
import XCTest

/// Errors of the built binary: usage errors of `tagcache serve` exit 2, and a failed `list-tags` exits 1, each with
/// one line on standard error naming the value.
final class EndToEndCommandLineTests: XCTestCase {
    private var scratch: URL!

    override func setUpWithError() throws {
        scratch = try ScratchDirectory.create(prefix: "tagcache-cli")
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: scratch)
    }

    /// Runs `tagcache serve` with a scratch database and a free port, so a run that wrongly starts harms nothing
    /// and is killed after 10 s.
    private func serve(_ arguments: [String]) throws -> CommandResult {
        try TagCacheProcess.run(
            [
                "serve", "--listen", "127.0.0.1:\(FreePort.allocate())",
                "--database", scratch.appendingPathComponent("cache.sqlite").path,
            ] + arguments,
            timeout: 10)
    }

    private func assertOneLine(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(text.hasSuffix("\n"), text, file: file, line: line)
        XCTAssertEqual(text.split(separator: "\n").count, 1, text, file: file, line: line)
    }

    func testListTags_unreachableRegistryPrintsOneLine() throws {
        let port = FreePort.allocate()

        let result = try TagCacheProcess.run([
            "list-tags", "--database", scratch.appendingPathComponent("cache.sqlite").path,
            "--insecure-registry", "127.0.0.1:\(port)", "docker://127.0.0.1:\(port)/team/app",
        ])

        XCTAssertEqual(result.status, 1)
        assertOneLine(result.standardError)
        XCTAssertTrue(
            result.standardError.hasPrefix("tagcache: cannot reach registry 127.0.0.1:\(port)"), result.standardError)
    }

    func testListTags_failedFetchIsCountedForStatus() throws {
        let port = FreePort.allocate()
        let database = scratch.appendingPathComponent("cache.sqlite").path

        let failed = try TagCacheProcess.run([
            "list-tags", "--database", database, "--insecure-registry", "127.0.0.1:\(port)",
            "docker://127.0.0.1:\(port)/team/app",
        ])
        let status = try TagCacheProcess.run(["status", "--database", database, "--json"])
        let document = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: status.standardOutput) as? [String: Any], status.standardError)
        let registries = try XCTUnwrap(document["registries"] as? [[String: Any]])

        XCTAssertEqual(failed.status, 1)
        XCTAssertEqual(registries.count, 1)
        XCTAssertEqual(registries.first?["fetches"] as? Int, 1)
        XCTAssertEqual(registries.first?["errors"] as? Int, 1)
        XCTAssertEqual(
            (registries.first?["responses"] as? [String: Int])?["none"], registries.first?["requests"] as? Int)
    }

    func testServe_unknownOptionExitsTwo() throws {
        let result = try serve(["--colour", "blue"])

        XCTAssertEqual(result.status, 2, result.standardError)
        assertOneLine(result.standardError)
        XCTAssertTrue(result.standardError.contains("--colour"), result.standardError)
    }

    func testServe_configurationUnknownKeyExitsTwo() throws {
        let configuration = scratch.appendingPathComponent("tagcache.json")
        try Data(#"{"cache": {"ttl": "1m", "tll": "2m"}}"#.utf8).write(to: configuration)

        let result = try serve(["--config", configuration.path])

        XCTAssertEqual(result.status, 2, result.standardError)
        assertOneLine(result.standardError)
        XCTAssertTrue(result.standardError.contains("cache.tll"), result.standardError)
        XCTAssertTrue(result.standardError.contains(configuration.path), result.standardError)
    }

    func testServe_invalidDurationExitsTwo() throws {
        let result = try serve(["--ttl", "10x"])

        XCTAssertEqual(result.status, 2, result.standardError)
        assertOneLine(result.standardError)
        XCTAssertTrue(result.standardError.contains("--ttl"), result.standardError)
        XCTAssertTrue(result.standardError.contains("10x"), result.standardError)
    }
}
