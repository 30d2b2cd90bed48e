import XCTest
@testable import TagCache

final class RegistryPaginationTests: XCTestCase {
    private let reference = ImageReference(registry: "registry.example:5000", path: "team/app")

    private func url(_ text: String) throws -> HTTPURL {
        try XCTUnwrap(HTTPURL(string: text), "invalid test URL \(text)")
    }

    private func chain(startingAt first: HTTPURL) -> PageChain {
        PageChain(reference: reference, firstPage: first)
    }

    func testNextPage_followsRelativeLink() throws {
        let first = try url("https://registry.example:5000/v2/team/app/tags/list?n=2")
        var pages = chain(startingAt: first)
        let next = try pages.nextPage(after: first, linkValues: [#"</v2/team/app/tags/list?n=2&last=b>; rel="next""#])
        XCTAssertEqual(next?.description, "https://registry.example:5000/v2/team/app/tags/list?n=2&last=b")
    }

    func testNextPage_followsAbsoluteLinkOnSameOrigin() throws {
        let first = try url("https://registry.example:5000/v2/team/app/tags/list?n=2")
        var pages = chain(startingAt: first)
        let next = try pages.nextPage(
            after: first, linkValues: ["<HTTPS://Registry.Example:5000/v2/team/app/tags/list?last=b>; rel=next"])
        XCTAssertEqual(next?.description, "https://registry.example:5000/v2/team/app/tags/list?last=b")
    }

    func testNextPage_resolvesPathRelativeAndDotSegments() throws {
        let first = try url("https://registry.example:5000/v2/team/app/tags/list?n=2")
        var pages = chain(startingAt: first)
        let next = try pages.nextPage(after: first, linkValues: ["<../../app/tags/./list?last=c>; rel=next"])
        XCTAssertEqual(next?.description, "https://registry.example:5000/v2/team/app/tags/list?last=c")
    }

    func testNextPage_resolvesQueryOnlyLink() throws {
        let first = try url("https://registry.example:5000/v2/team/app/tags/list?n=2")
        var pages = chain(startingAt: first)
        let next = try pages.nextPage(after: first, linkValues: ["<?n=2&last=d>; rel=next"])
        XCTAssertEqual(next?.description, "https://registry.example:5000/v2/team/app/tags/list?n=2&last=d")
    }

    func testNextPage_keepsOpaqueCursorByteForByte() throws {
        let first = try url("https://registry.example:5000/v2/team/app/tags/list?n=2")
        var pages = chain(startingAt: first)
        let cursor = "last=a%2Fb%3D%3D&cursor=AbC-_~.%7e"
        let next = try pages.nextPage(after: first, linkValues: ["</v2/team/app/tags/list?\(cursor)>; rel=\"next\""])
        XCTAssertEqual(next?.query, cursor)
    }

    func testNextPage_returnsNilWithoutNextLink() throws {
        let first = try url("https://registry.example:5000/v2/team/app/tags/list")
        var pages = chain(startingAt: first)
        XCTAssertNil(try pages.nextPage(after: first, linkValues: []))
        XCTAssertNil(try pages.nextPage(after: first, linkValues: ["</v2/x?last=a>; rel=\"prev\""]))
    }

    func testNextPage_picksNextAfterPrev() throws {
        let first = try url("https://registry.example:5000/v2/team/app/tags/list?last=m")
        var pages = chain(startingAt: first)
        let next = try pages.nextPage(
            after: first, linkValues: [#"</v2/team/app/tags/list?last=a>; rel="prev", </v2/team/app/tags/list?last=z>; rel="next""#])
        XCTAssertEqual(next?.query, "last=z")
    }

    func testNextPage_acceptsRelWithSeveralValues() throws {
        let first = try url("https://registry.example:5000/v2/team/app/tags/list")
        var pages = chain(startingAt: first)
        let next = try pages.nextPage(after: first, linkValues: [#"</v2/team/app/tags/list?last=q>; rel="last NEXT""#])
        XCTAssertEqual(next?.query, "last=q")
    }

    func testNextPage_searchesEveryLinkHeaderLine() throws {
        let first = try url("https://registry.example:5000/v2/team/app/tags/list")
        var pages = chain(startingAt: first)
        let next = try pages.nextPage(
            after: first, linkValues: ["</docs>; rel=help", "</v2/team/app/tags/list?last=k>; rel=next"])
        XCTAssertEqual(next?.query, "last=k")
    }

    func testNextPage_rejectsOtherHost() throws {
        try assertRejected(link: "<https://elsewhere.example:5000/v2/team/app/tags/list?last=b>; rel=next")
    }

    func testNextPage_rejectsOtherScheme() throws {
        try assertRejected(link: "<http://registry.example:5000/v2/team/app/tags/list?last=b>; rel=next")
    }

    func testNextPage_rejectsOtherPort() throws {
        try assertRejected(link: "<https://registry.example:5001/v2/team/app/tags/list?last=b>; rel=next")
    }

    func testNextPage_rejectsNetworkPathToOtherHost() throws {
        try assertRejected(link: "<//elsewhere.example/v2/team/app/tags/list?last=b>; rel=next")
    }

    func testNextPage_rejectsUserInformation() throws {
        try assertRejected(link: "<https://user:secret@registry.example:5000/v2/x>; rel=next")
    }

    func testNextPage_rejectsNonHTTPScheme() throws {
        try assertRejected(link: "<file:///etc/passwd>; rel=next")
    }

    func testNextPage_rejectsMalformedHeader() throws {
        try assertRejected(link: "</v2/team/app/tags/list?last=b; rel=next")
    }

    func testNextPage_acceptsDefaultPortSpelledOut() throws {
        let first = try url("https://registry.example/v2/team/app/tags/list")
        var pages = chain(startingAt: first)
        let next = try pages.nextPage(after: first, linkValues: ["<https://registry.example:443/v2/team/app/tags/list?last=b>; rel=next"])
        XCTAssertEqual(next?.query, "last=b")
    }

    func testNextPage_detectsLinkToFirstPage() throws {
        let first = try url("https://registry.example:5000/v2/team/app/tags/list?n=2")
        var pages = chain(startingAt: first)
        XCTAssertThrowsError(try pages.nextPage(after: first, linkValues: ["</v2/team/app/tags/list?n=2>; rel=next"])) {
            error in
            XCTAssertEqual((error as? FetchError)?.kind, .invalidResponse)
            XCTAssertTrue((error as? FetchError)?.message.contains("loops") == true, "\(error)")
        }
    }

    func testNextPage_detectsLongerLoop() throws {
        let first = try url("https://registry.example:5000/v2/team/app/tags/list")
        var pages = chain(startingAt: first)
        let second = try XCTUnwrap(pages.nextPage(after: first, linkValues: ["<?last=b>; rel=next"]))
        let third = try XCTUnwrap(pages.nextPage(after: second, linkValues: ["<?last=d>; rel=next"]))
        XCTAssertThrowsError(try pages.nextPage(after: third, linkValues: ["<?last=b>; rel=next"]))
        XCTAssertEqual(pages.visited.count, 3)
    }

    private func assertRejected(link: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let first = try url("https://registry.example:5000/v2/team/app/tags/list?n=2")
        var pages = chain(startingAt: first)
        XCTAssertThrowsError(try pages.nextPage(after: first, linkValues: [link]), file: file, line: line) { error in
            XCTAssertEqual((error as? FetchError)?.kind, .invalidResponse, file: file, line: line)
            XCTAssertTrue((error as? FetchError)?.message.contains("registry.example:5000") == true, file: file, line: line)
        }
    }
}
