import Foundation
import XCTest

/// `tagcache serve` as built, after its docker-registry has stopped.
final class EndToEndRegistryDownTests: XCTestCase {
    private var registry: DockerRegistry!
    private var tagcache: TagCacheProcess!

    override func setUpWithError() throws {
        registry = try DockerRegistry.start()
        tagcache = try TagCacheProcess()
    }

    override func tearDownWithError() throws {
        defer {
            tagcache.shutDown()
            registry.shutDown()
            tagcache = nil
            registry = nil
        }
        if tagcache.isRunning {
            XCTAssertEqual(try tagcache.stop(), 0, "exit status after SIGTERM; log: \(tagcache.logText())")
        }
    }

    func testTags_registryDownServesStoredListStale() throws {
        try OCIImageLayout().push(to: registry, repository: "down/app", tags: ["1.0", "2.0"])
        try tagcache.start(arguments: [
            "--insecure-registry", registry.host, "--ttl", "1s", "--stale-while-revalidate", "1s",
        ])
        let reference = "\(registry.host)/down/app"
        let fetched = try tagcache.tags(reference).tagList()
        XCTAssertEqual(fetched.tags, ["1.0", "2.0"])

        registry.stop()
        // Past the TTL and stale-while-revalidate, so the next request must try the registry first.
        Thread.sleep(forTimeInterval: 2.2)

        let failedRefresh = try tagcache.tags(reference)
        XCTAssertEqual(failedRefresh.status, 200, failedRefresh.bodyText)
        let failedStatus = failedRefresh.header("Cache-Status") ?? ""
        XCTAssertTrue(failedStatus.contains("fwd=stale"), failedStatus)
        XCTAssertTrue(failedStatus.contains("detail=stale-if-error"), failedStatus)
        let failedBody = try failedRefresh.tagList()
        XCTAssertTrue(failedBody.stale)
        XCTAssertEqual(failedBody.tags, fetched.tags)
        XCTAssertEqual(failedBody.fetchedAt, fetched.fetchedAt)

        // The failure is recorded, so a request right after it gets the stored list without another attempt.
        let backingOff = try tagcache.tags(reference)
        XCTAssertEqual(backingOff.status, 200, backingOff.bodyText)
        let backingOffStatus = backingOff.header("Cache-Status") ?? ""
        XCTAssertTrue(backingOffStatus.contains("detail=stale-if-error"), backingOffStatus)
        XCTAssertTrue(try backingOff.tagList().stale)
        XCTAssertEqual(try backingOff.tagList().tags, fetched.tags)

        let neverFetched = try tagcache.tags("\(registry.host)/down/other")
        XCTAssertEqual(neverFetched.status, 502, neverFetched.bodyText)
        let error = try neverFetched.apiError()
        XCTAssertEqual(error.code, "UPSTREAM_ERROR")
        XCTAssertTrue(error.message.contains(registry.host), error.message)
    }
}
