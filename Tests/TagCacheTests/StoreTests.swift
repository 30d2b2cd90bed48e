import Foundation
import XCTest
@testable import TagCache

final class StoreTests: XCTestCase {
    private let reference = ImageReference(registry: "127.0.0.1:5000", path: "team/app")
    private let t1 = Date(unixMilliseconds: 1_767_225_600_000)
    private let t2 = Date(unixMilliseconds: 1_767_225_660_123)
    private let t3 = Date(unixMilliseconds: 1_767_225_720_456)

    private func makeStore() throws -> SQLiteTagStore {
        try SQLiteTagStore(path: StoreTestDirectory.make(for: self).appending(path: "tags.sqlite").path)
    }

    func testInit_createsMissingDirectories() throws {
        let path = try StoreTestDirectory.make(for: self).appending(path: "a/b/tags.sqlite").path

        _ = try SQLiteTagStore(path: path)

        XCTAssertTrue(FileManager.default.fileExists(atPath: path))
    }

    func testEntry_returnsNilForUnknownReference() throws {
        let store = try makeStore()

        XCTAssertNil(try store.entry(for: reference))
    }

    func testReplaceTags_roundTrips() throws {
        let store = try makeStore()
        let expiresAt = t1.addingTimeInterval(300)

        let returned = try store.replaceTags(
            ["b", "a", "B", "1.0-rc", "1.0", "_x", "a"], for: reference, fetchedAt: t1, expiresAt: expiresAt
        )
        let stored = try XCTUnwrap(try store.entry(for: reference))

        XCTAssertEqual(stored.tags, ["1.0", "1.0-rc", "B", "_x", "a", "b"])
        XCTAssertEqual(stored.tagCount, 6)
        XCTAssertEqual(stored.reference, reference)
        XCTAssertEqual(stored.fetchedAt, t1)
        XCTAssertEqual(stored.expiresAt, expiresAt)
        XCTAssertEqual(stored.changedAt, t1)
        XCTAssertNil(stored.lastError)
        XCTAssertNil(stored.lastErrorAt)
        XCTAssertNil(stored.nextAttemptAt)
        XCTAssertEqual(returned, stored)
    }

    func testReplaceTags_storesTagsThatJSONEscapes() throws {
        let store = try makeStore()
        let tags = ["quote\"d", "back\\slash", "slash/ed", "tab\tbell\u{07}", "é", "日本", "😀", "ü\u{308}"]

        let returned = try store.replaceTags(tags, for: reference, fetchedAt: t1, expiresAt: t2)
        let stored = try XCTUnwrap(try store.entry(for: reference))

        XCTAssertEqual(Set(stored.tags), Set(tags))
        XCTAssertEqual(stored.tags.map { Array($0.utf8) }, stored.tags.map { Array($0.utf8) }.sorted { $0.lexicographicallyPrecedes($1) })
        XCTAssertEqual(returned.tags, stored.tags)
        XCTAssertEqual(stored.tagCount, tags.count)
    }

    func testReplaceTags_storesTagWithNUL() throws {
        let store = try makeStore()

        try store.replaceTags(["a\u{0}b", "a"], for: reference, fetchedAt: t1, expiresAt: t2)
        try store.replaceTags(["a\u{0}b", "c"], for: reference, fetchedAt: t2, expiresAt: t2)
        let history = try store.tagHistory(for: reference)

        XCTAssertEqual(history, [
            TagHistoryEntry(tag: "a", firstSeenAt: t1, removedAt: t2),
            TagHistoryEntry(tag: "a\u{0}b", firstSeenAt: t1, removedAt: nil),
            TagHistoryEntry(tag: "c", firstSeenAt: t2, removedAt: nil),
        ])
    }

    func testReplaceTags_stores50000Tags() throws {
        let store = try makeStore()
        let tags = (0..<50_000).map { "t\($0)" }

        try store.replaceTags(tags.reversed(), for: reference, fetchedAt: t1, expiresAt: t2)
        try store.replaceTags(tags.dropFirst() + ["new"], for: reference, fetchedAt: t2, expiresAt: t2)
        let stored = try XCTUnwrap(try store.entry(for: reference))
        let history = try store.tagHistory(for: reference)

        XCTAssertEqual(stored.tags, TagOrder.sorted(tags.dropFirst() + ["new"]))
        XCTAssertEqual(history.count, 50_001)
        XCTAssertEqual(history.first { $0.tag == "t0" }?.removedAt, t2)
        XCTAssertEqual(history.first { $0.tag == "t1" }?.firstSeenAt, t1)
        XCTAssertEqual(history.first { $0.tag == "new" }?.firstSeenAt, t2)
    }

