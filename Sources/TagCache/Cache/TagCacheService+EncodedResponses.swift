import Foundation

/// Fresh hits served from `EncodedResponseCache`, with the same read counting and metrics as a hit from the store.
extension TagCacheService {
    /// The outcome of looking a request up among the encoded responses.
    enum EncodedLookup: Sendable {
        /// A fresh entry to send, and the instant its time-dependent header fields are computed for.
        case hit(EncodedResponseCache.Entry, now: Date)
        /// Nothing usable is stored. A response rendered from a lookup made after this one may be stored with
        /// `generation`.
        case miss(generation: UInt64)
        /// Encoded responses are disabled.
        case disabled
    }

    /// Looks up the encoded response stored under `key`. A hit counts as a read and a fresh hit, like a fresh answer
    /// from `lookup`.
    ///
    /// The caller must only use this for requests whose response depends on nothing but `key` and the stored entry,
    /// so not for requests with `Cache-Control` directives.
    func lookUpEncoded(key: String) -> EncodedLookup {
        guard let encodedResponses else { return .disabled }
        let generation = encodedResponses.currentGeneration()
        guard let entry = encodedResponses.entry(forKey: key) else { return .miss(generation: generation) }

        let now = clock()
        guard now < entry.servedUntil else {
            // Expired or inside the refresh-ahead lead: the store path answers, refreshing as it must.
            encodedResponses.remove(forKey: key)
            return .miss(generation: generation)
        }
        reads.record(entry.reference, at: now)
        metrics.recordAnswer(.fresh, isStale: false)
        return .hit(entry, now: now)
    }

    /// Stores the encoded response of a fresh answer under `key`, unless the database changed since `generation`.
    ///
    /// - Parameter makeEntry: Builds the entry from the instant until which it may be answered.
    func storeEncoded(
        _ answer: CacheAnswer, key: String, generation: UInt64,
        makeEntry: (_ servedUntil: Date) -> EncodedResponseCache.Entry?
    ) {
        guard let encodedResponses, answer.source == .fresh else { return }
        let lead = maintenance.refreshAheadLead(answer.policy)
        let servedUntil = answer.entry.expiresAt.addingTimeInterval(-max(0, lead))
        guard answer.now < servedUntil, let entry = makeEntry(servedUntil) else { return }
        encodedResponses.insert(entry, forKey: key, generation: generation)
    }
}
