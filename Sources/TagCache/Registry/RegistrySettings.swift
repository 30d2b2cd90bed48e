/// Connection settings of one registry: its entry in the configuration's `registries`, or the defaults.
public struct RegistrySettings: Sendable, Equatable {
    /// Speak plain HTTP instead of HTTPS.
    public var plainHTTP: Bool = false

    /// Permit a loopback or private address, which the access policy rejects otherwise. Link-local,
    /// unspecified and metadata addresses stay rejected.
    public var allow: Bool = false

    /// Verify the registry's TLS certificate and host name.
    public var tlsVerify: Bool = true

    /// PEM file of certificate authorities trusted for this registry instead of the system store.
    public var caFile: String?

    /// PEM client certificate and its private key, presented for mutual TLS.
    public var clientCertificateFile: String?
    public var clientKeyFile: String?

    /// The fetcher that lists this registry's tags.
    public var fetcher: FetcherKind = .oci

    /// The rules for repeating failed requests.
    public var retry = RetryPolicy()

    /// Seconds to establish a connection.
    public var connectTimeout: Double = 10

    /// Seconds for one whole HTTP request, body included.
    public var requestTimeout: Double = 30

    /// Value of `n` on `tags/list` requests.
    public var pageSize: Int = 1000

    /// Maximum number of `tags/list` pages read for one repository.
    public var maxPages: Int = 10_000

    /// Maximum size in bytes of one response body.
    public var maxPageBytes: Int = 32 * 1024 * 1024

    /// Maximum number of fetches from this registry that run at once.
    public var concurrency: Int = 4

    /// Requests per second sent to this registry, spaced evenly; 0 sends them without a limit.
    public var rate: Double = 10

    public init() {}
}

/// A way of listing tags: tagcache's own OCI Distribution client, or the `skopeo` command.
public enum FetcherKind: String, Sendable, Equatable, CaseIterable {
    case oci
    case skopeo
}