    func testReplaceTags_storesEmptySet() throws {
        let store = try makeStore()

        try store.replaceTags([], for: reference, fetchedAt: t1, expiresAt: t2)
        let stored = try XCTUnwrap(try store.entry(for: reference))

        XCTAssertEqual(stored.tags, [])
        XCTAssertEqual(stored.tagCount, 0)
    }

    func testReplaceTags_roundsTimesToMilliseconds() throws {
        let store = try makeStore()
        let fetchedAt = Date(timeIntervalSince1970: 1_767_225_600.123_6)

        try store.replaceTags(["a"], for: reference, fetchedAt: fetchedAt, expiresAt: fetchedAt)
        let stored = try XCTUnwrap(try store.entry(for: reference))

        XCTAssertEqual(stored.fetchedAt.unixMilliseconds, 1_767_225_600_124)
        XCTAssertEqual(stored.fetchedAt, Date(unixMilliseconds: 1_767_225_600_124))
    }

    func testReplaceTags_movesChangedAtOnlyOnChange() throws {
        let store = try makeStore()
        try store.replaceTags(["a", "b"], for: reference, fetchedAt: t1, expiresAt: t1)

        let same = try store.replaceTags(["b", "a"], for: reference, fetchedAt: t2, expiresAt: t2)
        let afterSame = try XCTUnwrap(try store.entry(for: reference))

        XCTAssertEqual(same.changedAt, t1)
        XCTAssertEqual(afterSame.changedAt, t1)
        XCTAssertEqual(afterSame.fetchedAt, t2)
        XCTAssertEqual(afterSame.expiresAt, t2)

        try store.replaceTags(["a", "c"], for: reference, fetchedAt: t3, expiresAt: t3)
        let afterChange = try XCTUnwrap(try store.entry(for: reference))

        XCTAssertEqual(afterChange.changedAt, t3)
        XCTAssertEqual(afterChange.tags, ["a", "c"])
    }

    func testReplaceTags_keepsFirstSeenAfterReturn() throws {
        let store = try makeStore()
        try store.replaceTags(["a", "b"], for: reference, fetchedAt: t1, expiresAt: t1)

        try store.replaceTags(["a"], for: reference, fetchedAt: t2, expiresAt: t2)
        let afterRemoval = try store.tagHistory(for: reference)

        XCTAssertEqual(afterRemoval, [
            TagHistoryEntry(tag: "a", firstSeenAt: t1, removedAt: nil),
            TagHistoryEntry(tag: "b", firstSeenAt: t1, removedAt: t2),
        ])
        XCTAssertEqual(try store.entry(for: reference)?.tags, ["a"])

        try store.replaceTags(["a", "b", "c"], for: reference, fetchedAt: t3, expiresAt: t3)
        let afterReturn = try store.tagHistory(for: reference)

        XCTAssertEqual(afterReturn, [
            TagHistoryEntry(tag: "a", firstSeenAt: t1, removedAt: nil),
            TagHistoryEntry(tag: "b", firstSeenAt: t1, removedAt: nil),
            TagHistoryEntry(tag: "c", firstSeenAt: t3, removedAt: nil),
        ])
        XCTAssertEqual(try store.entry(for: reference)?.changedAt, t3)
    }

    func testReplaceTags_clearsRecordedFailure() throws {
        let store = try makeStore()
        try store.replaceTags(["a"], for: reference, fetchedAt: t1, expiresAt: t1)
        try store.recordFailure(for: reference, message: "timed out", at: t2, nextAttemptAt: t3)

        try store.replaceTags(["a"], for: reference, fetchedAt: t3, expiresAt: t3)
        let stored = try XCTUnwrap(try store.entry(for: reference))

        XCTAssertNil(stored.lastError)
        XCTAssertNil(stored.lastErrorAt)
        XCTAssertNil(stored.nextAttemptAt)
    }

