import Foundation
import Synchronization

/// Bearer tokens by registry and cache key (the scope, plus a credential fingerprint), kept until they expire.
final class TokenCache: Sendable {
    /// Lifetime assumed when the token service states none or a shorter one. The distribution token
    /// specification sets 60 seconds as both the default and the minimum.
    static let minimumLifetime: TimeInterval = 60

    private struct Key: Hashable {
        var registry: String
        var scope: String
    }

    private struct Entry {
        var token: String
        var expiresAt: Date
    }

    private let entries = Mutex<[Key: Entry]>([:])

    init() {}

    /// Returns the token stored for `registry` and `scope` unless it has expired at `now`.
    func token(registry: String, scope: String, now: Date) -> String? {
        entries.withLock { entries in
            guard let entry = entries[Key(registry: registry, scope: scope)], entry.expiresAt > now else {
                return nil
            }
            return entry.token
        }
    }

    /// Stores `token` and drops every entry that has expired at `now`.
    func store(_ token: String, registry: String, scope: String, expiresAt: Date, now: Date) {
        entries.withLock { entries in
            entries = entries.filter { $0.value.expiresAt > now }
            entries[Key(registry: registry, scope: scope)] = Entry(token: token, expiresAt: expiresAt)
        }
    }

    func remove(registry: String, scope: String) {
        _ = entries.withLock { entries in
            entries.removeValue(forKey: Key(registry: registry, scope: scope))
        }
    }

    /// Computes when a token expires from the token response's `expires_in` (seconds) and `issued_at`
    /// (RFC 3339). The lifetime is at least `minimumLifetime`. An `issued_at` that is missing, invalid or in
    /// the future counts as `now`, so a token service whose clock runs ahead cannot stretch the lifetime.
    static func expiry(expiresIn: Int?, issuedAt: String?, now: Date) -> Date {
        let lifetime = max(TimeInterval(expiresIn ?? 0), minimumLifetime)
        var issued = now
        if let issuedAt, let parsed = parseTimestamp(issuedAt), parsed < now {
            issued = parsed
        }
        return issued.addingTimeInterval(lifetime)
    }

    private static func parseTimestamp(_ text: String) -> Date? {
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) {
            return date
        }
        return try? Date.ISO8601FormatStyle().parse(text)
    }
}
