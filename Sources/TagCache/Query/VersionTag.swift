/// A tag read as a version: an optional `v`, one to four dot-separated numbers, and an optional suffix after
/// `-` or `+`, such as `1.10.0`, `v2.0.0-beta.1` or `17.2-alpine`.
///
/// A suffix that starts with a pre-release word (`alpha`, `beta`, `rc`, `pre`, `preview`, `dev`, `snapshot`, or
/// `m` and digits) followed by the end or a non-letter marks a pre-release. Any other suffix marks a variant.
struct VersionTag {
    enum Kind {
        /// Identifiers of the suffix, split at `.` as in Semantic Versioning 2.0.0.
        case preRelease([Substring])
        case release
        case variant(Substring)

        var rank: Int {
            switch self {
            case .preRelease: 0
            case .release: 1
            case .variant: 2
            }
        }
    }

    /// The numbers as digit strings without leading zeros, so that any length compares correctly.
    let numbers: [Substring]
    let kind: Kind

    static let preReleaseWords = ["alpha", "beta", "rc", "preview", "pre", "dev", "snapshot"]

    /// Reads `tag` as a version, or returns nil when it is not one.
    init?(_ tag: String) {
        var rest = Substring(tag)
        if rest.hasPrefix("v") {
            rest = rest.dropFirst()
        }

        var numbers: [Substring] = []
        while true {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, numbers.count < 4 else { return nil }
            let trimmed = digits.drop { $0 == "0" }
            numbers.append(trimmed.isEmpty ? "0" : trimmed)
            rest = rest.dropFirst(digits.count)
            guard rest.first == "." else { break }
            rest = rest.dropFirst()
        }
        self.numbers = numbers

        guard let separator = rest.first else {
            kind = .release
            return
        }
        let suffix = rest.dropFirst()
        guard separator == "-" || separator == "+", !suffix.isEmpty else { return nil }
        kind = Self.isPreRelease(suffix)
            ? .preRelease(suffix.split(separator: ".", omittingEmptySubsequences: false))
            : .variant(suffix)
    }

    private static func isPreRelease(_ suffix: Substring) -> Bool {
        let lowered = suffix.lowercased()
        for word in preReleaseWords where lowered.hasPrefix(word) {
            if endsWord(lowered.dropFirst(word.count)) {
                return true
            }
        }
        if lowered.hasPrefix("m") {
            let afterM = lowered.dropFirst()
            let digits = afterM.prefix { $0.isASCII && $0.isNumber }
            return !digits.isEmpty && endsWord(afterM.dropFirst(digits.count))
        }
        return false
    }

    /// Returns whether a word ends where `rest` starts: at the end of the text or before a non-letter.
    private static func endsWord(_ rest: Substring) -> Bool {
        guard let next = rest.first else { return true }
        return !next.isLetter
    }

    /// Orders versions by their numbers (missing parts count as 0, then fewer parts first), then pre-releases
    /// before the release before variants. Pre-releases compare by Semantic Versioning's identifier rules and
    /// variants in byte order. Returns nil when the two are equal by these rules.
    static func precedes(_ left: VersionTag, _ right: VersionTag) -> Bool? {
        let count = max(left.numbers.count, right.numbers.count)
        for index in 0..<count {
            let a = index < left.numbers.count ? left.numbers[index] : "0"
            let b = index < right.numbers.count ? right.numbers[index] : "0"
            if let order = TagOrdering.compareDigits(a, b) {
                return order
            }
        }
        if left.numbers.count != right.numbers.count {
            return left.numbers.count < right.numbers.count
        }
        if left.kind.rank != right.kind.rank {
            return left.kind.rank < right.kind.rank
        }

        switch (left.kind, right.kind) {
        case (.preRelease(let a), .preRelease(let b)):
            return precedesIdentifiers(a, b)
        case (.variant(let a), .variant(let b)):
            return a == b ? nil : a.utf8.lexicographicallyPrecedes(b.utf8)
        default:
            return nil
        }
    }

    /// Compares pre-release identifiers as Semantic Versioning 2.0.0 (section 11) does: numeric identifiers by
    /// value and before alphanumeric ones, others in ASCII order, and a shorter list first when it is a prefix.
    private static func precedesIdentifiers(_ left: [Substring], _ right: [Substring]) -> Bool? {
        for (a, b) in zip(left, right) where a != b {
            let aNumeric = !a.isEmpty && a.allSatisfy { $0.isASCII && $0.isNumber }
            let bNumeric = !b.isEmpty && b.allSatisfy { $0.isASCII && $0.isNumber }
            switch (aNumeric, bNumeric) {
            case (true, true):
                if let order = TagOrdering.compareDigits(a.drop { $0 == "0" }, b.drop { $0 == "0" }) {
                    return order
                }
            case (true, false):
                return true
            case (false, true):
                return false
            case (false, false):
                return a.utf8.lexicographicallyPrecedes(b.utf8)
            }
        }
        return left.count == right.count ? nil : left.count < right.count
    }
}