    func testRecordFailure_leavesTagsAndTimes() throws {
        let store = try makeStore()
        try store.replaceTags(["a", "b"], for: reference, fetchedAt: t1, expiresAt: t2)
        let before = try XCTUnwrap(try store.entry(for: reference))

        try store.recordFailure(for: reference, message: "registry returned 503", at: t2, nextAttemptAt: t3)
        let after = try XCTUnwrap(try store.entry(for: reference))

        XCTAssertEqual(after.tags, before.tags)
        XCTAssertEqual(after.tagCount, before.tagCount)
        XCTAssertEqual(after.fetchedAt, before.fetchedAt)
        XCTAssertEqual(after.expiresAt, before.expiresAt)
        XCTAssertEqual(after.changedAt, before.changedAt)
        XCTAssertEqual(after.lastError, "registry returned 503")
        XCTAssertEqual(after.lastErrorAt, t2)
        XCTAssertEqual(after.nextAttemptAt, t3)
        XCTAssertEqual(try store.tagHistory(for: reference).map(\.removedAt), [nil, nil])
    }

    func testRecordFailure_storesMissingNextAttemptAsNil() throws {
        let store = try makeStore()
        try store.replaceTags(["a"], for: reference, fetchedAt: t1, expiresAt: t1)
        try store.recordFailure(for: reference, message: "first", at: t2, nextAttemptAt: t3)

        try store.recordFailure(for: reference, message: "second", at: t3, nextAttemptAt: nil)
        let stored = try XCTUnwrap(try store.entry(for: reference))

        XCTAssertEqual(stored.lastError, "second")
        XCTAssertEqual(stored.lastErrorAt, t3)
        XCTAssertNil(stored.nextAttemptAt)
    }

    func testRecordFailure_ignoresUnknownReference() throws {
        let store = try makeStore()

        try store.recordFailure(for: reference, message: "not found", at: t1, nextAttemptAt: t2)

        XCTAssertNil(try store.entry(for: reference))
        XCTAssertEqual(try store.allEntries(), [])
    }

    func testRemoveEntry_deletesEntryAndHistory() throws {
        let directory = try StoreTestDirectory.make(for: self)
        let path = directory.appending(path: "tags.sqlite").path
        let store = try SQLiteTagStore(path: path)
        let other = ImageReference(registry: "127.0.0.1:5000", path: "team/other")
        try store.replaceTags(["a", "b"], for: reference, fetchedAt: t1, expiresAt: t1)
        try store.replaceTags(["a"], for: reference, fetchedAt: t2, expiresAt: t2)
        try store.replaceTags(["x"], for: other, fetchedAt: t1, expiresAt: t1)

        let connection = try SQLiteConnection(path: path)
        let rowsBefore = try connection.query("SELECT count(*) FROM tags") { $0.int64(0) }

        let removed = try store.removeEntry(for: reference)

        XCTAssertEqual(rowsBefore, [1], "the removal of b is the only row: first fetches write none")
        XCTAssertTrue(removed)
        XCTAssertNil(try store.entry(for: reference))
        XCTAssertEqual(try store.tagHistory(for: reference), [])
        XCTAssertEqual(try store.entry(for: other)?.tags, ["x"])
        XCTAssertEqual(try store.tagHistory(for: other), [TagHistoryEntry(tag: "x", firstSeenAt: t1, removedAt: nil)])
        XCTAssertEqual(try connection.query("SELECT count(*) FROM tags") { $0.int64(0) }, [0])
        XCTAssertFalse(try store.removeEntry(for: reference))
    }

    func testReplaceTags_firstFetchWritesNoTagRows() throws {
        let path = try StoreTestDirectory.make(for: self).appending(path: "tags.sqlite").path
        let store = try SQLiteTagStore(path: path)
        let connection = try SQLiteConnection(path: path)
        let tags = (0..<1000).map { String(format: "v%04d", $0) }

        try store.replaceTags(tags, for: reference, fetchedAt: t1, expiresAt: t1)
        let rowsAfterFirst = try connection.query("SELECT count(*) FROM tags") { $0.int64(0) }
        try store.replaceTags(Array(tags.dropFirst()) + ["v9999"], for: reference, fetchedAt: t2, expiresAt: t2)
        let rowsAfterSecond = try connection.query("SELECT count(*) FROM tags") { $0.int64(0) }
        let history = try store.tagHistory(for: reference)

        XCTAssertEqual(rowsAfterFirst, [0])
        XCTAssertEqual(rowsAfterSecond, [2])
        XCTAssertEqual(try store.entry(for: reference)?.tags, Array(tags.dropFirst()) + ["v9999"])
        XCTAssertEqual(history.count, 1001)
        XCTAssertEqual(history.first, TagHistoryEntry(tag: "v0000", firstSeenAt: t1, removedAt: t2))
        XCTAssertEqual(history[1], TagHistoryEntry(tag: "v0001", firstSeenAt: t1, removedAt: nil))
        XCTAssertEqual(history.last, TagHistoryEntry(tag: "v9999", firstSeenAt: t2, removedAt: nil))
    }

