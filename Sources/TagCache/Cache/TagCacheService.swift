import Foundation
import Synchronization

/// The cache: serves tag lists from the store, fetching from the registry on a miss or once stale, with
/// stale-while-revalidate, stale-if-error and one upstream fetch per repository at a time.
public final class TagCacheService: Sendable {
    let store: any TagStore
    let fetcher: any TagFetcher
    let policyForRegistry: @Sendable (String) -> CachePolicy
    let clock: @Sendable () -> Date
    /// Draws backoff jitter in `0..<1`.
    let jitter: @Sendable () -> Double
    let maintenance: CacheMaintenance
    let log: Log
    private let flights = SingleFlight<Result<Refreshed, CacheError>>()
    let reads = ReadLog()
    let metrics = CacheMetrics()
    /// Requests and fetches per registry; this service records fetches and writes the increments to the store.
    let registryStats: RegistryStats
    /// The fetchers' load control, for the queue length in metrics; nil when fetches are not limited.
    let limiter: RegistryLimiter?
    /// Entries stored as far as this process has counted, to enforce `maxEntries` when a new entry is stored. Nil
    /// until counted, and again after a deletion, which the next count then includes.
    let knownEntryCount = Mutex<Int?>(nil)
    /// Encoded fresh-hit responses; nil when disabled or when the store cannot report other connections' commits.
    let encodedResponses: EncodedResponseCache?

    /// The entry a refresh left in the store, and whether it came from the registry or from a refresh that ended
    /// between the caller's read and the start of this one.
    private struct Refreshed: Sendable {
        let entry: StoredEntry
        let fetched: Bool
    }

    /// - Parameters:
    ///   - policy: Returns the freshness windows of a registry as references write it.
    ///   - clock: The current time; tests inject their own.
    ///   - jitter: Draws the backoff jitter, a number in `0..<1`; tests inject fixed values.
    ///   - maintenance: Refresh-ahead and eviction settings.
    ///   - encodedResponseBytes: Memory for encoded fresh-hit responses, in bytes; 0 disables them. They are kept
    ///     only over a `SQLiteTagStore`, whose `dataVersion()` reports writes by other processes.
    ///   - changeCheckInterval: Longest time between two checks for other processes' writes, which is how long
    ///     such a write may go unseen by encoded responses.
    ///   - registryStats: Where the fetcher records its requests; the service adds fetches and writes both to the
    ///     store in batches.
    ///   - limiter: The fetcher's load control, whose queue `GET /metrics` reports.
    public init(
        store: any TagStore, fetcher: any TagFetcher, policy: @escaping @Sendable (String) -> CachePolicy,
        clock: @escaping @Sendable () -> Date = Date.init,
        jitter: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        maintenance: CacheMaintenance = CacheMaintenance(), encodedResponseBytes: Int = 0,
        changeCheckInterval: Duration = .milliseconds(1), registryStats: RegistryStats = RegistryStats(),
        limiter: RegistryLimiter? = nil, log: Log
    ) {
        if encodedResponseBytes > 0, let store = store as? SQLiteTagStore {
            encodedResponses = EncodedResponseCache(
                maxBytes: encodedResponseBytes, changeCheckInterval: changeCheckInterval,
                dataVersion: { try? store.dataVersion() })
        } else {
            encodedResponses = nil
        }
        self.maintenance = maintenance
        self.store = store
        self.fetcher = fetcher
        self.policyForRegistry = policy
        self.clock = clock
        self.jitter = jitter
        self.registryStats = registryStats
        self.limiter = limiter
        self.log = log
    }

    /// The outcome of looking at the store alone.
    public enum Lookup: Sendable {
        /// Answerable now, without waiting on the registry.
        case answer(CacheAnswer)
        /// A fetch is needed; `stored` is the entry to fall back on, if any.
        case needsFetch(stored: StoredEntry?)
    }

    /// Looks `reference` up in the store alone and never blocks on the network.
    ///
    /// - Parameters:
    ///   - directives: The request's `Cache-Control` directives.
    ///   - serveStale: Answer an entry inside stale-while-revalidate at once and refresh it in the background. A
    ///     short-lived process passes false, because it would exit before the refresh ends.
    /// - Throws: `CacheError.recentFailure` when nothing is stored and a fetch failed recently (a negative entry
    ///   among them), `CacheError.notCached` for `only-if-cached` when nothing is stored, `CacheError.store` when
    ///   the database fails.
    public func lookup(
        _ reference: ImageReference, directives: RequestDirectives = RequestDirectives(), serveStale: Bool = true
    ) throws(CacheError) -> Lookup {
        let lookup: Lookup
        do {
            lookup = try lookUpStored(reference, directives: directives, serveStale: serveStale)
        } catch {
            if case .recentFailure(let failure, _) = error {
                metrics.recordRememberedFailure(failure.kind)
            }
            throw error
        }
        if case .answer(let answer) = lookup {
            reads.record(reference, at: answer.now)
            metrics.recordAnswer(answer.source, isStale: answer.isStale)
        }
        return lookup
    }

