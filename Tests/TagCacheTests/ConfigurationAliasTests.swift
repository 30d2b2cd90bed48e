import Foundation
import XCTest

@testable import TagCache

final class ConfigurationAliasTests: XCTestCase {
    private func decode(_ text: String) throws(ConfigurationError) -> Configuration {
        try Configuration.decode(Data(text.utf8), source: "test.json")
    }

    func testDecode_readsAliasesAndPageSize() throws {
        let configuration = try decode(#"{"v2_page_size": 50, "aliases": {"local": "127.0.0.1:5000", "hub": "docker.io"}}"#)

        XCTAssertEqual(configuration.v2PageSize, 50)
        XCTAssertEqual(configuration.aliases, ["local": "127.0.0.1:5000", "hub": "docker.io"])
    }

    func testDecode_defaultsWithoutKeys() throws {
        let configuration = try decode("{}")

        XCTAssertEqual(configuration.v2PageSize, 1000)
        XCTAssertEqual(configuration.aliases, [:])
    }

    func testDecode_rejectsAliasThatReadsAsRegistry() {
        for alias in ["my.registry", "localhost", "Local", "-a", "a:1", ""] {
            XCTAssertThrowsError(try decode(#"{"aliases": {"\#(alias)": "127.0.0.1:5000"}}"#), alias) { error in
                XCTAssertTrue("\(error)".contains("alias \"\(alias)\" is invalid"), "\(error)")
            }
        }
    }

    func testDecode_rejectsAliasTargetThatIsNoRegistry() {
        XCTAssertThrowsError(try decode(#"{"aliases": {"local": "team"}}"#)) { error in
            XCTAssertTrue("\(error)".contains("\"team\""), "\(error)")
        }
    }

    func testDecode_rejectsZeroPageSize() {
        XCTAssertThrowsError(try decode(#"{"v2_page_size": 0}"#)) { error in
            XCTAssertTrue("\(error)".contains("v2_page_size"), "\(error)")
        }
    }
}
