import Foundation
import XCTest

/// `tagcache list-tags` as built, compared with `skopeo list-tags` on a real docker-registry that all tests of the
/// class share. Each test uses repositories of its own.
final class EndToEndListTagsTests: EndToEndTestCase {

    private func listTags(_ repository: String, extra: [String] = []) throws -> CommandResult {
        try tagcache.runListTags(
            ["--insecure-registry", registry.host] + extra + ["docker://\(registry.host)/\(repository)"])
    }

    private func tagsListCount(_ repository: String) -> Int {
        registry.requestCount(path: "/v2/\(repository)/tags/list")
    }

    func testListTags_printsSkopeoDocumentWithSortedTags() throws {
        try image.push(to: registry, repository: "cli/app", tags: ["v2", "1.0", "latest", "b", "A", "_x", "0.9-rc.1"])
        let skopeo = try Skopeo.listTags(reference: "\(registry.host)/cli/app")
        // The document built here is skopeo's own output when given skopeo's order, so it checks the builder.
        XCTAssertEqual(skopeoDocument(repository: skopeo.repository, tags: skopeo.tags), skopeo.rawOutput)
        let expected = skopeoDocument(repository: skopeo.repository, tags: skopeo.tags.sorted())

        let result = try listTags("cli/app")

        XCTAssertEqual(result.status, 0, result.standardError)
        XCTAssertEqual(result.standardOutputText, expected)
        XCTAssertEqual(result.standardError, "")
    }

    func testListTags_newDatabaseFetchesOnce() throws {
        try image.push(to: registry, repository: "cli/first-run", tags: ["2", "1"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: tagcache.databaseURL.path))

        let first = try listTags("cli/first-run")
        let countAfterFirst = tagsListCount("cli/first-run")
        let second = try listTags("cli/first-run")

        XCTAssertEqual(first.status, 0, first.standardError)
        XCTAssertEqual(
            first.standardOutputText, skopeoDocument(repository: "\(registry.host)/cli/first-run", tags: ["1", "2"]))
        XCTAssertEqual(countAfterFirst, 1)
        XCTAssertEqual(second.standardOutputText, first.standardOutputText)
        XCTAssertEqual(tagsListCount("cli/first-run"), 1)
    }

    func testListTags_emptyRepositoryPrintsSkopeoDocument() throws {
        try image.push(to: registry, repository: "cli/empty", tags: ["gone"])
        // Removing the only tag's directory leaves a repository that exists with no tags.
        try FileManager.default.removeItem(
            at: registry.tagsDirectory(repository: "cli/empty").appendingPathComponent("gone"))
        let skopeo = try Skopeo.listTags(reference: "\(registry.host)/cli/empty")
        XCTAssertEqual(skopeo.tags, [])

        let result = try listTags("cli/empty")

        XCTAssertEqual(result.status, 0, result.standardError)
        XCTAssertEqual(result.standardOutputText, skopeo.rawOutput)
        XCTAssertEqual(result.standardOutputText, skopeoDocument(repository: skopeo.repository, tags: []))

        try tagcache.start(arguments: ["--insecure-registry", registry.host])
        let response = try tagcache.tags("\(registry.host)/cli/empty")
        XCTAssertEqual(response.status, 200, response.bodyText)
        XCTAssertEqual(try response.tagList().tags, [])
    }

    func testListTagsOffline_printsStoredListWithoutRegistry() throws {
        try image.push(to: registry, repository: "cli/offline", tags: ["1", "2"])
        let online = try listTags("cli/offline")
        XCTAssertEqual(online.status, 0, online.standardError)
        let countBefore = tagsListCount("cli/offline")

        let offline = try tagcache.runListTags(["--offline", "docker://\(registry.host)/cli/offline"])

        XCTAssertEqual(offline.status, 0, offline.standardError)
        XCTAssertEqual(offline.standardOutputText, online.standardOutputText)
        XCTAssertEqual(tagsListCount("cli/offline"), countBefore)
    }

    func testListTagsOffline_unknownRepositoryExitsOne() throws {
        let countBefore = registry.allRequestCount()

        let result = try tagcache.runListTags(["--offline", "docker://\(registry.host)/cli/never"])

        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.standardOutputText, "")
        XCTAssertTrue(result.standardError.contains("\(registry.host)/cli/never"), result.standardError)
        XCTAssertEqual(registry.allRequestCount(), countBefore)
    }

    func testListTags_fillsDatabaseThatServeAnswers() throws {
        try image.push(to: registry, repository: "cli/shared", tags: ["1.0", "1.1"])
        let filled = try listTags("cli/shared")
        XCTAssertEqual(filled.status, 0, filled.standardError)
        let countBefore = tagsListCount("cli/shared")

        try tagcache.start(arguments: ["--insecure-registry", registry.host])
        let response = try tagcache.tags("\(registry.host)/cli/shared")

        XCTAssertEqual(response.status, 200, response.bodyText)
        let cacheStatus = response.header("Cache-Status") ?? ""
        XCTAssertTrue(cacheStatus.hasPrefix("tagcache; hit;"), cacheStatus)
        XCTAssertEqual(try response.tagList().tags, ["1.0", "1.1"])
        XCTAssertEqual(tagsListCount("cli/shared"), countBefore)
    }

    func testTenThousandTags_listedCompletely() throws {
        try image.push(to: registry, repository: "cli/many", tags: ["base"])
        let seeded = try registry.seedTags(repository: "cli/many", from: "base", count: 10_000)
        let expected = (["base"] + seeded).sorted()

        try tagcache.start(arguments: ["--insecure-registry", registry.host])
        let response = try tagcache.request(
            "/v1/tags?reference=" + TagCacheProcess.percentEncoded("\(registry.host)/cli/many"), timeout: 30)
        XCTAssertEqual(response.status, 200, String(response.bodyText.prefix(500)))
        XCTAssertEqual(try response.tagList().tags, expected)

        // A fresh database of its own, so list-tags fetches instead of reading what serve stored.
        let separate = try TagCacheProcess()
        defer { separate.shutDown() }
        let result = try separate.runListTags([
            "--insecure-registry", registry.host, "docker://\(registry.host)/cli/many",
        ])
        XCTAssertEqual(result.status, 0, result.standardError)
        XCTAssertEqual(
            result.standardOutputText,
            skopeoDocument(repository: "\(registry.host)/cli/many", tags: expected))
        XCTAssertEqual(tagsListCount("cli/many"), 2)

        // The document is larger than a pipe's buffer, so the write fails with EPIPE once head has exited.
        let command = [
            try TagCacheProcess.executableURL().path, "list-tags", "--database", separate.databaseURL.path,
            "--insecure-registry", registry.host, "docker://\(registry.host)/cli/many",
        ].map { "'\($0)'" }.joined(separator: " ")
        let piped = try Command.run("/bin/bash", ["-c", "\(command) | head -c 100 >/dev/null; echo ${PIPESTATUS[0]}"])
        XCTAssertEqual(piped.standardOutputText, "0\n")
        XCTAssertEqual(piped.standardError, "")
    }

    /// Builds the document `skopeo list-tags` 1.9.3 prints: a 4-space indent, `"key": value`, `[]` for no tags
    /// and a final newline. Tag and repository names need no JSON escaping.
    private func skopeoDocument(repository: String, tags: [String]) -> String {
        var text = "{\n    \"Repository\": \"\(repository)\",\n    \"Tags\": "
        if tags.isEmpty {
            text += "[]"
        } else {
            text += "[\n" + tags.map { "        \"\($0)\"" }.joined(separator: ",\n") + "\n    ]"
        }
        return text + "\n}\n"
    }
}
