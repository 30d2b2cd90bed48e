/// An error response in the OCI distribution specification's shape:
/// `{"errors": [{"code": "...", "message": "...", "detail": ...}]}`.
struct OCIError: Error, Sendable {
    var status: Int
    let code: String
    var message: String
    /// A JSON string placed in `detail`, or nil for `null`.
    var detail: String?
    var headers: [(name: String, value: String)] = []

    var response: HTTPResponse {
        let detailText = detail.map(JSONText.string) ?? "null"
        let body = "{\"errors\":[{\"code\":\(JSONText.string(code)),\"message\":\(JSONText.string(message)),"
            + "\"detail\":\(detailText)}]}\n"
        return HTTPResponse(
            status: status,
            headers: [("Content-Type", "application/json"), OCIRoutes.versionHeader] + headers,
            body: Array(body.utf8))
    }

    /// Maps a failed lookup of repository `name` to the specification's codes.
    static func from(_ error: CacheError, name: String) -> OCIError {
        let status = APIError.gatewayStatus(error)
        switch error {
        case .store:
            return OCIError(status: status, code: "UNKNOWN", message: error.description, detail: name)
        case .notCached:
            return OCIError(status: status, code: "UNAVAILABLE", message: error.description, detail: name)
        case .recentFailure(let fetchError, _):
            var mapped = from(.fetch(fetchError), name: name)
            mapped.message = error.description
            mapped.status = status
            return mapped
        case .fetch(let fetchError):
            switch fetchError.kind {
            case .nameUnknown, .nameUnknownOrDenied:
                return OCIError(status: status, code: "NAME_UNKNOWN", message: fetchError.message, detail: name)
            case .unauthorized:
                return OCIError(status: status, code: "UNAUTHORIZED", message: fetchError.message, detail: name)
            case .registryNotAllowed:
                return OCIError(status: status, code: "DENIED", message: fetchError.message, detail: name)
            case .timeout:
                return OCIError(status: status, code: "UNAVAILABLE", message: fetchError.message, detail: name)
            case .denied, .unreachable, .invalidResponse, .limitExceeded:
                return OCIError(status: status, code: "UNKNOWN", message: fetchError.message, detail: name)
            }
        }
    }
}