    /// A list stored before `tag_list` existed has a row for every tag and no `tag_list`.
    func testReplaceTags_updatesListStoredAsRows() throws {
        let path = try StoreTestDirectory.make(for: self).appending(path: "tags.sqlite").path
        let store = try SQLiteTagStore(path: path)
        try store.replaceTags(["a", "b"], for: reference, fetchedAt: t1, expiresAt: t1)
        let connection = try SQLiteConnection(path: path)
        try connection.execute(
            """
            UPDATE repositories SET tag_list = NULL, first_fetched_at = NULL;
            INSERT INTO tags (repository_id, tag, first_seen_at) SELECT id, 'a', \(t1.unixMilliseconds) FROM repositories;
            INSERT INTO tags (repository_id, tag, first_seen_at) SELECT id, 'b', \(t1.unixMilliseconds) FROM repositories;
            """)

        let read = try store.entry(for: reference)?.tags
        try store.replaceTags(["b", "c"], for: reference, fetchedAt: t2, expiresAt: t2)

        XCTAssertEqual(read, ["a", "b"])
        XCTAssertEqual(try store.entry(for: reference)?.tags, ["b", "c"])
        XCTAssertEqual(try store.tagHistory(for: reference), [
            TagHistoryEntry(tag: "a", firstSeenAt: t1, removedAt: t2),
            TagHistoryEntry(tag: "b", firstSeenAt: t1, removedAt: nil),
            TagHistoryEntry(tag: "c", firstSeenAt: t2, removedAt: nil),
        ])
    }

    func testAllEntries_sortsByReferenceWithoutTags() throws {
        let store = try makeStore()
        let hub = ImageReference(registry: "docker.io", path: "library/debian")
        let ghcr = ImageReference(registry: "ghcr.io", path: "owner/tool")
        try store.replaceTags(["a", "b", "c"], for: ghcr, fetchedAt: t2, expiresAt: t3)
        try store.replaceTags(["x"], for: reference, fetchedAt: t1, expiresAt: t2)
        try store.replaceTags(["12", "bookworm"], for: hub, fetchedAt: t1, expiresAt: t3)
        try store.recordFailure(for: hub, message: "timed out", at: t2, nextAttemptAt: t3)

        let entries = try store.allEntries()

        XCTAssertEqual(entries.map(\.reference), [reference, hub, ghcr])
        XCTAssertEqual(entries.map(\.tags), [[], [], []])
        XCTAssertEqual(entries.map(\.tagCount), [1, 2, 3])
        XCTAssertEqual(entries.map(\.fetchedAt), [t1, t1, t2])
        XCTAssertEqual(entries.map(\.expiresAt), [t2, t3, t3])
        XCTAssertEqual(entries.map(\.lastError), [nil, "timed out", nil])
        XCTAssertEqual(entries.map(\.nextAttemptAt), [nil, t3, nil])
    }

    func testAllEntries_readsBracketedIPv6Registry() throws {
        let store = try makeStore()
        let ipv6 = ImageReference(registry: "[::1]:5000", path: "a/b/c")
        try store.replaceTags(["1"], for: ipv6, fetchedAt: t1, expiresAt: t1)

        XCTAssertEqual(try store.allEntries().map(\.reference), [ipv6])
        XCTAssertEqual(try store.entry(for: ipv6)?.reference, ipv6)
    }
}

/// Per-test directories for database files.
enum StoreTestDirectory {
    /// Creates an empty directory that is removed when `test` ends.
    static func make(for test: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appending(path: "tagcache-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock {
            try? FileManager.default.removeItem(at: url)
        }
        return url
    }
}
