import Foundation
import XCTest

@testable import TagCache

/// `HeadStartFetcher`: one listing started ahead, handed to the first request for its repository only.
final class HeadStartFetcherTests: XCTestCase {
    private let reference = ImageReference(registry: "registry.example.com", path: "team/app")

    func testHeadStart_listsBeforeAnyRequest() async throws {
        let base = ScriptedFetcher(tags: ["1.0"])

        let fetcher = HeadStartFetcher(base, startingWith: reference)
        while base.calls == 0 {
            await Task.yield()
        }
        let fetched = try await fetcher.listTags(of: reference)

        XCTAssertEqual(fetched.tags, ["1.0"])
        XCTAssertEqual(base.calls, 1)
    }

    func testHeadStart_laterRequestsGoToBase() async throws {
        let base = ScriptedFetcher(tags: ["1.0"])
        let fetcher = HeadStartFetcher(base, startingWith: reference)
        _ = try await fetcher.listTags(of: reference)
        base.setTags(["1.0", "2.0"])

        let again = try await fetcher.listTags(of: reference)
        let other = try await fetcher.listTags(of: ImageReference(registry: "registry.example.com", path: "team/other"))

        XCTAssertEqual(again.tags, ["1.0", "2.0"])
        XCTAssertEqual(other.tags, ["1.0", "2.0"])
        XCTAssertEqual(base.calls, 3)
    }

    func testHeadStart_failureReachesFirstRequest() async throws {
        let base = ScriptedFetcher()
        base.fail(with: FetchError(.nameUnknown, "repository team/app not found"))
        let fetcher = HeadStartFetcher(base, startingWith: reference)

        do {
            let fetched = try await fetcher.listTags(of: reference)
            XCTFail("expected nameUnknown, got \(fetched.tags)")
        } catch {
            XCTAssertEqual(error.kind, .nameUnknown)
        }
        XCTAssertEqual(base.calls, 1)
    }
}
