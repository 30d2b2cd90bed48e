import Foundation
import XCTest

@testable import TagCache

/// The hand-written JSON, RFC 3339 and HTTP date formatting of the hot path.
final class TextFormattingTests: XCTestCase {
    func testJSONString_escapesQuoteBackslashAndControls() {
        XCTAssertEqual(JSONText.string("a\"b\\c"), #""a\"b\\c""#)
        XCTAssertEqual(JSONText.string("\n\r\t\u{08}\u{0C}"), #""\n\r\t\b\f""#)
        XCTAssertEqual(JSONText.string("\u{01}\u{1F}"), #""\u0001\u001f""#)
    }

    func testJSONString_keepsSlashAndNonASCII() {
        XCTAssertEqual(JSONText.string("team/app"), #""team/app""#)
        XCTAssertEqual(JSONText.string("caf\u{e9}-\u{1F600}"), "\"caf\u{e9}-\u{1F600}\"")
        XCTAssertEqual(JSONText.string(""), #""""#)
    }

    func testJSONString_escapesBetweenMultibyteCharacters() {
        XCTAssertEqual(JSONText.string("\u{e9}\"\u{e9}\n"), "\"\u{e9}\\\"\u{e9}\\n\"")
    }

    func testJSONArray_compact() {
        XCTAssertEqual(JSONText.array([]), "[]")
        XCTAssertEqual(JSONText.array(["1.0", "a\"b"]), #"["1.0","a\"b"]"#)
    }

    func testJSONArray_parsesBackToInput() throws {
        let values = (0..<300).map { "tag-\($0)-\u{e9}\"\\/\u{7F}" } + ["\u{0}"]
        let text = JSONText.array(values)

        let decoded = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String]

        XCTAssertEqual(decoded, values)
    }

    func testRFC3339_formatsUTCSeconds() {
        XCTAssertEqual(RFC3339.format(Date(timeIntervalSince1970: 1_796_420_062.573)), "2026-12-04T21:34:22Z")
        XCTAssertEqual(RFC3339.format(Date(timeIntervalSince1970: 0)), "1970-01-01T00:00:00Z")
        XCTAssertEqual(RFC3339.format(Date(timeIntervalSince1970: -1)), "1969-12-31T23:59:59Z")
    }

    func testHTTPDate_padsDayAndTime() {
        XCTAssertEqual(HTTPDate.format(Date(timeIntervalSince1970: 1_796_420_062.9)), "Fri, 04 Dec 2026 21:34:22 GMT")
        XCTAssertEqual(HTTPDate.format(Date(timeIntervalSince1970: 0)), "Thu, 01 Jan 1970 00:00:00 GMT")
    }

    func testAppendDigits_padsLikePrintf() {
        var bytes: [UInt8] = []
        RFC3339.appendDigits(7, count: 4, to: &bytes)
        RFC3339.appendDigits(12345, count: 4, to: &bytes)
        RFC3339.appendDigits(-1, count: 4, to: &bytes)

        XCTAssertEqual(String(decoding: bytes, as: UTF8.self), "000712345-001")
    }
}
