import Foundation

/// Per-registry counters, in the `registry_activity` and `registry_responses` tables.
extension SQLiteTagStore {
    public func recordRegistryActivity(_ activity: [RegistryActivity], at time: Date) throws(StoreError) {
        guard !activity.isEmpty else { return }
        try connection.withLock { connection throws(StoreError) in
            try connection.withTransaction(immediate: true) { () throws(StoreError) in
                for increment in activity {
                    try Self.add(increment, at: time, on: connection)
                }
            }
        }
    }

    @discardableResult
    public func removeRegistryActivity(updatedBefore time: Date) throws(StoreError) -> Int {
        try connection.withLock { connection throws(StoreError) -> Int in
            try connection.withTransaction(immediate: true) { () throws(StoreError) -> Int in
                try connection.run(
                    """
                    DELETE FROM registry_responses WHERE registry IN (
                        SELECT registry FROM registry_activity WHERE updated_at < ?)
                    """,
                    [.integer(time.unixMilliseconds)])
                try connection.run(
                    "DELETE FROM registry_activity WHERE updated_at < ?", [.integer(time.unixMilliseconds)])
                return connection.changes
            }
        }
    }

    private static func add(
        _ increment: RegistryActivity, at time: Date, on connection: SQLiteConnection
    ) throws(StoreError) {
        // Each "latest" column keeps the newer of the stored and the batch's value, so batches written out of
        // order by two processes cannot move them back.
        try connection.run(
            """
            INSERT INTO registry_activity (
                registry, requests, retries, rate_limited, fetches, errors, last_request_at, last_error,
                last_error_at, ratelimit_limit, ratelimit_remaining, ratelimit_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (registry) DO UPDATE SET
                requests = requests + excluded.requests,
                retries = retries + excluded.retries,
                rate_limited = rate_limited + excluded.rate_limited,
                fetches = fetches + excluded.fetches,
                errors = errors + excluded.errors,
                last_request_at =
                    coalesce(max(last_request_at, excluded.last_request_at), last_request_at, excluded.last_request_at),
                last_error = CASE WHEN excluded.last_error_at >= coalesce(last_error_at, 0)
                    THEN excluded.last_error ELSE last_error END,
                last_error_at =
                    coalesce(max(last_error_at, excluded.last_error_at), last_error_at, excluded.last_error_at),
                ratelimit_limit = CASE WHEN excluded.ratelimit_at >= coalesce(ratelimit_at, 0)
                    THEN excluded.ratelimit_limit ELSE ratelimit_limit END,
                ratelimit_remaining = CASE WHEN excluded.ratelimit_at >= coalesce(ratelimit_at, 0)
                    THEN excluded.ratelimit_remaining ELSE ratelimit_remaining END,
                ratelimit_at =
                    coalesce(max(ratelimit_at, excluded.ratelimit_at), ratelimit_at, excluded.ratelimit_at),
                updated_at = max(updated_at, excluded.updated_at)
            """,
            [
                .text(increment.registry), .integer(Int64(increment.requests)), .integer(Int64(increment.retries)),
                .integer(Int64(increment.rateLimited)), .integer(Int64(increment.fetches)),
                .integer(Int64(increment.errors)), .integerOrNull(increment.lastRequestAt?.unixMilliseconds),
                .textOrNull(increment.lastError), .integerOrNull(increment.lastErrorAt?.unixMilliseconds),
                .textOrNull(increment.rateLimit?.limit), .textOrNull(increment.rateLimit?.remaining),
                .integerOrNull(increment.rateLimit?.observedAt.unixMilliseconds), .integer(time.unixMilliseconds),
            ]
        )
        try connection.runForEach(
            """
            INSERT INTO registry_responses (registry, status, count) VALUES (?, ?, ?)
            ON CONFLICT (registry, status) DO UPDATE SET count = count + excluded.count
            """,
            increment.responses.sorted { $0.key < $1.key }
        ) { status, count in
            [.text(increment.registry), .integer(Int64(status)), .integer(Int64(count))]
        }
    }

    public func allRegistryActivity() throws(StoreError) -> [RegistryActivity] {
        try connection.withLock { connection throws(StoreError) -> [RegistryActivity] in
            try connection.withTransaction(immediate: false) { () throws(StoreError) -> [RegistryActivity] in
                var activity = try connection.query(
                    """
                    SELECT registry, requests, retries, rate_limited, fetches, errors, last_request_at, last_error,
                        last_error_at, ratelimit_limit, ratelimit_remaining, ratelimit_at
                    FROM registry_activity ORDER BY registry
                    """
                ) { row in
                    var totals = RegistryActivity(registry: row.string(0))
                    totals.requests = Int(row.int64(1))
                    totals.retries = Int(row.int64(2))
                    totals.rateLimited = Int(row.int64(3))
                    totals.fetches = Int(row.int64(4))
                    totals.errors = Int(row.int64(5))
                    totals.lastRequestAt = row.optionalInt64(6).map(Date.init(unixMilliseconds:))
                    totals.lastError = row.optionalString(7)
                    totals.lastErrorAt = row.optionalInt64(8).map(Date.init(unixMilliseconds:))
                    if let time = row.optionalInt64(11) {
                        totals.rateLimit = RegistryActivity.RateLimit(
                            limit: row.optionalString(9), remaining: row.optionalString(10),
                            observedAt: Date(unixMilliseconds: time))
                    }
                    return totals
                }
                let responses = try connection.query(
                    "SELECT registry, status, count FROM registry_responses ORDER BY registry, status"
                ) { row in (registry: row.string(0), status: Int(row.int64(1)), count: Int(row.int64(2))) }
                var index: [String: Int] = [:]
                for (position, totals) in activity.enumerated() {
                    index[totals.registry] = position
                }
                for response in responses {
                    guard let position = index[response.registry] else { continue }
                    activity[position].responses[response.status] = response.count
                }
                return activity
            }
        }
    }
}
