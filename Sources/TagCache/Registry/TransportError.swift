/// A request that got no complete HTTP response. `message` names the URL and includes curl's error text.
struct TransportError: Error, Sendable, Equatable, CustomStringConvertible {
    enum Kind: Sendable, Equatable {
        /// The connect timeout or the total timeout expired.
        case timeout
        /// Resolution, connect, send or receive failed.
        case connectionFailed
        /// The TLS handshake or certificate verification failed.
        case tls
        /// The response body exceeded `ClientRequest.maxBodyBytes`.
        case tooLarge
        /// The calling task was cancelled.
        case cancelled
        /// Anything else curl reports, such as a URL it rejects.
        case other
    }

    var kind: Kind
    var message: String

    init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    var description: String { message }
}
