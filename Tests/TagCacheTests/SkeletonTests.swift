import XCTest
@testable import TagCache

final class SkeletonTests: XCTestCase {
    func testEmbeddedMigrations_includeInitialSchema() {
        XCTAssertEqual(embeddedMigrations.first?.name, "0001_initial")
    }
}
