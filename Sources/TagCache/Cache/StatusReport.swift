import Foundation

/// The contents of the cache at one instant: every stored entry, every recorded failed lookup and the totals of
/// every registry, as JSON for `GET /v1/repositories` and `tagcache status --json`, or as tables for a terminal.
public struct StatusReport: Sendable {
    public let entries: [StoredEntry]
    public let failedLookups: [FailedLookup]
    public let registries: [RegistryActivity]
    public let now: Date

    /// Reads the report from `store`.
    public init(store: any TagStore, now: Date) throws(StoreError) {
        entries = try store.allEntries()
        failedLookups = try store.allFailedLookups()
        registries = try store.allRegistryActivity()
        self.now = now
    }

    /// The JSON document, one line per entry so that it stays readable in a terminal. Times are RFC 3339 or null.
    public var json: String {
        let repositories = entries.map { entry in
            "{\"reference\":\(JSONText.string(entry.reference.name))"
                + ",\"tag_count\":\(entry.tagCount)"
                + ",\"fetched_at\":\(Self.time(entry.fetchedAt))"
                + ",\"expires_at\":\(Self.time(entry.expiresAt))"
                + ",\"changed_at\":\(Self.time(entry.changedAt))"
                + ",\"stale\":\(entry.expiresAt <= now)"
                + ",\"last_read_at\":\(Self.time(entry.lastReadAt))"
                + ",\"reads\":\(entry.readCount)"
                + ",\"last_error\":\(entry.lastError.map(JSONText.string) ?? "null")"
                + ",\"last_error_at\":\(Self.time(entry.lastErrorAt))"
                + ",\"next_attempt_at\":\(Self.time(entry.nextAttemptAt))"
                + ",\"failures\":\(entry.failureCount)}"
        }
        let failures = failedLookups.map { failure in
            "{\"reference\":\(JSONText.string(failure.reference.name))"
                + ",\"negative\":\(failure.isNegative)"
                + ",\"kind\":\(JSONText.string(failure.kind))"
                + ",\"message\":\(JSONText.string(failure.message))"
                + ",\"failed_at\":\(Self.time(failure.failedAt))"
                + ",\"retry_at\":\(Self.time(failure.retryAt))"
                + ",\"failures\":\(failure.failureCount)}"
        }
        let registries = registries.map { totals in
            let responses = totals.responses.sorted { $0.key < $1.key }
                .map { "\(JSONText.string(RegistryActivity.statusLabel($0.key))):\($0.value)" }
            return "{\"registry\":\(JSONText.string(totals.registry))"
                + ",\"requests\":\(totals.requests)"
                + ",\"responses\":{\(responses.joined(separator: ","))}"
                + ",\"retries\":\(totals.retries)"
                + ",\"rate_limited\":\(totals.rateLimited)"
                + ",\"fetches\":\(totals.fetches)"
                + ",\"errors\":\(totals.errors)"
                + ",\"last_request_at\":\(Self.time(totals.lastRequestAt))"
                + ",\"last_error\":\(totals.lastError.map(JSONText.string) ?? "null")"
                + ",\"last_error_at\":\(Self.time(totals.lastErrorAt))"
                + ",\"ratelimit_limit\":\(totals.rateLimit?.limit.map(JSONText.string) ?? "null")"
                + ",\"ratelimit_remaining\":\(totals.rateLimit?.remaining.map(JSONText.string) ?? "null")"
                + ",\"ratelimit_at\":\(Self.time(totals.rateLimit?.observedAt))}"
        }
        // One element a line keeps long arrays readable; an empty array stays `[]`.
        func array(_ elements: [String]) -> String {
            elements.isEmpty ? "[]" : "[\n" + elements.joined(separator: ",\n") + "\n]"
        }
        return "{\"repositories\":\(array(repositories)),\"failed_lookups\":\(array(failures))"
            + ",\"registries\":\(array(registries))}\n"
    }

    /// A table with one row per entry and per failed lookup, then, when any registry was asked, a table with one
    /// row per registry. Times are relative to `now` in seconds: `-30s` is 30 seconds ago, `+90s` in 90 seconds.
    public var table: String {
        var rows = [["REFERENCE", "TAGS", "FETCHED", "EXPIRES", "CHANGED", "READS", "LAST READ", "FAILURES",
                     "NEXT ATTEMPT", "LAST ERROR"]]
        for entry in entries {
            rows.append([
                entry.reference.name, String(entry.tagCount), relative(entry.fetchedAt), relative(entry.expiresAt),
                relative(entry.changedAt), String(entry.readCount), relative(entry.lastReadAt),
                String(entry.failureCount), relative(entry.nextAttemptAt), entry.lastError ?? "-",
            ])
        }
        for failure in failedLookups {
            let state = failure.isNegative ? "unknown" : "failing"
            rows.append([
                failure.reference.name, state, relative(failure.failedAt), "-", "-", "-", "-",
                String(failure.failureCount), relative(failure.retryAt), failure.message,
            ])
        }
        guard !registries.isEmpty else { return Self.aligned(rows) }
        var registryRows = [["REGISTRY", "REQUESTS", "RESPONSES", "RETRIES", "429", "FETCHES", "ERRORS",
                             "LAST REQUEST", "RATE LIMIT", "LAST ERROR"]]
        for totals in registries {
            let responses = totals.responses.sorted { $0.key < $1.key }
                .map { "\(RegistryActivity.statusLabel($0.key))=\($0.value)" }
            var rateLimit = "-"
            if let headers = totals.rateLimit {
                rateLimit = "\(headers.remaining ?? "?")/\(headers.limit ?? "?") \(relative(headers.observedAt))"
            }
            registryRows.append([
                totals.registry, String(totals.requests), responses.isEmpty ? "-" : responses.joined(separator: ","),
                String(totals.retries), String(totals.rateLimited), String(totals.fetches), String(totals.errors),
                relative(totals.lastRequestAt), rateLimit, totals.lastError ?? "-",
            ])
        }
        return Self.aligned(rows) + "\n" + Self.aligned(registryRows)
    }

    private func relative(_ date: Date?) -> String {
        guard let date else { return "-" }
        let seconds = Int(date.timeIntervalSince(now).rounded(.down))
        return seconds > 0 ? "+\(seconds)s" : "\(seconds)s"
    }

    private static func time(_ date: Date?) -> String {
        date.map { "\"\(RFC3339.format($0))\"" } ?? "null"
    }

    /// Pads every column but the last to its widest cell, two spaces apart.
    private static func aligned(_ rows: [[String]]) -> String {
        let columns = rows[0].count
        var widths = Array(repeating: 0, count: columns)
        for row in rows {
            for (index, cell) in row.enumerated() {
                widths[index] = max(widths[index], cell.count)
            }
        }
        var text = ""
        for row in rows {
            var line = ""
            for (index, cell) in row.enumerated() {
                line += index == columns - 1 ? cell : cell.padding(toLength: widths[index] + 2, withPad: " ", startingAt: 0)
            }
            text += line + "\n"
        }
        return text
    }
}
