import Foundation
import Synchronization
import XCTest

@testable import TagCache

final class EncodedResponseCacheTests: XCTestCase {
    private func entry(_ path: String, bodyBytes: Int) -> EncodedResponseCache.Entry {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        return EncodedResponseCache.Entry(
            reference: ImageReference(registry: "registry.example.com", path: path), fetchedAt: now,
            expiresAt: now.addingTimeInterval(60), servedUntil: now.addingTimeInterval(60), policy: CachePolicy(),
            entityTag: nil, fixedHeaders: [("Content-Type", "application/json")],
            body: ResponseBody(copying: Array(repeating: UInt8(ascii: "x"), count: bodyBytes)))
    }

    func testInsert_staysWithinMaxBytes() {
        let cache = EncodedResponseCache(maxBytes: 20_000, changeCheckInterval: .seconds(3600)) { 1 }
        let generation = cache.currentGeneration()

        for index in 0..<100 {
            cache.insert(entry("team/app\(index)", bodyBytes: 1_000), forKey: "key\(index)", generation: generation)
            XCTAssertLessThanOrEqual(cache.bytes, 20_000)
        }

        XCTAssertGreaterThan(cache.count, 5)
    }

    func testEviction_keepsRecentlyUsed() {
        let cache = EncodedResponseCache(maxBytes: 20_000, changeCheckInterval: .seconds(3600)) { 1 }
        let generation = cache.currentGeneration()
        cache.insert(entry("team/kept", bodyBytes: 1_000), forKey: "kept", generation: generation)

        for index in 0..<100 {
            XCTAssertNotNil(cache.entry(forKey: "kept"))
            cache.insert(entry("team/app\(index)", bodyBytes: 1_000), forKey: "key\(index)", generation: generation)
        }

        XCTAssertNotNil(cache.entry(forKey: "kept"))
        XCTAssertNil(cache.entry(forKey: "key0"))
    }

    func testInsert_rejectsEntryLargerThanMaxBytes() {
        let cache = EncodedResponseCache(maxBytes: 1_000, changeCheckInterval: .seconds(3600)) { 1 }

        cache.insert(entry("team/app", bodyBytes: 5_000), forKey: "key", generation: cache.currentGeneration())

        XCTAssertEqual(cache.count, 0)
    }

    func testInsert_droppedAfterInvalidation() {
        let cache = EncodedResponseCache(maxBytes: 100_000, changeCheckInterval: .seconds(3600)) { 1 }
        let generation = cache.currentGeneration()

        cache.invalidate(ImageReference(registry: "registry.example.com", path: "team/other"))
        cache.insert(entry("team/app", bodyBytes: 10), forKey: "key", generation: generation)

        XCTAssertNil(cache.entry(forKey: "key"))
    }

    func testInvalidate_removesOnlyThatReference() {
        let cache = EncodedResponseCache(maxBytes: 100_000, changeCheckInterval: .seconds(3600)) { 1 }
        let generation = cache.currentGeneration()
        cache.insert(entry("team/app", bodyBytes: 10), forKey: "app", generation: generation)
        cache.insert(entry("team/other", bodyBytes: 10), forKey: "other", generation: generation)

        cache.invalidate(ImageReference(registry: "registry.example.com", path: "team/app"))

        XCTAssertNil(cache.entry(forKey: "app"))
        XCTAssertNotNil(cache.entry(forKey: "other"))
    }

    func testDataVersionChange_removesEverything() {
        let version = Mutex<Int64?>(1)
        let cache = EncodedResponseCache(maxBytes: 100_000, changeCheckInterval: .zero) { version.withLock { $0 } }
        cache.insert(entry("team/app", bodyBytes: 10), forKey: "app", generation: cache.currentGeneration())
        XCTAssertNotNil(cache.entry(forKey: "app"))

        version.withLock { $0 = 2 }
        _ = cache.currentGeneration()

        XCTAssertEqual(cache.count, 0)
        XCTAssertEqual(cache.bytes, 0)
    }

    func testUnreadableDataVersion_removesEverything() {
        let version = Mutex<Int64?>(1)
        let cache = EncodedResponseCache(maxBytes: 100_000, changeCheckInterval: .zero) { version.withLock { $0 } }
        cache.insert(entry("team/app", bodyBytes: 10), forKey: "app", generation: cache.currentGeneration())

        version.withLock { $0 = nil }
        _ = cache.currentGeneration()

        XCTAssertEqual(cache.count, 0)
    }
}
