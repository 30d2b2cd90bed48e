import Foundation
import XCTest

/// `tagcache refresh`, `tagcache warm` and `status --server` as built, against a real docker-registry that all
/// tests of the class share. Each test uses repositories of its own.
final class EndToEndRefreshWarmTests: EndToEndTestCase {

    private func run(_ command: String, _ arguments: [String]) throws -> CommandResult {
        try TagCacheProcess.run(
            [command, "--database", tagcache.databaseURL.path, "--insecure-registry", registry.host] + arguments)
    }

    private func tagsListCount(_ repository: String) -> Int {
        registry.requestCount(path: "/v2/\(repository)/tags/list")
    }

    func testRefresh_printsAndStoresEachReference() throws {
        try image.push(to: registry, repository: "refresh/one", tags: ["1.0", "2.0"])
        try image.push(to: registry, repository: "refresh/two", tags: ["a", "b", "c"])

        let result = try run("refresh", ["\(registry.host)/refresh/one", "docker://\(registry.host)/refresh/two"])

        XCTAssertEqual(result.status, 0, result.standardError)
        XCTAssertEqual(
            result.standardOutputText,
            "\(registry.host)/refresh/one\t2 tags\n\(registry.host)/refresh/two\t3 tags\n")
        let offline = try tagcache.runListTags(["--offline", "docker://\(registry.host)/refresh/two"])
        XCTAssertEqual(offline.status, 0, offline.standardError)
        XCTAssertTrue(offline.standardOutputText.contains("\"c\""), offline.standardOutputText)
    }

    func testRefresh_unknownRepositoryExitsOne() throws {
        try image.push(to: registry, repository: "refresh/known", tags: ["1"])

        let result = try run(
            "refresh", ["\(registry.host)/refresh/known", "\(registry.host)/refresh/never-pushed"])

        XCTAssertEqual(result.status, 1, result.standardError)
        XCTAssertTrue(result.standardOutputText.hasPrefix("\(registry.host)/refresh/known\t1 tags\n"))
        XCTAssertTrue(
            result.standardOutputText.contains("\(registry.host)/refresh/never-pushed\tfailed: "),
            result.standardOutputText)
    }