    private func lookUpStored(
        _ reference: ImageReference, directives: RequestDirectives, serveStale: Bool
    ) throws(CacheError) -> Lookup {
        let now = clock()
        let stored: StoredEntry?
        do {
            stored = try store.entry(for: reference)
        } catch {
            throw .store(error)
        }
        let policy = policyForRegistry(reference.registry)
        guard let stored else {
            try throwRecentFailure(of: reference, now: now)
            if directives.onlyIfCached { throw .notCached(reference) }
            return .needsFetch(stored: nil)
        }
        if directives.onlyIfCached {
            return .answer(CacheAnswer(entry: stored, source: .onlyIfCached, now: now, policy: policy))
        }
        if directives.requiresRevalidation(age: now.timeIntervalSince(stored.fetchedAt)) {
            return .needsFetch(stored: stored)
        }

        switch Freshness(expiresAt: stored.expiresAt, now: now, policy: policy) {
        case .fresh(let remaining):
            // Refresh-ahead: a list read this close to expiry is likely to be read again after it.
            if serveStale, remaining <= maintenance.refreshAheadLead(policy), !isBackingOff(stored, now: now) {
                refreshInBackground(stored)
            }
            return .answer(CacheAnswer(entry: stored, source: .fresh, now: now, policy: policy))
        case .staleWhileRevalidate:
            guard serveStale else { return .needsFetch(stored: stored) }
            if isBackingOff(stored, now: now) {
                return .answer(CacheAnswer(entry: stored, source: .staleAfterRecentError, now: now, policy: policy))
            }
            refreshInBackground(stored)
            return .answer(CacheAnswer(entry: stored, source: .staleWhileRevalidate, now: now, policy: policy))
        case .mustRevalidate(let age, let usableOnError):
            if serveStale, let maxStale = directives.maxStale, age <= Double(maxStale) {
                if !isBackingOff(stored, now: now) {
                    refreshInBackground(stored)
                }
                return .answer(CacheAnswer(entry: stored, source: .maxStale, now: now, policy: policy))
            }
            if usableOnError && isBackingOff(stored, now: now) {
                return .answer(CacheAnswer(entry: stored, source: .staleAfterRecentError, now: now, policy: policy))
            }
            return .needsFetch(stored: stored)
        }
    }

    /// Returns the tag list of `reference`, fetching it when the store has no usable entry.
    public func tags(
        for reference: ImageReference, directives: RequestDirectives = RequestDirectives()
    ) async throws(CacheError) -> CacheAnswer {
        switch try lookup(reference, directives: directives) {
        case .answer(let answer):
            return answer
        case .needsFetch(let stored):
            return try await fetch(reference, fallback: stored)
        }
    }

    /// Completes a lookup that returned `.needsFetch`: fetches, sharing any fetch in flight for the repository,
    /// and falls back on `fallback` when the fetch fails and `fallback` is fresh or inside stale-if-error.
    public func fetch(_ reference: ImageReference, fallback: StoredEntry?) async throws(CacheError) -> CacheAnswer {
        // A usable fallback at this point means the request's directives, not the entry's age, asked for a fetch.
        let requested = fallback.map { $0.expiresAt > clock() } ?? false
        let (result, coalesced) = await flights.run(reference.name) {
            await self.refresh(reference, replacing: fallback)
        }
        let now = clock()
        let policy = policyForRegistry(reference.registry)

        switch result {
        case .success(let refreshed):
            let collapsed = coalesced || !refreshed.fetched
            let source: CacheAnswer.Source
            if fallback == nil {
                source = .miss(collapsed: collapsed)
            } else if requested {
                source = .revalidatedOnRequest(collapsed: collapsed)
            } else {
                source = .revalidated(collapsed: collapsed)
            }
            reads.record(reference, at: now)
            let answer = CacheAnswer(entry: refreshed.entry, source: source, now: now, policy: policy)
            metrics.recordAnswer(source, isStale: answer.isStale)
            return answer
        case .failure(.fetch(let error)) where !error.isNegative:
            if let fallback, isUsableOnError(fallback, now: now, policy: policy) {
                reads.record(reference, at: now)
                metrics.recordAnswer(.staleIfError(error), isStale: true)
                return CacheAnswer(entry: fallback, source: .staleIfError(error), now: now, policy: policy)
            }
            throw .fetch(error)
        case .failure(let error):
            throw error
        }
    }

    /// Whether `entry` may be answered in place of a failed fetch: it is fresh or expired less than stale-if-error
    /// ago.
    private func isUsableOnError(_ entry: StoredEntry, now: Date, policy: CachePolicy) -> Bool {
        Freshness.isUsableOnError(expiresAt: entry.expiresAt, now: now, policy: policy)
    }

    /// Fetches `reference` now, sharing a fetch already in flight, whatever the stored entry's age.
    public func forceRefresh(_ reference: ImageReference) async throws(CacheError) -> StoredEntry {
        try await flights.run(reference.name) { await self.refresh(reference, replacing: nil, always: true) }
            .value.get().entry
    }

