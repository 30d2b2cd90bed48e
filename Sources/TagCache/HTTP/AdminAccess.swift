/// The access rule of the routes that change the cache (`POST /v1/refresh`, `DELETE /v1/tags`): once an
/// `admin_token` is configured, only clients that send it as a bearer token; without one, anyone while the service
/// listens on loopback only, and no client otherwise.
///
/// A configured token applies on loopback too, because a reverse proxy on the same machine makes every client
/// look local.
public struct AdminAccess: Sendable {
    /// The bearer token from the configuration, nil when none is set.
    let token: String?
    /// Whether a token is required: one is configured, or the service listens on a non-loopback address.
    let requiresToken: Bool

    public init(token: String?, requiresToken: Bool) {
        self.token = token
        self.requiresToken = requiresToken
    }

    /// Returns whether `host`, the listening address without port, accepts connections from other machines.
    /// `localhost` and loopback addresses do not; unspecified addresses such as `0.0.0.0` and all others do.
    public static func isLoopback(host: String) -> Bool {
        if host == "localhost" { return true }
        guard let address = IPAddress(host) else { return false }
        return AccessPolicy.classify(address) == .loopback
    }

    /// Returns nil when `request` may change the cache, or the error response to send.
    func rejection(of request: HTTPRequest) -> APIError? {
        guard requiresToken else { return nil }
        guard let token, !token.isEmpty else {
            return APIError(
                status: 403, code: "ADMIN_DISABLED",
                message: "\(request.method) \(request.path) needs admin_token in the configuration file when the "
                    + "service listens on a non-loopback address; set it and send it as a bearer token")
        }
        let prefix = "Bearer "
        guard let authorization = request.header("Authorization"), authorization.hasPrefix(prefix),
            Self.constantTimeEqual(Array(authorization.utf8.dropFirst(prefix.utf8.count)), Array(token.utf8))
        else {
            return APIError(
                status: 401, code: "UNAUTHORIZED",
                message: "\(request.method) \(request.path) needs the admin token; send Authorization: Bearer TOKEN "
                    + "with the admin_token of the configuration file",
                headers: [("WWW-Authenticate", "Bearer realm=\"tagcache\"")])
        }
        return nil
    }

    /// Compares without returning early at the first difference, so response time does not reveal how much of a
    /// guessed token was right. The length still shows.
    private static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices {
            difference |= lhs[index] ^ rhs[index]
        }
        return difference == 0
    }
}
