import Foundation

/// The rules for repeating a failed registry request: which failures, how often, and how long to wait.
///
/// Connection failures (refused, reset, truncated body), `408` and `5xx` are retried with exponential backoff and
/// jitter. `429` waits for its `Retry-After` (seconds or an HTTP date), capped at `maxRetryAfter`. Every other
/// status is final. Timeouts are not retried, because each one already took a whole request timeout.
public struct RetryPolicy: Sendable, Equatable {
    /// Requests sent at most, the first included.
    public var maxAttempts: Int = 4
    /// Seconds before the first retry; each further retry doubles it.
    public var initialBackoff: Double = 0.5
    /// Largest backoff in seconds, before jitter.
    public var maxBackoff: Double = 8
    /// Seconds from the first attempt after which no retry starts.
    public var maxTotalTime: Double = 60
    /// Largest `Retry-After` honoured, in seconds.
    public var maxRetryAfter: Double = 30

    public init() {}

    /// A policy that sends each request once.
    public static let never: RetryPolicy = {
        var policy = RetryPolicy()
        policy.maxAttempts = 1
        return policy
    }()

    /// Returns the seconds to wait before attempt `attempt + 1` after `response`, or nil when it is final.
    func delay(after response: ClientResponse, attempt: Int, now: Date = Date()) -> Double? {
        switch response.status {
        case 429:
            if let value = response.headers["Retry-After"], let seconds = Self.retryAfterSeconds(value, now: now) {
                return min(seconds, maxRetryAfter)
            }
            return backoff(attempt: attempt)
        case 408, 500...599:
            return backoff(attempt: attempt)
        default:
            return nil
        }
    }

    /// Returns the seconds to wait after a transport failure, or nil when it is final.
    func delay(after error: TransportError, attempt: Int) -> Double? {
        error.kind == .connectionFailed ? backoff(attempt: attempt) : nil
    }

    /// Exponential backoff with jitter: a random value between half and all of
    /// `initialBackoff × 2^(attempt-1)`, at most `maxBackoff`.
    func backoff(attempt: Int) -> Double {
        let exponent = Double(max(0, min(attempt - 1, 30)))
        let base = min(maxBackoff, initialBackoff * pow(2, exponent))
        return Double.random(in: (base / 2)...base)
    }

    /// Parses `Retry-After` as delay seconds or an HTTP date (RFC 9110 section 10.2.3). A date in the past is 0.
    static func retryAfterSeconds(_ value: String, now: Date) -> Double? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int(text), seconds >= 0 {
            return Double(seconds)
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        // IMF-fixdate first; RFC 850 and asctime are the obsolete forms recipients must still accept.
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) {
                return max(0, date.timeIntervalSince(now))
            }
        }
        return nil
    }
}