    /// Fetches `reference` now whatever the stored entry's age, sharing a fetch already in flight, and returns the
    /// stored result. A failure is thrown and recorded like any failed refresh, and nothing stored is answered in
    /// its place.
    public func refreshNow(_ reference: ImageReference) async throws(CacheError) -> CacheAnswer {
        let (result, coalesced) = await flights.run(reference.name) {
            await self.refresh(reference, replacing: nil, always: true)
        }
        let entry = try result.get().entry
        return CacheAnswer(
            entry: entry, source: .revalidatedOnRequest(collapsed: coalesced), now: clock(),
            policy: policyForRegistry(reference.registry))
    }

    /// Deletes the stored entry of `reference`, its tag history and any failure recorded for it.
    ///
    /// - Returns: Whether an entry was stored.
    public func purge(_ reference: ImageReference) throws(CacheError) -> Bool {
        defer {
            encodedResponses?.invalidate(reference)
            knownEntryCount.withLock { $0 = nil }
        }
        do {
            return try store.removeEntry(for: reference)
        } catch {
            throw .store(error)
        }
    }

    /// Renders the cache's counters and gauges in the Prometheus text format. The entry count and database size are
    /// measured now; they are left out when the store cannot provide them.
    public func metricsText() -> String {
        let entries = try? store.entryCount()
        var databaseBytes: Int?
        if let store = store as? SQLiteTagStore {
            let sizes = ["", "-wal"].compactMap { suffix in
                (try? FileManager.default.attributesOfItem(atPath: store.path + suffix))?[.size] as? Int
            }
            databaseBytes = sizes.isEmpty ? nil : sizes.reduce(0, +)
        }
        return metrics.render(
            requests: registryStats.requestTotals(), refreshesInFlight: flights.count,
            queueLengths: limiter?.queueLengths(), entries: entries, databaseBytes: databaseBytes)
    }

    /// Waits for every refresh in flight, for an orderly shutdown.
    public func waitForRefreshes() async {
        await flights.waitForAll()
    }

    private func isBackingOff(_ entry: StoredEntry, now: Date) -> Bool {
        guard let next = entry.nextAttemptAt else { return false }
        return next > now
    }

    func refreshInBackground(_ stale: StoredEntry) {
        // The flight's task inherits the task-local value, so its fetch waits behind fetches a client waits for.
        FetchPriority.$current.withValue(.background) {
            flights.start(stale.reference.name) { await self.refresh(stale.reference, replacing: stale) }
        }
    }

    /// Fetches the tag list and stores it; on failure records the error on the stored entry, if any.
    ///
    /// A caller decides to refresh after reading `seen` (nil when nothing was stored), but another refresh may
    /// have ended in between. Unless `always` is set, a stored entry newer than `seen` is returned without a
    /// fetch, so each stale or missing entry causes one registry request however many callers saw it.
    private func refresh(
        _ reference: ImageReference, replacing seen: StoredEntry?, always: Bool = false
    ) async -> Result<Refreshed, CacheError> {
        let current: StoredEntry?
        do {
            current = try store.entry(for: reference)
        } catch {
            return .failure(.store(error))
        }
        if !always, let current, seen == nil || current.fetchedAt > seen!.fetchedAt {
            return .success(Refreshed(entry: current, fetched: false))
        }

        let started = ContinuousClock.now
        let fetched: FetchedTags
        do {
            fetched = try await fetcher.listTags(of: reference)
        } catch {
            // A rejection by the access policy contacted no registry, so it is not counted as one's fetch. Counting
            // it would also let any client add registries to the counters at will.
            if error.kind != .registryNotAllowed {
                metrics.recordUpstreamFetch(
                    registry: registryStats.recordedName(of: reference.registry), outcome: error.kind.rawValue,
                    seconds: seconds(since: started))
                registryStats.recordFetch(registry: reference.registry, error: error.message, at: clock())
            }
            recordFailure(error, for: reference, stored: current)
            return .failure(.fetch(error))
        }
        metrics.recordUpstreamFetch(
            registry: registryStats.recordedName(of: reference.registry), outcome: "ok",
            seconds: seconds(since: started))
        registryStats.recordFetch(registry: reference.registry, error: nil, at: clock())

        let now = clock()
        let policy = policyForRegistry(reference.registry)
        do {
            defer { encodedResponses?.invalidate(reference) }
            let entry = try store.replaceTags(
                fetched.tags, for: reference, fetchedAt: now, expiresAt: now.addingTimeInterval(Double(policy.ttl)))
            log.info(
                "upstream.fetch",
                [
                    "registry": reference.registry, "repository": reference.path, "pages": String(fetched.pages),
                    "tags": String(fetched.tags.count), "ms": String(milliseconds(since: started)),
                ])
            if current == nil {
                enforceMaxEntries(afterAdding: reference)
            }
            return .success(Refreshed(entry: entry, fetched: true))
        } catch {
            log.error("store.write_failed", ["reference": reference.name, "error": error.description])
            return .failure(.store(error))
        }
    }

    private func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    private func milliseconds(since start: ContinuousClock.Instant) -> Int {
        let elapsed = ContinuousClock.now - start
        return Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
    }
}
