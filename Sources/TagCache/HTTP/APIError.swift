/// An error response of the `/v1` API: `{"error": {"code": "...", "message": "..."}}`.
struct APIError: Error, Sendable {
    let status: Int
    let code: String
    var message: String
    var headers: [(name: String, value: String)] = []

    var response: HTTPResponse {
        let body = "{\"error\":{\"code\":\(JSONText.string(code)),\"message\":\(JSONText.string(message))}}\n"
        return HTTPResponse(
            status: status, headers: [("Content-Type", "application/json")] + headers, body: Array(body.utf8))
    }

    /// Returns the status for clients of the registry-compatible routes (`/v2/`, Proxmox VE), where `401` would tell
    /// the client that its own credentials failed. There, rejected registry credentials of tagcache's own are
    /// a gateway error, 502.
    static func gatewayStatus(_ error: CacheError) -> Int {
        let status = from(error).status
        return status == 401 ? 502 : status
    }

    static func from(_ error: CacheError) -> APIError {
        switch error {
        case .store(let error):
            return APIError(status: 500, code: "INTERNAL_ERROR", message: "cache database error: \(error.description)")
        case .recentFailure(let fetchError, let retryAfter):
            var answer = from(.fetch(fetchError))
            answer.message = error.description
            if fetchError.isNegative {
                answer.headers = [
                    ("Cache-Control", "max-age=\(retryAfter)"),
                    ("Cache-Status", "tagcache; hit; ttl=\(retryAfter); detail=negative"),
                ]
            } else {
                answer.headers = [
                    ("Retry-After", String(retryAfter)),
                    ("Cache-Status", "tagcache; hit; detail=backoff"),
                ]
            }
            return answer
        case .notCached:
            return APIError(status: 504, code: "NOT_CACHED", message: error.description)
        case .fetch(let error):
            switch error.kind {
            case .nameUnknown:
                return APIError(status: 404, code: "NAME_UNKNOWN", message: error.message)
            case .nameUnknownOrDenied:
                return APIError(status: 404, code: "NOT_FOUND_OR_DENIED", message: error.message)
            case .unauthorized:
                return APIError(status: 401, code: "UNAUTHORIZED", message: error.message)
            case .registryNotAllowed:
                return APIError(status: 403, code: "REGISTRY_NOT_ALLOWED", message: error.message)
            case .timeout:
                return APIError(status: 504, code: "UPSTREAM_TIMEOUT", message: error.message)
            case .denied, .unreachable, .invalidResponse, .limitExceeded:
                return APIError(status: 502, code: "UPSTREAM_ERROR", message: error.message)
            }
        }
    }
}
