import Foundation
import XCTest

/// A test case that runs the built `tagcache` against a real docker-registry shared by all tests of the class.
///
/// Each test gets its own `TagCacheProcess` and stops it in tear-down, requiring exit status 0 after SIGTERM.
/// Tests use repositories of their own, so the shared registry needs no cleaning between them.
class EndToEndTestCase: XCTestCase {
    nonisolated(unsafe) private static var sharedRegistry: DockerRegistry?
    nonisolated(unsafe) private static var sharedImage: OCIImageLayout?

    var registry: DockerRegistry!
    var image: OCIImageLayout!
    var tagcache: TagCacheProcess!

    override func setUpWithError() throws {
        if Self.sharedRegistry == nil {
            Self.sharedRegistry = try DockerRegistry.start()
            Self.sharedImage = try OCIImageLayout()
        }
        registry = Self.sharedRegistry
        image = Self.sharedImage
        tagcache = try TagCacheProcess()
    }

    override func tearDownWithError() throws {
        defer {
            tagcache.shutDown()
            // XCTest can keep test-case instances until the run ends, so they must not keep the shared fixtures.
            registry = nil
            image = nil
        }
        if tagcache.isRunning {
            XCTAssertEqual(try tagcache.stop(), 0, "exit status after SIGTERM; log: \(tagcache.logText())")
        }
    }

    override class func tearDown() {
        sharedRegistry?.shutDown()
        if let sharedImage {
            try? FileManager.default.removeItem(at: sharedImage.directory)
        }
        sharedRegistry = nil
        sharedImage = nil
        super.tearDown()
    }
}
