import Foundation
import XCTest

@testable import TagCache

/// The real `tagcache serve` binary, stopped and started again on the same database.
final class ServiceRestartTests: XCTestCase {
    /// Header fields that must survive a restart unchanged.
    private static let stableHeaders = ["ETag", "Last-Modified", "Content-Type"]

    func testRestart_keepsAnswersAndHeaders() async throws {
        let registry = try FixtureRegistry()
        defer { registry.stop() }
        registry.setTags(["1.0", "1.1", "latest"], repository: "team/app")
        let directory = try StoreTestDirectory.make(for: self)
        let arguments = [
            "--database", directory.appending(path: "cache.sqlite").path, "--insecure-registry", registry.authority,
            "--ttl", "60s", "--stale-while-revalidate", "1m",
        ]
        let logURL = directory.appending(path: "service.log")
        let tagsPath = "/v1/tags?reference=\(registry.authority)/team/app"
        let unknownPath = "/v1/tags?reference=\(registry.authority)/team/gone"

        let first = try ServiceProcess(arguments: arguments, logURL: logURL)
        let miss = try await httpGet(first.baseURL + tagsPath)
        let hitBefore = try await httpGet(first.baseURL + tagsPath)
        let unknownBefore = try await httpGet(first.baseURL + unknownPath)
        XCTAssertEqual(first.stop(), 0, first.log())
        let requestsBeforeRestart = registry.requests(of: .tagsList).count

        let second = try ServiceProcess(arguments: arguments, logURL: logURL)
        defer { second.stop() }
        let hitAfter = try await httpGet(second.baseURL + tagsPath)
        let etag = try XCTUnwrap(hitBefore.headers.values(for: "ETag").first)
        let notModified = try await httpGet(second.baseURL + tagsPath, headers: ["If-None-Match": etag])
        let unknownAfter = try await httpGet(second.baseURL + unknownPath)

        XCTAssertEqual(miss.status, 200)
        XCTAssertEqual(hitBefore.status, 200)
        XCTAssertEqual(hitAfter.status, 200)
        XCTAssertEqual(hitAfter.body, hitBefore.body)
        XCTAssertEqual(hitAfter.body, miss.body)
        for name in Self.stableHeaders {
            XCTAssertEqual(hitAfter.headers.values(for: name), hitBefore.headers.values(for: name), name)
        }
        XCTAssertTrue(
            hitAfter.headers.values(for: "Cache-Status").first?.hasPrefix("tagcache; hit; ttl=") == true,
            "\(hitAfter.headers.values(for: "Cache-Status"))")
        XCTAssertTrue(
            hitAfter.headers.values(for: "Cache-Control").first?.hasSuffix(", stale-while-revalidate=60, stale-if-error=2592000") == true,
            "\(hitAfter.headers.values(for: "Cache-Control"))")
        XCTAssertEqual(notModified.status, 304)
        XCTAssertEqual(unknownBefore.status, 404)
        XCTAssertEqual(unknownAfter.status, 404)
        XCTAssertTrue(unknownBefore.body.contains("\"NAME_UNKNOWN\""), unknownBefore.body)
        XCTAssertTrue(unknownAfter.body.contains("\"NAME_UNKNOWN\""), unknownAfter.body)
        XCTAssertTrue(
            unknownAfter.headers.values(for: "Cache-Status").first?.hasSuffix("detail=negative") == true,
            "\(unknownAfter.headers.values(for: "Cache-Status"))")
        XCTAssertEqual(requestsBeforeRestart, 2)
        XCTAssertEqual(registry.requests(of: .tagsList).count, 2, "a restart must answer from the database")
    }

    func testRestart_writesReadsOnShutdown() async throws {
        let registry = try FixtureRegistry()
        defer { registry.stop() }
        registry.setTags(["1.0"], repository: "team/app")
        let directory = try StoreTestDirectory.make(for: self)
        let database = directory.appending(path: "cache.sqlite").path
        let service = try ServiceProcess(
            arguments: ["--database", database, "--insecure-registry", registry.authority],
            logURL: directory.appending(path: "service.log"))

        for _ in 0..<3 {
            _ = try await httpGet(service.baseURL + "/v1/tags?reference=\(registry.authority)/team/app")
        }
        XCTAssertEqual(service.stop(), 0, service.log())

        let store = try SQLiteTagStore(path: database)
        defer { store.close() }
        let entry = try XCTUnwrap(try store.entry(for: ImageReference(registry: registry.authority, path: "team/app")))
        XCTAssertEqual(entry.readCount, 3)
        XCTAssertNotNil(entry.lastReadAt)
    }
}
