import Foundation
import Synchronization

/// Reads of stored entries collected in memory, so that a hit costs no database write; `drain` hands them to a
/// batch write.
final class ReadLog: Sendable {
    private let pending = Mutex<[String: EntryReads]>([:])

    /// Counts one read of `reference` at `time`.
    func record(_ reference: ImageReference, at time: Date) {
        pending.withLock { pending in
            if var reads = pending[reference.name] {
                reads.count += 1
                reads.lastReadAt = max(reads.lastReadAt, time)
                pending[reference.name] = reads
            } else {
                pending[reference.name] = EntryReads(reference: reference, lastReadAt: time, count: 1)
            }
        }
    }

    /// Removes and returns the reads collected so far, ordered by reference.
    func drain() -> [EntryReads] {
        let reads = pending.withLock { pending in
            defer { pending.removeAll() }
            return Array(pending.values)
        }
        return reads.sorted { $0.reference.name < $1.reference.name }
    }

    /// Puts reads back after a failed write, merging them with reads collected since.
    func restore(_ reads: [EntryReads]) {
        pending.withLock { pending in
            for read in reads {
                if var current = pending[read.reference.name] {
                    current.count += read.count
                    current.lastReadAt = max(current.lastReadAt, read.lastReadAt)
                    pending[read.reference.name] = current
                } else {
                    pending[read.reference.name] = read
                }
            }
        }
    }
}
