/// Maps a registry as written in references to the URL where it serves the distribution API.
enum RegistryEndpoint {
    /// Docker Hub is written `docker.io` in references but serves the API on this host.
    static let dockerHubHost = "registry-1.docker.io"

    /// Returns `https://HOST[:PORT]/` (or `http://` when `plainHTTP`) for `registry`, such as `docker.io`,
    /// `127.0.0.1:5000` or `[::1]:5000`.
    static func baseURL(registry: String, plainHTTP: Bool) throws(FetchError) -> HTTPURL {
        let authority = registry == "docker.io" ? dockerHubHost : registry
        let scheme = plainHTTP ? "http" : "https"
        guard !authority.contains("/"), let url = HTTPURL(string: "\(scheme)://\(authority)/") else {
            throw FetchError(
                .unreachable,
                "registry \(registry) is not a valid HOST or HOST:PORT; correct the reference or the configuration")
        }
        return url
    }
}
