/// The byte order of tags: the order of their UTF-8 bytes, as SQLite's BINARY collation compares them.
enum TagOrder {
    /// Returns `tags` sorted in byte order.
    ///
    /// Swift's `<` compares ASCII strings by their bytes, and much faster than a generic comparison of UTF-8
    /// views, so it sorts a list of ASCII tags. A list with another tag is sorted by UTF-8 views, because `<`
    /// compares canonically equivalent strings as equal and so differs from byte order for them.
    static func sorted(_ tags: [String]) -> [String] {
        let ascii = isASCII(tags)
        // Stored lists come in byte order already, and checking takes one pass where sorting takes n log n.
        if isStrictlyIncreasing(tags, ascii: ascii) {
            return tags
        }
        if ascii {
            return tags.sorted()
        }
        return tags.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Returns `tags` sorted in byte order without duplicates. Tags are equal only when their bytes are, so two
    /// canonically equivalent spellings both stay.
    static func sortedUnique(_ tags: [String]) -> [String] {
        let ascii = isASCII(tags)
        // A registry often sends its list sorted, and the store sorts a fetched list again.
        if isStrictlyIncreasing(tags, ascii: ascii) {
            return tags
        }
        let ordered = ascii ? tags.sorted() : tags.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var unique: [String] = []
        unique.reserveCapacity(ordered.count)
        for tag in ordered {
            if let last = unique.last, ascii ? last == tag : last.utf8.elementsEqual(tag.utf8) {
                continue
            }
            unique.append(tag)
        }
        return unique
    }

    private static func isASCII<Tags: Collection<String>>(_ tags: Tags) -> Bool {
        tags.allSatisfy { tag in
            var tag = tag
            return tag.withUTF8 { bytes in bytes.allSatisfy { $0 < 0x80 } }
        }
    }

    /// Returns whether each tag precedes the next in byte order. `ascii` is true when every tag is ASCII.
    private static func isStrictlyIncreasing(_ tags: [String], ascii: Bool) -> Bool {
        for (previous, next) in zip(tags, tags.dropFirst()) {
            let precedes = ascii ? previous < next : previous.utf8.lexicographicallyPrecedes(next.utf8)
            if !precedes { return false }
        }
        return true
    }
}
