import Foundation

/// Reads of one stored entry since the last batch was written.
public struct EntryReads: Sendable, Equatable {
    public var reference: ImageReference
    /// Time of the latest read in the batch.
    public var lastReadAt: Date
    public var count: Int

    public init(reference: ImageReference, lastReadAt: Date, count: Int) {
        self.reference = reference
        self.lastReadAt = lastReadAt
        self.count = count
    }
}
