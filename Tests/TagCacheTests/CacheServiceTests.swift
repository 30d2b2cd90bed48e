import Foundation
import Synchronization
import XCTest

@testable import TagCache

/// A `TagFetcher` under the test's control: counts calls, returns the tags it is given or fails, and can hold
/// every call until the test releases it.
final class ScriptedFetcher: TagFetcher {
    private struct State {
        var tags: [String] = []
        var failure: FetchError?
        var calls = 0
    }

    private let state = Mutex(State())
    private let currentGate = Mutex(Gate())

    /// The gate calls wait on; `hold()` replaces it with a closed one.
    var gate: Gate { currentGate.withLock { $0 } }

    /// Makes later calls wait until `gate.open()`.
    func hold() {
        currentGate.withLock { $0 = Gate() }
    }

    init(tags: [String] = [], holding: Bool = false) {
        state.withLock { $0.tags = tags }
        if !holding {
            gate.open()
        }
    }

    var calls: Int { state.withLock { $0.calls } }

    func setTags(_ tags: [String]) {
        state.withLock {
            $0.tags = tags
            $0.failure = nil
        }
    }

    func fail(with error: FetchError) {
        state.withLock { $0.failure = error }
    }

    func listTags(of reference: ImageReference) async throws(FetchError) -> FetchedTags {
        state.withLock { $0.calls += 1 }
        await gate.wait()
        let (tags, failure) = state.withLock { ($0.tags, $0.failure) }
        if let failure {
            throw failure
        }
        return FetchedTags(tags: tags, pages: 1)
    }
}

/// A clock that moves only when the test calls `advance(by:)`.
final class ManualClock: Sendable {
    private let current = Mutex(Date(timeIntervalSince1970: 1_800_000_000))

    var now: Date { current.withLock { $0 } }

    func advance(by seconds: Double) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}

final class CacheServiceTests: XCTestCase {
    private let reference = ImageReference(registry: "registry.example.com", path: "team/app")
    private let policy = CachePolicy(ttl: 60, staleWhileRevalidate: 120, staleIfError: 600)
    private let clock = ManualClock()
    /// Refresh-ahead off, so that reads near expiry start no refresh these tests do not expect.
    private static let withoutRefreshAhead = CacheMaintenance(refreshAhead: 0, inactive: 86_400, maxEntries: nil)

    private func makeService(fetcher: ScriptedFetcher) throws -> TagCacheService {
        let directory = try StoreTestDirectory.make(for: self)
        let store = try SQLiteTagStore(path: directory.appending(path: "cache.sqlite").path)
        let policy = self.policy
        let clock = self.clock
        return TagCacheService(
            store: store, fetcher: fetcher, policy: { _ in policy }, clock: { clock.now },
            maintenance: Self.withoutRefreshAhead, log: Log(minimumLevel: .error))
    }

    /// Waits until `condition` holds, polling; fails the test after `timeout` seconds.
    private func eventually(timeout: Double = 5, _ condition: () -> Bool, file: StaticString = #filePath, line: UInt = #line) async {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition() {
            if Date() > deadline {
                XCTFail("condition not met within \(timeout) s", file: file, line: line)
                return
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    func testMiss_fetchesAndStores() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0", "latest"])
        let service = try makeService(fetcher: fetcher)

        let answer = try await service.tags(for: reference)

        XCTAssertEqual(answer.source, .miss(collapsed: false))
        XCTAssertEqual(answer.entry.tags, ["1.0", "latest"])
        XCTAssertEqual(answer.entry.expiresAt, clock.now.addingTimeInterval(60))
        XCTAssertFalse(answer.isStale)
        XCTAssertEqual(fetcher.calls, 1)
    }

    func testFresh_answersWithoutFetchUntilTheLastInstant() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let service = try makeService(fetcher: fetcher)
        _ = try await service.tags(for: reference)

        clock.advance(by: 59.999)
        let answer = try await service.tags(for: reference)

        XCTAssertEqual(answer.source, .fresh)
        XCTAssertEqual(answer.ttl, 0)
        XCTAssertEqual(fetcher.calls, 1)
    }

