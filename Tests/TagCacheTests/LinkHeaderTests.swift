import XCTest
@testable import TagCache

final class LinkHeaderTests: XCTestCase {
    func testParse_table() throws {
        let cases: [(header: String, expected: [LinkHeader.Link])] = [
            (
                "</v2/a/tags/list?n=2&last=b>; rel=\"next\"",
                [LinkHeader.Link(target: "/v2/a/tags/list?n=2&last=b", parameters: ["rel": "next"])]
            ),
            ("<https://r.example/x>;rel=next", [LinkHeader.Link(target: "https://r.example/x", parameters: ["rel": "next"])]),
            (
                "<a>; rel=\"prev\", <b>; rel=\"next\"",
                [
                    LinkHeader.Link(target: "a", parameters: ["rel": "prev"]),
                    LinkHeader.Link(target: "b", parameters: ["rel": "next"]),
                ]
            ),
            (
                "<a,b>; title=\"x, y; z\"; rel=next",
                [LinkHeader.Link(target: "a,b", parameters: ["title": "x, y; z", "rel": "next"])]
            ),
            ("<a>; REL=Next; rel=prev", [LinkHeader.Link(target: "a", parameters: ["rel": "Next"])]),
            ("<a>; rel=\"next\"; crossorigin", [LinkHeader.Link(target: "a", parameters: ["rel": "next", "crossorigin": ""])]),
            ("<a>", [LinkHeader.Link(target: "a", parameters: [:])]),
            ("  , <a> ;; rel = next ,", [LinkHeader.Link(target: "a", parameters: ["rel": "next"])]),
            ("<a?last=%2F%20x>; rel=\"next\"", [LinkHeader.Link(target: "a?last=%2F%20x", parameters: ["rel": "next"])]),
            ("", []),
        ]
        for (header, expected) in cases {
            XCTAssertEqual(try LinkHeader.parse(header), expected, "header: \(header)")
        }
    }

    func testParse_rejectsMalformedHeaders() {
        let malformed = [
            "/v2/a; rel=next",
            "<unterminated; rel=next",
            "<a> rel=next",
            "<a>; rel=\"open",
            "<a>; rel=",
            "<a>; =next",
        ]
        for header in malformed {
            XCTAssertThrowsError(try LinkHeader.parse(header), "header: \(header)")
        }
    }

    func testLink_relationsSplitOnSpacesAndLowercase() {
        let link = LinkHeader.Link(target: "a", parameters: ["rel": "Prev  NEXT\tlast"])
        XCTAssertEqual(link.relations, ["prev", "next", "last"])
    }

    func testLink_relationsEmptyWithoutRel() {
        XCTAssertEqual(LinkHeader.Link(target: "a", parameters: ["title": "x"]).relations, [])
    }
}
