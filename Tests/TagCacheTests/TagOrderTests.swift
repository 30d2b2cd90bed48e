import XCTest

@testable import TagCache

final class TagOrderTests: XCTestCase {
    func testSorted_asciiInByteOrder() {
        XCTAssertEqual(TagOrder.sorted(["b", "B", "a", "10", "9", "_x", "a-1", "a.1"]), ["10", "9", "B", "_x", "a", "a-1", "a.1", "b"])
    }

    func testSorted_nonASCIIInByteOrder() {
        // "é" precomposed is C3 A9; "e" + combining acute is 65 CC 81; "z" is 7A.
        let precomposed = "\u{E9}"
        let decomposed = "e\u{301}"
        XCTAssertEqual(
            TagOrder.sorted([precomposed, "z", decomposed]).map { Array($0.utf8) },
            [Array(decomposed.utf8), Array("z".utf8), Array(precomposed.utf8)])
    }

    func testSortedUnique_dropsByteEqualDuplicates() {
        XCTAssertEqual(TagOrder.sortedUnique(["v2", "v1", "v2", "latest", "v1"]), ["latest", "v1", "v2"])
        XCTAssertEqual(TagOrder.sortedUnique([]), [])
    }

    func testSortedUnique_keepsCanonicalEquivalents() {
        let unique = TagOrder.sortedUnique(["\u{E9}", "e\u{301}", "\u{E9}"])

        XCTAssertEqual(unique.count, 2)
        XCTAssertEqual(unique.map { Array($0.utf8) }, [Array("e\u{301}".utf8), Array("\u{E9}".utf8)])
    }

    func testSortedUnique_returnsSortedInputAsItIs() {
        XCTAssertEqual(TagOrder.sortedUnique(["1.0", "a", "b"]), ["1.0", "a", "b"])
        XCTAssertEqual(TagOrder.sortedUnique(["a", "a", "b"]), ["a", "b"])
        XCTAssertEqual(TagOrder.sortedUnique(["a", "c", "b"]), ["a", "b", "c"])
    }

    func testSortedUnique_checksNonASCIIOrderByBytes() {
        // Sorted by Swift's `<`, the decomposed "é" (65 CC 81) and precomposed "é" (C3 A9) compare equal, but in
        // byte order the decomposed one comes first.
        let unique = TagOrder.sortedUnique(["\u{E9}", "e\u{301}"])

        XCTAssertEqual(unique.map { Array($0.utf8) }, [Array("e\u{301}".utf8), Array("\u{E9}".utf8)])
        XCTAssertEqual(TagOrder.sortedUnique(["e\u{301}", "\u{E9}"]).map { Array($0.utf8) }, unique.map { Array($0.utf8) })
    }

    func testSorted_keepsSortedInputAndSortsDuplicates() {
        XCTAssertEqual(TagOrder.sorted(["1.0", "1.1", "latest"]), ["1.0", "1.1", "latest"])
        XCTAssertEqual(TagOrder.sorted(["b", "a", "a"]), ["a", "a", "b"])
        XCTAssertEqual(TagOrder.sorted(["\u{E9}", "e\u{301}"]).map { Array($0.utf8) }, [Array("e\u{301}".utf8), Array("\u{E9}".utf8)])
    }
}
