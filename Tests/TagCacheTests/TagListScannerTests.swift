import Foundation
import XCTest

@testable import TagCache

final class TagListScannerTests: XCTestCase {
    private struct Body: Decodable {
        var name: String?
        var tags: [String]?
    }

    private func scanned(_ text: String) -> [String]? {
        TagListScanner.tags(in: Array(text.utf8))
    }

    /// Returns the tags `JSONDecoder` reads, or nil when it rejects the body.
    private func decoded(_ text: String) -> [String]? {
        guard let body = try? JSONDecoder().decode(Body.self, from: Data(text.utf8)) else { return nil }
        return body.tags ?? []
    }

    func testTags_readsRegistryBody() {
        XCTAssertEqual(scanned(#"{"name":"team/app","tags":["v1","latest","1.0"]}"#), ["v1", "latest", "1.0"])
    }

    func testTags_nullOrMissingTagsAreEmpty() {
        XCTAssertEqual(scanned(#"{"name":"team/app","tags":null}"#), [])
        XCTAssertEqual(scanned(#"{"name":"team/app"}"#), [])
        XCTAssertEqual(scanned(#"{"name":null,"tags":[]}"#), [])
        XCTAssertEqual(scanned("{}"), [])
    }

    func testTags_acceptsWhitespaceBetweenTokens() {
        let body = "\n { \"tags\" :\t[ \"a\" ,\r\n \"b\" ] , \"name\" : \"x\" } \n"

        XCTAssertEqual(scanned(body), ["a", "b"])
        XCTAssertEqual(decoded(body), ["a", "b"])
    }

    func testTags_unescapesEveryEscape() {
        let body = #"{"tags":["q\"b\\s\/e","\b\f\n\r\t","\u0041\u00e9\u65e5","\ud83d\ude00","a\u0000b"]}"#

        XCTAssertEqual(scanned(body), ["q\"b\\s/e", "\u{08}\u{0C}\n\r\t", "Aé日", "😀", "a\u{0}b"])
    }

    func testTags_keepsRawUTF8() {
        XCTAssertEqual(scanned(#"{"tags":["é","日本","😀","a-é"]}"#), ["é", "日本", "😀", "a-é"])
    }

    func testTags_readsUnescapedKeys() {
        XCTAssertEqual(scanned(#"{"t\u0061gs":["a"]}"#), ["a"])
    }

    func testTags_matchesJSONDecoder() {
        let bodies = [
            #"{"name":"team/app","tags":["v1","latest"]}"#,
            #"{"tags":["q\"b\\s\/e","\b\f\n\r\t","\u0041\u00e9","\ud83d\ude00","a\u0000b"]}"#,
            #"{"tags":["é","日本","😀"],"name":"ü"}"#,
            #"{"name":"x","tags":null}"#,
            " {\"tags\" : [ ] } ",
        ]
        for body in bodies {
            XCTAssertNotNil(scanned(body), body)
            XCTAssertEqual(scanned(body), decoded(body), body)
        }
    }

    func testTags_returnsNilForOtherShapes() {
        let bodies = [
            "", " ", "[]", "null", #""tags""#, "{", #"{"tags":["a"]"#, #"{"tags":["a"]} x"#, #"{"tags":["a"]}}"#,
            #"{"tags":["a",]}"#, #"{"tags":[,"a"]}"#, #"{"tags":["a"],}"#, #"{,"tags":["a"]}"#, #"{"tags" ["a"]}"#,
            #"{"tags":[1]}"#, #"{"tags":"a"}"#, #"{"tags":{}}"#, #"{"tags":nul}"#, #"{"tags":nullx}"#,
            #"{"name":1}"#, #"{"name":["a"]}"#, #"{"other":1}"#, #"{"tags":[],"tags":[]}"#,
            #"{"name":"a","name":"b"}"#, #"{tags:["a"]}"#, #"{'tags':['a']}"#,
            #"{"tags":["a\x"]}"#, #"{"tags":["a\"]}"#, #"{"tags":["\u12"]}"#, #"{"tags":["\u12g4"]}"#,
            #"{"tags":["\ud83d"]}"#, #"{"tags":["\ud83dx"]}"#, #"{"tags":["\ud83d\u0041"]}"#, #"{"tags":["\ude00"]}"#,
            "{\"tags\":[\"a\u{01}b\"]}", "{\"tags\":[\"a\nb\"]}", "\u{FEFF}{\"tags\":[]}",
        ]
        for body in bodies {
            XCTAssertNil(scanned(body), body)
        }
    }

    func testTags_rejectsInvalidUTF8() {
        let prefix = Array(#"{"tags":[""#.utf8)
        let suffix = Array(#""]}"#.utf8)
        let invalidSequences: [[UInt8]] = [[0xFF], [0xC3], [0xE6, 0x97], [0xC0, 0xAF], [0xED, 0xA0, 0x80]]

        for sequence in invalidSequences {
            XCTAssertNil(TagListScanner.tags(in: prefix + sequence + suffix), "\(sequence)")
            XCTAssertNil(
                TagListScanner.tags(in: prefix + Array(#"\n"#.utf8) + sequence + suffix), "escaped, \(sequence)")
        }
    }

    func testTags_reads50000Tags() {
        let tags = (0..<50_000).map { "t\($0)" }
        let body = #"{"name":"team/app","tags":"# + JSONText.array(tags) + "}"

        XCTAssertEqual(scanned(body), tags)
    }
}
