/// The strong entity tag of a tag list, and `If-None-Match` evaluation against it (RFC 9110, sections 8.8.3 and
/// 13.1.2).
///
/// The tag is the SHA-256 of the tags in byte order, each followed by a line feed, so two lists with the same tags
/// share it whenever they were fetched. The body's `fetched_at`, `expires_at` and `stale` may differ between
/// responses with one entity tag: the tag identifies the list, which is what clients compare.
public struct EntityTag: Sendable, Equatable {
    /// The opaque part without quotes: 64 lowercase hexadecimal digits.
    public let opaqueTag: String

    public init(tags: [String]) {
        var canonical = ""
        for tag in tags {
            canonical += tag
            canonical += "\n"
        }
        opaqueTag = SHA256.hexDigest(of: canonical)
    }

    /// Wraps an opaque tag computed earlier, such as one taken from a rendered `ETag` field.
    init(opaqueTag: String) {
        self.opaqueTag = opaqueTag
    }

    /// The header field value, with quotes.
    public var headerValue: String { "\"\(opaqueTag)\"" }

    /// Returns whether an `If-None-Match` field value matches this tag, with the weak comparison that RFC 9110 requires
    /// for `If-None-Match`: `W/` prefixes are ignored, and `*` matches any stored list.
    public func matches(ifNoneMatch field: String) -> Bool {
        for item in field.split(separator: ",") {
            var candidate = item.trimmingCharacters(in: " \t")
            if candidate == "*" { return true }
            if candidate.hasPrefix("W/") { candidate = String(candidate.dropFirst(2)) }
            if candidate == headerValue { return true }
        }
        return false
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in characters: String) -> String {
        let set = Set(characters)
        return String(drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}
