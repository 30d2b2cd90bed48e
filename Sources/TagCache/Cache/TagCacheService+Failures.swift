import Foundation
import Synchronization

/// Remembering failed fetches: negative entries for unknown repositories, and backoff for the rest.
extension TagCacheService {
    /// Throws the failure recorded for `reference`, which has no stored entry, until its retry time.
    func throwRecentFailure(of reference: ImageReference, now: Date) throws(CacheError) {
        let failure: FailedLookup?
        do {
            failure = try store.failedLookup(for: reference)
        } catch {
            throw .store(error)
        }
        guard let failure, failure.retryAt > now else { return }
        let kind = FetchError.Kind(rawValue: failure.kind) ?? .invalidResponse
        let retryAfter = Int(failure.retryAt.timeIntervalSince(now).rounded(.up))
        throw .recentFailure(FetchError(kind, failure.message), retryAfter: retryAfter)
    }

    /// Records a failed fetch so that reads within the backoff or negative TTL do not contact the registry.
    ///
    /// A repository the registry reports unknown loses its stored entry and becomes a negative entry for
    /// `negativeTTL`. Any other failure backs off exponentially, on the stored entry when there is one, and as
    /// a failed lookup otherwise. A rejection by the access policy contacted no registry and is not recorded, and
    /// neither are rejected credentials without a stored entry.
    func recordFailure(_ error: FetchError, for reference: ImageReference, stored: StoredEntry?) {
        let now = clock()
        let policy = policyForRegistry(reference.registry)
        // A rejection by the access policy is no registry's error: no request was sent.
        log.warning(
            error.kind == .registryNotAllowed ? "access.rejected" : "upstream.error",
            ["registry": reference.registry, "repository": reference.path, "kind": error.kind.rawValue,
             "error": error.message])

        defer { encodedResponses?.invalidate(reference) }
        do throws(StoreError) {
            switch error.kind {
            case .registryNotAllowed:
                return
            case .unauthorized where stored == nil:
                // Rejected credentials are not remembered, so a corrected credentials file takes effect on the
                // next request.
                return
            case .nameUnknown, .nameUnknownOrDenied:
                let failure = FailedLookup(
                    reference: reference, kind: error.kind.rawValue, message: error.message, failedAt: now,
                    failureCount: 1, retryAt: now.addingTimeInterval(Double(policy.negativeTTL)))
                try store.recordFailedLookup(failure, removingEntry: true)
                knownEntryCount.withLock { $0 = nil }
            default:
                let backoff = Backoff(policy: policy)
                if let stored {
                    let failures = stored.failureCount + 1
                    let delay = backoff.delay(afterFailures: failures, jitter: jitter())
                    try store.recordFailure(
                        for: reference, message: error.message, at: now, nextAttemptAt: now.addingTimeInterval(delay))
                } else {
                    let failures = (try store.failedLookup(for: reference)?.failureCount ?? 0) + 1
                    let delay = backoff.delay(afterFailures: failures, jitter: jitter())
                    let failure = FailedLookup(
                        reference: reference, kind: error.kind.rawValue, message: error.message, failedAt: now,
                        failureCount: failures, retryAt: now.addingTimeInterval(delay))
                    try store.recordFailedLookup(failure, removingEntry: false)
                }
            }
        } catch {
            log.error("store.write_failed", ["reference": reference.name, "error": error.description])
        }
    }
}
