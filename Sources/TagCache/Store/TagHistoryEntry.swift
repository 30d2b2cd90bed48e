import Foundation

/// One tag that a repository has listed at some time, with the times tagcache first saw it and saw it gone.
public struct TagHistoryEntry: Sendable, Equatable {
    public var tag: String
    public var firstSeenAt: Date
    /// Time of the first fetch that no longer listed the tag, or nil while the registry lists it.
    public var removedAt: Date?

    public init(tag: String, firstSeenAt: Date, removedAt: Date?) {
        self.tag = tag
        self.firstSeenAt = firstSeenAt
        self.removedAt = removedAt
    }
}
