import Foundation

/// How to sort, filter and cut a stored tag list: the `sort`, `order`, `include`, `exclude`,
/// `hide_signatures` and `limit` parameters of `/v1/tags`, and the matching `list-tags` options.
///
/// Applying a query reads only the stored list and its history, never the registry.
public struct TagQuery: Sendable {
    public enum Sort: String, Sendable, CaseIterable {
        case lexical
        case semver
        case numeric
        case firstSeen = "first-seen"
    }

    public enum Order: String, Sendable, CaseIterable {
        case asc
        case desc
    }

    public var sort: Sort = .lexical
    public var order: Order = .asc
    /// Keeps only tags that this expression matches as a whole.
    private(set) var include: TagPattern?
    /// Drops tags that this expression matches as a whole.
    private(set) var exclude: TagPattern?
    /// Drops signature and attestation tags: `sha256-<64 hex digits>.sig`, `.att` and `.sbom`.
    public var hideSignatures = false
    /// Keeps at most this many tags, counted after filtering and sorting.
    public var limit: Int?

    public init() {}

    /// Whether applying the query needs the first-seen time of each tag.
    public var needsHistory: Bool { sort == .firstSeen }

    public mutating func setSort(_ text: String, parameter: String = "sort") throws(QueryError) {
        guard let sort = Sort(rawValue: text) else {
            throw QueryError(
                parameter: parameter,
                message: "invalid \(parameter) \(JSONText.string(text)); use one of "
                    + Sort.allCases.map(\.rawValue).joined(separator: ", "))
        }
        self.sort = sort
    }

    public mutating func setOrder(_ text: String, parameter: String = "order") throws(QueryError) {
        guard let order = Order(rawValue: text) else {
            throw QueryError(
                parameter: parameter, message: "invalid \(parameter) \(JSONText.string(text)); use asc or desc")
        }
        self.order = order
    }

    /// Compiles `pattern` (RE2 syntax) as the include expression.
    /// - Throws: `QueryError` naming `parameter` when the pattern is too long or invalid.
    public mutating func setInclude(_ pattern: String, parameter: String = "include") throws(QueryError) {
        include = try TagPattern(pattern, parameter: parameter)
    }

    /// Compiles `pattern` (RE2 syntax) as the exclude expression.
    /// - Throws: `QueryError` naming `parameter` when the pattern is too long or invalid.
    public mutating func setExclude(_ pattern: String, parameter: String = "exclude") throws(QueryError) {
        exclude = try TagPattern(pattern, parameter: parameter)
    }

    public mutating func setLimit(_ text: String, parameter: String = "limit") throws(QueryError) {
        guard let limit = Int(text), limit >= 0 else {
            throw QueryError(
                parameter: parameter,
                message: "invalid \(parameter) \(JSONText.string(text)); give a whole number of tags, 0 or more")
        }
        self.limit = limit
    }

    /// Filters, sorts and cuts `tags`.
    /// - Parameter firstSeen: The first-seen time of each current tag; read only for `sort=first-seen`.
    public func apply(to tags: [String], firstSeen: [String: Date] = [:]) -> [String] {
        // Copying 50,000 tags through the filter took about a millisecond, so a query without filters skips it.
        let hasFilter = hideSignatures || include != nil || exclude != nil
        let filtered = !hasFilter ? tags : tags.filter { tag in
            if hideSignatures && Self.isSignatureTag(tag) { return false }
            if let include, !include.matches(tag) { return false }
            if let exclude, exclude.matches(tag) { return false }
            return true
        }

        let descending = order == .desc
        var sorted: [String]
        switch sort {
        case .lexical:
            sorted = TagOrdering.lexical(filtered, descending: descending)
        case .semver:
            sorted = TagOrdering.semver(filtered, descending: descending)
        case .numeric:
            sorted = TagOrdering.numeric(filtered, descending: descending)
        case .firstSeen:
            sorted = TagOrdering.firstSeen(filtered, firstSeen: firstSeen, descending: descending)
        }

        if let limit, sorted.count > limit {
            sorted.removeLast(sorted.count - limit)
        }
        return sorted
    }

    /// Returns whether `tag` is a cosign-style signature, attestation or SBOM tag: `sha256-<64 lowercase hex
    /// digits>` followed by `.sig`, `.att` or `.sbom`.
    static func isSignatureTag(_ tag: String) -> Bool {
        let utf8 = Array(tag.utf8)
        let prefix = Array("sha256-".utf8)
        guard utf8.count > prefix.count + 64, utf8.starts(with: prefix) else { return false }

        let hex = utf8[prefix.count..<(prefix.count + 64)]
        let isHex = hex.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
        let suffix = String(decoding: utf8[(prefix.count + 64)...], as: UTF8.self)
        return isHex && [".sig", ".att", ".sbom"].contains(suffix)
    }
}
