/// The context of one fetch: the repository, its registry's settings, the API base URL and the registry's
/// addresses as the access policy checked them.
struct FetchTarget: Sendable {
    var reference: ImageReference
    var settings: RegistrySettings
    /// `https://HOST[:PORT]/`, or `http://` for plain HTTP.
    var baseURL: HTTPURL
    /// The registry host's addresses, all permitted by the access policy.
    var addresses: [IPAddress]

    /// Resolves the registry of `reference` and checks its addresses against the access policy. The DNS lookup
    /// runs on a `BlockingWork` thread.
    static func make(for reference: ImageReference, settings: RegistrySettings) async throws(FetchError) -> FetchTarget {
        let baseURL = try RegistryEndpoint.baseURL(registry: reference.registry, plainHTTP: settings.plainHTTP)
        let addresses = try await checkedAddresses(of: baseURL, registry: reference.registry, allow: settings.allow)
        return FetchTarget(reference: reference, settings: settings, baseURL: baseURL, addresses: addresses)
    }

    /// Resolves the host of `url` and checks its addresses, on a `BlockingWork` thread.
    static func checkedAddresses(of url: HTTPURL, registry: String, allow: Bool) async throws(FetchError) -> [IPAddress] {
        try await BlockingWork.run { () throws(FetchError) -> [IPAddress] in
            try AccessPolicy.checkedAddresses(
                host: url.host, port: url.effectivePort, registry: registry, allow: allow)
        }
    }

    var registry: String { reference.registry }
    var repository: String { reference.path }

    /// Builds a request for `url` with this registry's timeouts, connecting only to `addresses`.
    func request(
        _ url: HTTPURL, addresses: [IPAddress], authorization: String?, maxBodyBytes: Int
    ) -> ClientRequest {
        var request = ClientRequest(url: url)
        request.connectTimeout = settings.connectTimeout
        request.totalTimeout = settings.requestTimeout
        request.maxBodyBytes = maxBodyBytes
        request.pinnedAddresses = addresses
        request.connectionKey = registry
        request.verifyTLS = settings.tlsVerify
        request.caFile = settings.caFile
        request.clientCertificateFile = settings.clientCertificateFile
        request.clientKeyFile = settings.clientKeyFile
        request.headers.add(name: "Accept", value: "application/json")
        if let authorization {
            request.headers.add(name: "Authorization", value: authorization)
        }
        return request
    }
}
