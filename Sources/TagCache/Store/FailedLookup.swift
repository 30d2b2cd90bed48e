import Foundation

/// The last failed fetch of a reference that has no stored tag list: a negative entry when `kind` is
/// `FetchError.Kind.nameUnknown.rawValue`, otherwise a failing first fetch waiting out its backoff.
public struct FailedLookup: Sendable, Equatable {
    public var reference: ImageReference
    /// Raw value of the `FetchError.Kind` of the failure.
    public var kind: String
    public var message: String
    public var failedAt: Date
    /// Consecutive failures, 1 after the first.
    public var failureCount: Int
    /// Until this time the failure is returned without a registry request.
    public var retryAt: Date

    /// Whether this is a negative entry: the registry reported the repository missing or denied.
    public var isNegative: Bool {
        kind == FetchError.Kind.nameUnknown.rawValue || kind == FetchError.Kind.nameUnknownOrDenied.rawValue
    }

    public init(
        reference: ImageReference, kind: String, message: String, failedAt: Date, failureCount: Int, retryAt: Date
    ) {
        self.reference = reference
        self.kind = kind
        self.message = message
        self.failedAt = failedAt
        self.failureCount = failureCount
        self.retryAt = retryAt
    }
}