    func testStatus_showsRequestsOfEarlierCommandsPerRegistry() throws {
        try image.push(to: registry, repository: "activity/known", tags: ["1"])
        let refreshed = try run(
            "refresh", ["\(registry.host)/activity/known", "\(registry.host)/activity/never-pushed"])

        let status = try TagCacheProcess.run(["status", "--database", tagcache.databaseURL.path, "--json"])
        let document = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: status.standardOutput) as? [String: Any], status.standardError)
        let registries = try XCTUnwrap(document["registries"] as? [[String: Any]])
        let totals = try XCTUnwrap(registries.first)
        let responses = try XCTUnwrap(totals["responses"] as? [String: Int])

        XCTAssertEqual(refreshed.status, 1, refreshed.standardError)
        XCTAssertEqual(status.status, 0, status.standardError)
        XCTAssertEqual(registries.count, 1)
        XCTAssertEqual(totals["registry"] as? String, registry.host)
        XCTAssertEqual(totals["fetches"] as? Int, 2)
        XCTAssertEqual(totals["errors"] as? Int, 1)
        XCTAssertEqual(responses["404"], 1)
        XCTAssertEqual(totals["requests"] as? Int, responses.values.reduce(0, +))
        XCTAssertGreaterThanOrEqual(responses["200"] ?? 0, 1)
        XCTAssertTrue((totals["last_error"] as? String)?.contains("activity/never-pushed") ?? false, "\(totals)")
    }

    func testRefresh_invalidReferenceIsUsageError() throws {
        let result = try run("refresh", ["Not/Valid Ref"])

        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.standardError.contains("\"Not/Valid Ref\""), result.standardError)
    }

    func testWarm_skipsCommentsAndCountsInvalidLine() throws {
        try image.push(to: registry, repository: "warm/first", tags: ["1", "2"])
        try image.push(to: registry, repository: "warm/second", tags: ["x"])
        let file = tagcache.directory.appendingPathComponent("references.txt")
        let lines = [
            "# repositories to warm",
            "\(registry.host)/warm/first",
            "",
            "  not a reference",
            "docker://\(registry.host)/warm/second",
        ]
        try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)

        let result = try run("warm", [file.path])

        XCTAssertEqual(result.status, 1, result.standardError)
        XCTAssertEqual(result.standardOutputText, "warm: 3 total, 2 refreshed, 1 failed\n")
        XCTAssertTrue(result.standardError.contains("\(file.path):4: invalid reference"), result.standardError)
        XCTAssertTrue(result.standardError.contains("warm: 3/3 ok=2 failed=1\n"), result.standardError)
        XCTAssertFalse(result.standardError.contains("\r"), result.standardError)
        for repository in ["warm/first", "warm/second"] {
            let offline = try tagcache.runListTags(["--offline", "docker://\(registry.host)/\(repository)"])
            XCTAssertEqual(offline.status, 0, "\(repository): \(offline.standardError)")
        }
    }

    func testWarm_missingFileExitsOne() throws {
        let missing = tagcache.directory.appendingPathComponent("absent.txt").path

        let result = try run("warm", [missing])

        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.standardError.contains(missing), result.standardError)
    }

    func testRefreshServer_serviceFetchesAndStatusShowsEntry() throws {
        try image.push(to: registry, repository: "remote/app", tags: ["v1", "v2"])
        try tagcache.start(arguments: ["--insecure-registry", registry.host])
        let countBefore = tagsListCount("remote/app")

        let result = try TagCacheProcess.run(
            ["refresh", "--server", tagcache.baseURL, "\(registry.host)/remote/app"])

        XCTAssertEqual(result.status, 0, result.standardError)
        XCTAssertEqual(result.standardOutputText, "\(registry.host)/remote/app\t2 tags\n")
        XCTAssertGreaterThan(tagsListCount("remote/app"), countBefore)
        let status = try TagCacheProcess.run(["status", "--server", tagcache.baseURL])
        XCTAssertEqual(status.status, 0, status.standardError)
        XCTAssertTrue(status.standardOutputText.contains("\(registry.host)/remote/app"), status.standardOutputText)
    }

    func testWarmServer_refreshesThroughService() throws {
        try image.push(to: registry, repository: "remote/warm", tags: ["1"])
        try tagcache.start(arguments: ["--insecure-registry", registry.host])
        let file = tagcache.directory.appendingPathComponent("remote.txt")
        try "\(registry.host)/remote/warm\n".write(to: file, atomically: true, encoding: .utf8)
        let countBefore = tagsListCount("remote/warm")

        let result = try TagCacheProcess.run(["warm", "--server", tagcache.baseURL, file.path])

        XCTAssertEqual(result.status, 0, result.standardError)
        XCTAssertEqual(result.standardOutputText, "warm: 1 total, 1 refreshed, 0 failed\n")
        XCTAssertGreaterThan(tagsListCount("remote/warm"), countBefore)
    }

    func testAdminToken_requiredByServiceThatHasOne() throws {
        try image.push(to: registry, repository: "admin/app", tags: ["1"])
        let token = "tagcache-test-admin-token-0123"
        let configuration = tagcache.directory.appendingPathComponent("admin.json")
        try #"{"admin_token": "\#(token)"}"#.write(to: configuration, atomically: true, encoding: .utf8)
        try tagcache.start(arguments: ["--config", configuration.path, "--insecure-registry", registry.host])
        let reference = "\(registry.host)/admin/app"

        let withoutToken = try TagCacheProcess.run(["refresh", "--server", tagcache.baseURL, reference])
        let wrongToken = try TagCacheProcess.run(
            ["refresh", "--server", tagcache.baseURL, "--admin-token", token + "x", reference])
        let rightToken = try TagCacheProcess.run(
            ["refresh", "--server", tagcache.baseURL, "--admin-token", token, reference])

        XCTAssertEqual(withoutToken.status, 1, withoutToken.standardError)
        XCTAssertTrue(
            withoutToken.standardOutputText.contains("with --admin-token TOKEN"), withoutToken.standardOutputText)
        XCTAssertEqual(wrongToken.status, 1, wrongToken.standardError)
        XCTAssertTrue(
            wrongToken.standardOutputText.contains("check the value given to --admin-token"),
            wrongToken.standardOutputText)
        XCTAssertEqual(rightToken.status, 0, rightToken.standardError)
        XCTAssertEqual(rightToken.standardOutputText, "\(reference)\t1 tags\n")
    }

    func testStatusServer_unreachableServiceExitsOne() throws {
        let port = FreePort.allocate()

        let result = try TagCacheProcess.run(["status", "--server", "http://127.0.0.1:\(port)"])

        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.standardError.contains("127.0.0.1:\(port)"), result.standardError)
    }
}
