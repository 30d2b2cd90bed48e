import Foundation

/// The orders `TagQuery` sorts tags in. Every order breaks ties in byte order, so the result is deterministic.
enum TagOrdering {
    /// Sorts `tags` in byte order, the order of SQLite's BINARY collation and of `/v1/tags`.
    static func lexical(_ tags: [String], descending: Bool) -> [String] {
        let sorted = TagOrder.sorted(tags)
        return descending ? sorted.reversed() : sorted
    }

    /// Sorts versions (see `VersionTag`) first and then every other tag in byte order. `descending` reverses
    /// only the versions, so tags that are not versions stay last.
    static func semver(_ tags: [String], descending: Bool) -> [String] {
        var versions: [(tag: String, version: VersionTag)] = []
        var others: [String] = []
        for tag in tags {
            if let version = VersionTag(tag) {
                versions.append((tag, version))
            } else {
                others.append(tag)
            }
        }

        versions.sort { left, right in
            VersionTag.precedes(left.version, right.version) ?? precedesBytes(left.tag, right.tag)
        }
        let orderedVersions = versions.map(\.tag)
        return (descending ? orderedVersions.reversed() : orderedVersions) + others.sorted(by: precedesBytes)
    }

    /// Sorts in natural order: runs of ASCII digits compare by value, everything else in byte order, so `2` comes
    /// before `10` and `build-9` before `build-10`.
    static func numeric(_ tags: [String], descending: Bool) -> [String] {
        let sorted = tags.sorted { left, right in
            precedesNaturally(left, right) ?? precedesBytes(left, right)
        }
        return descending ? sorted.reversed() : sorted
    }

    /// Sorts by the time tagcache first saw each tag, oldest first. A tag missing from `firstSeen` counts as
    /// seen last.
    static func firstSeen(_ tags: [String], firstSeen: [String: Date], descending: Bool) -> [String] {
        let sorted = tags.sorted { left, right in
            let a = firstSeen[left] ?? .distantFuture
            let b = firstSeen[right] ?? .distantFuture
            return a == b ? precedesBytes(left, right) : a < b
        }
        return descending ? sorted.reversed() : sorted
    }

    static func precedesBytes(_ left: String, _ right: String) -> Bool {
        left.utf8.lexicographicallyPrecedes(right.utf8)
    }

    /// Compares two digit strings without leading zeros by value; nil when equal.
    static func compareDigits(_ left: Substring, _ right: Substring) -> Bool? {
        if left.count != right.count {
            return left.count < right.count
        }
        return left == right ? nil : left.utf8.lexicographicallyPrecedes(right.utf8)
    }

    private static func precedesNaturally(_ left: String, _ right: String) -> Bool? {
        var a = Substring(left)
        var b = Substring(right)
        while !a.isEmpty && !b.isEmpty {
            let aDigits = a.first!.isASCII && a.first!.isNumber
            let bDigits = b.first!.isASCII && b.first!.isNumber
            let aRun = a.prefix { ($0.isASCII && $0.isNumber) == aDigits }
            let bRun = b.prefix { ($0.isASCII && $0.isNumber) == bDigits }

            if aDigits && bDigits {
                let aValue = aRun.drop { $0 == "0" }
                let bValue = bRun.drop { $0 == "0" }
                if let order = compareDigits(aValue, bValue) {
                    return order
                }
            } else if aRun != bRun {
                return aRun.utf8.lexicographicallyPrecedes(bRun.utf8)
            }
            a = a.dropFirst(aRun.count)
            b = b.dropFirst(bRun.count)
        }
        return a.isEmpty && b.isEmpty ? nil : a.isEmpty
    }
}
