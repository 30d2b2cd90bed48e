import Foundation
import XCTest

@testable import TagCache

final class TagsQueryRoutesTests: XCTestCase {
    private let reference = ImageReference(registry: "registry.example.com", path: "team/app")
    private let path = "/v1/tags?reference=registry.example.com/team/app"

    func testFirstSeen_acrossRefreshesWithAddedAndRemovedTags() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0", "1.1", "old"])
        let server = try RoutesServer(test: self, fetcher: fetcher)
        _ = try await server.getJSON(path)
        try await Task.sleep(nanoseconds: 20_000_000)
        fetcher.setTags(["1.0", "1.1", "2.0", "0.9"])
        _ = try await server.cache.forceRefresh(reference)
        try await Task.sleep(nanoseconds: 20_000_000)
        fetcher.setTags(["1.0", "2.0", "0.9", "3.0"])
        _ = try await server.cache.forceRefresh(reference)

        let (status, json, _) = try await server.getJSON(path + "&sort=first-seen&detail=1")
        let descending = try await server.getJSON(path + "&sort=first-seen&order=desc")

        XCTAssertEqual(status, 200)
        XCTAssertEqual(json["tags"] as? [String], ["1.0", "0.9", "2.0", "3.0"])
        XCTAssertEqual(descending.json["tags"] as? [String], ["3.0", "2.0", "0.9", "1.0"])
        let details = json["details"] as? [[String: Any]] ?? []
        XCTAssertEqual(details.compactMap { $0["tag"] as? String }, ["1.0", "0.9", "2.0", "3.0"])
        let history = try server.store.tagHistory(for: reference)
        XCTAssertEqual(history.first { $0.tag == "old" }?.removedAt != nil, true)
        XCTAssertEqual(history.first { $0.tag == "1.1" }?.removedAt != nil, true)
        for detail in details {
            let tag = detail["tag"] as? String
            let stored = history.first { $0.tag == tag }.map { RFC3339.format($0.firstSeenAt) }
            XCTAssertEqual(detail["first_seen"] as? String, stored, tag ?? "")
        }
        XCTAssertEqual(fetcher.calls, 3)
    }

    func testFilters_neverFetchAgain() async throws {
        let digest = String(repeating: "ab", count: 32)
        let fetcher = ScriptedFetcher(tags: ["1.9.0", "1.10.0", "latest", "1.10.0-alpine", "sha256-\(digest).sig"])
        let server = try RoutesServer(test: self, fetcher: fetcher)
        _ = try await server.getJSON(path)

        let semver = try await server.getJSON(path + "&sort=semver&order=desc&hide_signatures=1")
        let filtered = try await server.getJSON(path + "&include=1%5C..*&exclude=.*-alpine&limit=1&sort=semver&order=desc")
        let (_, _, headers) = filtered

        XCTAssertEqual(semver.json["tags"] as? [String], ["1.10.0-alpine", "1.10.0", "1.9.0", "latest"])
        XCTAssertEqual(filtered.json["tags"] as? [String], ["1.10.0"])
        XCTAssertEqual(filtered.json["reference"] as? String, "registry.example.com/team/app")
        XCTAssertTrue(headers["Cache-Status"]?.hasPrefix("tagcache; hit") == true, headers["Cache-Status"] ?? "")
        XCTAssertNil(filtered.json["details"])
        XCTAssertEqual(fetcher.calls, 1)
    }

    func testInvalidExpression_is400NamingIt() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let server = try RoutesServer(test: self, fetcher: fetcher)

        let (status, json, _) = try await server.getJSON(path + "&include=%5B")

        XCTAssertEqual(status, 400)
        let error = json["error"] as? [String: String]
        XCTAssertEqual(error?["code"], "INVALID_PARAMETER")
        XCTAssertTrue(error?["message"]?.contains("include \"[\"") == true, error?["message"] ?? "")
        XCTAssertEqual(fetcher.calls, 0)
    }

    func testUnknownParameter_is400NamingIt() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let server = try RoutesServer(test: self, fetcher: fetcher)

        let (status, json, _) = try await server.getJSON(path + "&hide-signatures=1")

        XCTAssertEqual(status, 400)
        let error = json["error"] as? [String: String]
        XCTAssertEqual(error?["code"], "INVALID_PARAMETER")
        XCTAssertTrue(
            error?["message"]?.contains("unknown query parameter \"hide-signatures\"") == true, error?["message"] ?? "")
        XCTAssertEqual(fetcher.calls, 0)
    }

    func testInvalidSort_is400() async throws {
        let server = try RoutesServer(test: self, fetcher: ScriptedFetcher(tags: ["1.0"]))

        let (status, json, _) = try await server.getJSON(path + "&sort=date")

        XCTAssertEqual(status, 400)
        let error = json["error"] as? [String: String]
        XCTAssertTrue(error?["message"]?.contains("sort \"date\"") == true, error?["message"] ?? "")
    }

    func testFirstSeen_withoutHistoryIs400() async throws {
        let server = try RoutesServer(test: self, fetcher: ScriptedFetcher(tags: ["1.0"])) { cache, _ in
            Routes(cache: cache, log: Log(minimumLevel: .error))
        }

        let (status, _, _) = try await server.getJSON(path + "&sort=first-seen")

        XCTAssertEqual(status, 400)
    }
}
