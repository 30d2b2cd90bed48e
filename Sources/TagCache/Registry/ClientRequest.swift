/// One HTTP request for `HTTPClient`, with the transfer limits and TLS settings that apply to it.
struct ClientRequest: Sendable {
    var method = "GET"
    var url: HTTPURL
    var headers = HTTPHeaders()
    /// Sent as the request body when not empty.
    var body: [UInt8] = []

    /// Seconds to establish the connection, TLS handshake included.
    var connectTimeout: Double = 10
    /// Seconds for the whole transfer, body included.
    var totalTimeout: Double = 30

    /// Verify the server's certificate chain and host name. Off only for registries configured so.
    var verifyTLS = true
    /// PEM file of certificate authorities to trust instead of the system store.
    var caFile: String?
    /// PEM client certificate presented for mutual TLS.
    var clientCertificateFile: String?
    /// PEM private key of `clientCertificateFile`.
    var clientKeyFile: String?

    /// Largest response body accepted, in bytes after content decoding. A larger body ends the transfer with
    /// `TransportError.Kind.tooLarge`.
    var maxBodyBytes = 32 * 1024 * 1024

    /// Addresses to connect to for `url.host`, from `AccessPolicy`. When not empty, the client never resolves
    /// the host itself. Ignored when the host is an address literal, because curl then connects to it directly.
    var pinnedAddresses: [IPAddress] = []

    /// Requests with the same key may share curl handles and so reuse open connections; nil opens a connection
    /// for this request alone. curl reuses a connection only for the same scheme, host, port and TLS settings,
    /// and the connection was made to an address that `pinnedAddresses` of an earlier request permitted.
    var connectionKey: String?

    init(url: HTTPURL) {
        self.url = url
    }
}

/// A complete HTTP response.
struct ClientResponse: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]
    /// Connections curl opened for this request: 0 when it reused an open one.
    var newConnections = 1
}
