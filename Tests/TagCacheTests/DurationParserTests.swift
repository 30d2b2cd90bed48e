import XCTest
@testable import TagCache

final class DurationParserTests: XCTestCase {
    private static let validCases: [(input: String, seconds: Int, line: UInt)] = [
        ("0s", 0, #line),
        ("45s", 45, #line),
        ("10m", 600, #line),
        ("1h", 3_600, #line),
        ("30d", 2_592_000, #line),
        ("1h30m", 5_400, #line),
        ("30m1h", 5_400, #line),
        ("1d2h3m4s", 93_784, #line),
        ("4s3m2h1d", 93_784, #line),
        ("90m", 5_400, #line),
        ("007s", 7, #line),
        ("0d0h0m0s", 0, #line),
        ("9223372036854775807s", Int.max, #line),
    ]

    private static let invalidCases: [(input: String, messagePart: String, line: UInt)] = [
        ("", #"invalid duration "": the value is empty"#, #line),
        ("45", "the number 45 at the end has no unit", #line),
        ("1h30", "the number 30 at the end has no unit", #line),
        ("h", #"the unit "h" has no number before it"#, #line),
        ("1hm", #"the unit "m" has no number before it"#, #line),
        ("1h1h", #"the unit "h" appears more than once"#, #line),
        ("1m2s3m", #"the unit "m" appears more than once"#, #line),
        ("-5s", "signs are not allowed", #line),
        ("+5s", "signs are not allowed", #line),
        ("1.5h", "decimals are not allowed", #line),
        ("1,5h", "decimals are not allowed", #line),
        ("1h 30m", "spaces are not allowed", #line),
        (" 5s", "spaces are not allowed", #line),
        ("5s\n", "spaces are not allowed", #line),
        ("5H", "units are lowercase", #line),
        ("5w", #""w" is not a digit or one of the units s, m, h, d"#, #line),
        ("5ms", #"the unit "s" has no number before it"#, #line),
        ("5sec", #""e" is not a digit"#, #line),
        ("\u{663}s", #""٣" is not a digit"#, #line),
        ("9223372036854775808s", "the number is too large", #line),
        ("106751991167301d", "the duration is too long", #line),
        ("9223372036854775807s1m", "the duration is too long", #line),
    ]

    func testParse_validDurations() {
        for testCase in Self.validCases {
            XCTAssertEqual(try DurationParser.parse(testCase.input), testCase.seconds, testCase.input, line: testCase.line)
        }
    }

    func testParse_invalidDurationsNameTheProblem() {
        for testCase in Self.invalidCases {
            do {
                let seconds = try DurationParser.parse(testCase.input)
                XCTFail("input \(testCase.input.debugDescription) was accepted as \(seconds)", line: testCase.line)
            } catch {
                XCTAssertTrue(
                    error.message.contains(testCase.messagePart),
                    "message \(error.message) lacks \(testCase.messagePart)",
                    line: testCase.line
                )
                XCTAssertEqual(error.input, testCase.input, line: testCase.line)
            }
        }
    }

    func testParse_messageShowsValueAndExamples() {
        do {
            _ = try DurationParser.parse("1.5h")
            XCTFail("1.5h was accepted")
        } catch {
            XCTAssertEqual(
                error.message,
                #"invalid duration "1.5h": decimals are not allowed; combine units instead, as in 1h30m; "#
                    + "write whole numbers with the units s, m, h or d, such as 45s, 10m, 1h30m or 30d"
            )
            XCTAssertEqual(error.description, error.message)
        }
    }

    func testParse_messageEscapesControlCharacters() {
        do {
            _ = try DurationParser.parse("5\u{1B}s")
            XCTFail("an escape character was accepted")
        } catch {
            XCTAssertTrue(error.message.hasPrefix(#"invalid duration "5\u{1B}s": "#), error.message)
        }
    }

    func testFormat_examples() {
        XCTAssertEqual(DurationParser.format(0), "0s")
        XCTAssertEqual(DurationParser.format(45), "45s")
        XCTAssertEqual(DurationParser.format(60), "1m")
        XCTAssertEqual(DurationParser.format(5_400), "1h30m")
        XCTAssertEqual(DurationParser.format(86_400), "1d")
        XCTAssertEqual(DurationParser.format(2_592_000), "30d")
        XCTAssertEqual(DurationParser.format(93_784), "1d2h3m4s")
        XCTAssertEqual(DurationParser.format(86_401), "1d1s")
    }

    func testFormat_roundTripsThroughParse() throws {
        for seconds in [0, 1, 59, 61, 3_599, 3_601, 86_399, 90_061, 31_536_000, Int.max] {
            XCTAssertEqual(try DurationParser.parse(DurationParser.format(seconds)), seconds, "seconds \(seconds)")
        }
    }
}
