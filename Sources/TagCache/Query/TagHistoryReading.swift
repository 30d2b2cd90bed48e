import Foundation

/// A store that keeps the history of each repository's tags, which `sort=first-seen` and `detail=1` read.
public protocol TagHistoryReading: Sendable {
    /// Returns every tag `reference` has listed since tagcache started storing it, with first-seen and removal
    /// times.
    func tagHistory(for reference: ImageReference) throws(StoreError) -> [TagHistoryEntry]
}

extension SQLiteTagStore: TagHistoryReading {}

extension TagHistoryReading {
    /// Returns the first-seen time of each tag the registry currently lists.
    public func firstSeenTimes(for reference: ImageReference) throws(StoreError) -> [String: Date] {
        var times: [String: Date] = [:]
        for entry in try tagHistory(for: reference) where entry.removedAt == nil {
            times[entry.tag] = entry.firstSeenAt
        }
        return times
    }
}
