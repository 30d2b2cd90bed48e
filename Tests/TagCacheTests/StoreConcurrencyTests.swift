import Foundation
import Synchronization
import XCTest
@testable import TagCache

final class StoreConcurrencyTests: XCTestCase {
    private let reference = ImageReference(registry: "127.0.0.1:5000", path: "team/app")

    private func makePath() throws -> String {
        try StoreTestDirectory.make(for: self).appending(path: "tags.sqlite").path
    }

    /// One store rewrites a repository between two disjoint sets while readers use a second store on the same
    /// file, as the service and the command-line tool do. Write number n stores set A when n is even and set B
    /// when it is odd, with fetchedAt = start + n seconds, so a read whose tags or times do not fit one write
    /// shows a torn read.
    func testReplaceTags_readersSeeWholeWrites() throws {
        let path = try makePath()
        let writer = try SQLiteTagStore(path: path)
        let reader = try SQLiteTagStore(path: path)
        let sets = [(0..<2_000).map { "a" + String($0) }.sorted(), (0..<2_000).map { "b" + String($0) }.sorted()]
        let start = Date(unixMilliseconds: 1_767_225_600_000)
        try writer.replaceTags(sets[0], for: reference, fetchedAt: start, expiresAt: start)

        let writeCount = 20
        let readerCount = 2
        let writerDone = AtomicCounter()
        let results = ReadResults()
        let group = DispatchGroup()

        group.enter()
        Thread { [reference] in
            defer {
                writerDone.increment()
                group.leave()
            }
            for number in 1...writeCount {
                let time = start.addingTimeInterval(Double(number))
                do {
                    try writer.replaceTags(sets[number % 2], for: reference, fetchedAt: time, expiresAt: time)
                } catch {
                    results.record(failure: "write \(number) failed: \(error)")
                    return
                }
            }
        }.start()

        for _ in 0..<readerCount {
            group.enter()
            Thread { [reference] in
                defer { group.leave() }
                while writerDone.value == 0 {
                    do {
                        guard let entry = try reader.entry(for: reference) else {
                            results.record(failure: "entry missing")
                            continue
                        }
                        results.record(entry, sets: sets, start: start)
                    } catch {
                        results.record(failure: "read failed: \(error)")
                    }
                }
            }.start()
        }

        XCTAssertEqual(group.wait(timeout: .now() + 120), .success)
        let summary = results.summary
        XCTAssertEqual(summary.failures, [])
        XCTAssertEqual(summary.torn, 0)
        XCTAssertGreaterThan(summary.whole[0], 0)
        XCTAssertGreaterThan(summary.whole[1], 0)
    }

    func testTwoStores_shareOneFile() throws {
        let path = try makePath()
        let first = try SQLiteTagStore(path: path)
        let second = try SQLiteTagStore(path: path)
        let other = ImageReference(registry: "docker.io", path: "library/debian")
        let time = Date(unixMilliseconds: 1_767_225_600_000)

        try first.replaceTags(["1.0", "2.0"], for: reference, fetchedAt: time, expiresAt: time)
        try second.replaceTags(["12"], for: other, fetchedAt: time, expiresAt: time)

        XCTAssertEqual(try second.entry(for: reference)?.tags, ["1.0", "2.0"])
        XCTAssertEqual(try first.entry(for: other)?.tags, ["12"])
        XCTAssertEqual(try first.allEntries().map(\.reference), [reference, other])

        try second.removeEntry(for: reference)

        XCTAssertNil(try first.entry(for: reference))
    }

    /// A writer in another process holds the write lock for a while. The store waits for it (busy timeout)
    /// instead of failing with SQLITE_BUSY.
    func testReplaceTags_waitsForOtherConnectionsWriteLock() throws {
        let path = try makePath()
        let store = try SQLiteTagStore(path: path)
        let lockHeld = DispatchSemaphore(value: 0)
        let lockReleased = DispatchGroup()
        let results = ReadResults()
        let holdSeconds = 0.5

        lockReleased.enter()
        Thread {
            defer { lockReleased.leave() }
            do {
                let connection = try SQLiteConnection(path: path)
                try connection.execute("BEGIN IMMEDIATE")
                lockHeld.signal()
                Thread.sleep(forTimeInterval: holdSeconds)
                try connection.execute("COMMIT")
            } catch {
                results.record(failure: "lock holder failed: \(error)")
                lockHeld.signal()
            }
        }.start()
        lockHeld.wait()

        let started = Date()
        let time = Date(unixMilliseconds: 1_767_225_600_000)
        try store.replaceTags(["a"], for: reference, fetchedAt: time, expiresAt: time)
        let waited = Date().timeIntervalSince(started)

        XCTAssertEqual(lockReleased.wait(timeout: .now() + 10), .success)
        XCTAssertEqual(results.summary.failures, [])
        XCTAssertGreaterThan(waited, holdSeconds * 0.8)
        XCTAssertEqual(try store.entry(for: reference)?.tags, ["a"])
    }

    /// Two processes start on a new file at once: both must open, and each migration must be applied once.
    func testInit_concurrentOpensApplyMigrationsOnce() throws {
        let path = try makePath()
        let results = ReadResults()
        let group = DispatchGroup()

        for _ in 0..<4 {
            group.enter()
            Thread {
                defer { group.leave() }
                do {
                    _ = try SQLiteTagStore(path: path)
                } catch {
                    results.record(failure: "open failed: \(error)")
                }
            }.start()
        }

        XCTAssertEqual(group.wait(timeout: .now() + 30), .success)
        XCTAssertEqual(results.summary.failures, [])
        let connection = try SQLiteConnection(path: path)
        let names = try connection.query("SELECT name FROM schema_migrations ORDER BY name") { $0.string(0) }
        XCTAssertEqual(names, embeddedMigrations.map(\.name))
    }
}

private final class AtomicCounter: Sendable {
    private let storage = Atomic<Int>(0)

    var value: Int {
        storage.load(ordering: .acquiring)
    }

    func increment() {
        storage.add(1, ordering: .acquiringAndReleasing)
    }
}

/// Outcomes of reads made on several threads, checked on the test's thread afterwards.
private final class ReadResults: Sendable {
    struct Summary: Sendable {
        /// Reads that matched one write, by the index of the set it stored.
        var whole = [0, 0]
        var torn = 0
        var failures: [String] = []
    }

    private let state = Mutex(Summary())

    var summary: Summary {
        state.withLock { $0 }
    }

    /// Counts `entry` as whole when its tags and times are those of one write: write n stores `sets[n % 2]` at
    /// `start` + n seconds.
    func record(_ entry: StoredEntry, sets: [[String]], start: Date) {
        let number = Int(entry.fetchedAt.timeIntervalSince(start).rounded())
        let expected = sets[number % 2]
        let isWhole = entry.tags == expected && entry.tagCount == expected.count
            && entry.expiresAt == entry.fetchedAt && entry.changedAt == entry.fetchedAt
        state.withLock { summary in
            if isWhole {
                summary.whole[number % 2] += 1
            } else {
                summary.torn += 1
                if summary.failures.count < 5 {
                    summary.failures.append(
                        "torn read: write \(number), \(entry.tags.count) tags starting \(entry.tags.first ?? "-")"
                    )
                }
            }
        }
    }

    func record(failure: String) {
        state.withLock { summary in
            if summary.failures.count < 5 {
                summary.failures.append(failure)
            }
        }
    }
}
