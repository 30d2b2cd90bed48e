import Foundation

/// The access rule of the routes that change the cache, `POST /v1/refresh` and `DELETE /v1/tags`.
///
/// Once an `admin_token` is configured, only clients that send it as a bearer token may call them. Without one,
/// any client may while the service listens on loopback only, and no client may otherwise.
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
        guard let presented = Self.bearerToken(request.header("Authorization")) else {
            return APIError(
                status: 401, code: "UNAUTHORIZED",
                message: "\(request.method) \(request.path) needs the admin token; send Authorization: Bearer TOKEN "
                    + "with the admin_token of the configuration file",
                headers: [("WWW-Authenticate", "Bearer realm=\"tagcache\"")])
        }
        guard Self.constantTimeEqual(Array(presented.utf8), Array(token.utf8)) else {
            return APIError(
                status: 401, code: "UNAUTHORIZED",
                message: "\(request.method) \(request.path) was sent a bearer token that is not the admin token; "
                    + "send the admin_token of the configuration file",
                headers: [("WWW-Authenticate", "Bearer realm=\"tagcache\", error=\"invalid_token\"")])
        }
        return nil
    }

    /// Returns the credentials of an `Authorization` header with the `Bearer` scheme, whose name is
    /// case-insensitive (RFC 9110, section 11.1), or nil for a missing header or another scheme.
    static func bearerToken(_ authorization: String?) -> String? {
        guard let authorization else { return nil }
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
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
