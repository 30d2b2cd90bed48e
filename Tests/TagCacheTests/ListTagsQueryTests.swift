import Foundation
import XCTest

@testable import TagCache

/// `tagcache list-tags` with sort and filter options, run as the built binary on a prepared database.
final class ListTagsQueryTests: XCTestCase {
    private var binary: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appending(path: "tagcache").path
    }

    private func prepareDatabase(tags: [String]) throws -> String {
        let directory = try StoreTestDirectory.make(for: self)
        let path = directory.appending(path: "cache.sqlite").path
        let store = try SQLiteTagStore(path: path)
        let now = Date()
        try store.replaceTags(
            tags, for: ImageReference(registry: "registry.example.com", path: "team/app"), fetchedAt: now,
            expiresAt: now.addingTimeInterval(600))
        store.close()
        return path
    }

    func testListTags_sortsFiltersAndLimits() throws {
        let digest = String(repeating: "cd", count: 32)
        let database = try prepareDatabase(tags: ["1.9", "1.10", "1.10-rc1", "latest", "sha256-\(digest).att", "2.0-alpine"])

        let result = try Command.run(binary, [
            "list-tags", "--offline", "--database", database, "--sort", "semver", "--order=desc",
            "--exclude", ".*-alpine", "--hide-signatures", "--limit", "3", "docker://registry.example.com/team/app",
        ])

        XCTAssertEqual(result.status, 0, result.standardError)
        XCTAssertEqual(
            result.standardOutputText,
            SkopeoOutput.listTags(repository: "registry.example.com/team/app", tags: ["1.10", "1.10-rc1", "1.9"]))
    }

    func testListTags_invalidIncludeIsUsageError() throws {
        let database = try prepareDatabase(tags: ["1.0"])

        let result = try Command.run(binary, [
            "list-tags", "--offline", "--database", database, "--include", "(", "docker://registry.example.com/team/app",
        ])

        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.standardError.contains("--include \"(\""), result.standardError)
    }
}