    func testStaleWhileRevalidate_answersStoredAndRefreshesInBackground() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let service = try makeService(fetcher: fetcher)
        _ = try await service.tags(for: reference)
        fetcher.setTags(["1.0", "2.0"])

        clock.advance(by: 60)
        let stale = try await service.tags(for: reference)

        XCTAssertEqual(stale.source, .staleWhileRevalidate)
        XCTAssertTrue(stale.isStale)
        XCTAssertEqual(stale.entry.tags, ["1.0"])
        await service.waitForRefreshes()
        XCTAssertEqual(fetcher.calls, 2)
        let refreshed = try await service.tags(for: reference)
        XCTAssertEqual(refreshed.source, .fresh)
        XCTAssertEqual(refreshed.entry.tags, ["1.0", "2.0"])
    }

    func testStaleWhileRevalidate_lastInstantStillAnswersStale() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"], holding: false)
        let service = try makeService(fetcher: fetcher)
        _ = try await service.tags(for: reference)

        clock.advance(by: 60 + 119.999)
        guard case .answer(let answer) = try service.lookup(reference) else {
            return XCTFail("an entry inside stale-while-revalidate must be answered without a fetch")
        }

        XCTAssertEqual(answer.source, .staleWhileRevalidate)
        await service.waitForRefreshes()
    }

    func testPastStaleWhileRevalidate_fetchesBeforeAnswering() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let service = try makeService(fetcher: fetcher)
        _ = try await service.tags(for: reference)
        fetcher.setTags(["3.0"])

        clock.advance(by: 180)
        let answer = try await service.tags(for: reference)

        XCTAssertEqual(answer.source, .revalidated(collapsed: false))
        XCTAssertEqual(answer.entry.tags, ["3.0"])
        XCTAssertFalse(answer.isStale)
    }

    func testStaleIfError_answersStoredListWhenRegistryFails() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let service = try makeService(fetcher: fetcher)
        _ = try await service.tags(for: reference)
        let failure = FetchError(.unreachable, "connection refused")
        fetcher.fail(with: failure)

        clock.advance(by: 60 + 599)
        let answer = try await service.tags(for: reference)

        XCTAssertEqual(answer.source, .staleIfError(failure))
        XCTAssertEqual(answer.entry.tags, ["1.0"])
        XCTAssertTrue(answer.isStale)
    }

    func testPastStaleIfError_errorGoesThrough() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let service = try makeService(fetcher: fetcher)
        _ = try await service.tags(for: reference)
        fetcher.fail(with: FetchError(.timeout, "timed out"))

        clock.advance(by: 60 + 600)
        do {
            let answer = try await service.tags(for: reference)
            XCTFail("expected the timeout to go through, got \(answer.source)")
        } catch {
            guard case .fetch(let fetchError) = error else { return XCTFail("unexpected \(error)") }
            XCTAssertEqual(fetchError.kind, .timeout)
        }
    }

    func testNameUnknown_isNotHiddenByStaleList() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let service = try makeService(fetcher: fetcher)
        _ = try await service.tags(for: reference)
        fetcher.fail(with: FetchError(.nameUnknown, "repository team/app not found"))

        clock.advance(by: 200)
        do {
            _ = try await service.tags(for: reference)
            XCTFail("expected NAME_UNKNOWN")
        } catch {
            guard case .fetch(let fetchError) = error else { return XCTFail("unexpected \(error)") }
            XCTAssertEqual(fetchError.kind, .nameUnknown)
        }
    }

    func testFailedRefresh_keepsStoredListAndDelaysNextAttempt() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0", "2.0"])
        let service = try makeService(fetcher: fetcher)
        let first = try await service.tags(for: reference)
        fetcher.fail(with: FetchError(.unreachable, "connection refused"))

        clock.advance(by: 200)
        _ = try await service.tags(for: reference)
        let callsAfterFailure = fetcher.calls
        clock.advance(by: 1)
        let again = try await service.tags(for: reference)

        XCTAssertEqual(callsAfterFailure, 2)
        XCTAssertEqual(fetcher.calls, 2, "a read right after a failed refresh must not contact the registry")
        XCTAssertEqual(again.source, .staleAfterRecentError)
        XCTAssertEqual(again.entry.tags, first.entry.tags)
        XCTAssertEqual(again.entry.fetchedAt, first.entry.fetchedAt)
        XCTAssertEqual(again.entry.expiresAt, first.entry.expiresAt)
        XCTAssertEqual(again.entry.lastError, "connection refused")
    }

    func testConcurrentMisses_shareOneFetch() async throws {
        let fetcher = ScriptedFetcher(tags: ["a", "b"], holding: true)
        let service = try makeService(fetcher: fetcher)
        let reference = self.reference

        let answers = Task {
            await withTaskGroup(of: CacheAnswer?.self) { group in
                for _ in 0..<50 {
                    group.addTask { try? await service.tags(for: reference) }
                }
                var answers: [CacheAnswer?] = []
                for await answer in group {
                    answers.append(answer)
                }
                return answers
            }
        }
        await eventually { fetcher.calls >= 1 }
        try await Task.sleep(for: .milliseconds(100))
        fetcher.gate.open()
        let results = await answers.value.compactMap { $0 }

        XCTAssertEqual(fetcher.calls, 1)
        XCTAssertEqual(results.count, 50)
        XCTAssertEqual(results.filter { $0.source == .miss(collapsed: false) }.count, 1)
        XCTAssertEqual(results.filter { $0.source == .miss(collapsed: true) }.count, 49)
        XCTAssertEqual(Set(results.map(\.entry.tags)), [["a", "b"]])
    }

    func testConcurrentStaleReads_startOneRefresh() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let service = try makeService(fetcher: fetcher)
        _ = try await service.tags(for: reference)
        let reference = self.reference

        clock.advance(by: 61)
        let sources = await withTaskGroup(of: CacheAnswer.Source?.self) { group in
            for _ in 0..<100 {
                group.addTask { try? await service.tags(for: reference).source }
            }
            var sources: [CacheAnswer.Source?] = []
            for await source in group {
                sources.append(source)
            }
            return sources
        }
        await service.waitForRefreshes()

        XCTAssertEqual(sources.count, 100)
        XCTAssertTrue(sources.allSatisfy { $0 == .staleWhileRevalidate || $0 == .fresh }, "\(sources)")
        XCTAssertEqual(fetcher.calls, 2)
    }

    func testLookupWithoutServeStale_asksForFetchInsideStaleWhileRevalidate() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let service = try makeService(fetcher: fetcher)
        _ = try await service.tags(for: reference)

        clock.advance(by: 61)
        let lookup = try service.lookup(reference, serveStale: false)

        guard case .needsFetch(let stored) = lookup else { return XCTFail("expected needsFetch, got \(lookup)") }
        XCTAssertEqual(stored?.tags, ["1.0"])
        XCTAssertEqual(fetcher.calls, 1)
    }

    func testFetchInsideStaleWhileRevalidate_fallsBackOnError() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let service = try makeService(fetcher: fetcher)
        _ = try await service.tags(for: reference)
        let failure = FetchError(.unreachable, "connection refused")
        fetcher.fail(with: failure)

        clock.advance(by: 61)
        guard case .needsFetch(let stored) = try service.lookup(reference, serveStale: false) else {
            return XCTFail("a stale entry must need a fetch when stale answers are not wanted")
        }
        let answer = try await service.fetch(reference, fallback: stored)

        XCTAssertEqual(answer.source, .staleIfError(failure))
        XCTAssertEqual(answer.entry.tags, ["1.0"])
    }

    func testStaleWhileRevalidate_afterFailedRefreshReportsRecentError() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let service = try makeService(fetcher: fetcher)
        _ = try await service.tags(for: reference)
        fetcher.fail(with: FetchError(.unreachable, "connection refused"))

        clock.advance(by: 61)
        _ = try await service.tags(for: reference)
        await service.waitForRefreshes()
        let again = try await service.tags(for: reference)

        XCTAssertEqual(again.source, .staleAfterRecentError)
        XCTAssertEqual(fetcher.calls, 2)
    }
}
