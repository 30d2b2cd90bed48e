import Foundation

/// A client of the operator routes of a running tagcache service, for the command line's `--server` option.
///
/// Requests go through the libcurl client that also fetches from registries. The client sends the admin token,
/// when given, as `Authorization: Bearer TOKEN`, and never logs it.
public struct ServiceClient: Sendable {
    private let baseURL: HTTPURL
    private let adminToken: String?
    private let http = HTTPClient()

    /// Seconds a refresh may take, because the service fetches every page of the tag list before it returns.
    static let refreshTimeout: Double = 120

    /// - Throws: `ServiceClientError` when `baseURL` is not an absolute `http` or `https` URL.
    public init(baseURL text: String, adminToken: String?) throws(ServiceClientError) {
        guard let url = HTTPURL(string: text) else {
            throw ServiceClientError(
                message: "invalid service URL \"\(text)\"; give an http or https URL such as http://127.0.0.1:8780")
        }
        self.baseURL = url
        self.adminToken = adminToken
    }

    /// Fetches the JSON document of `GET /v1/repositories`.
    public func repositoriesJSON() async throws(ServiceClientError) -> String {
        let response = try await send(method: "GET", path: "/v1/repositories", query: nil, timeout: 30)
        return String(decoding: response.body, as: UTF8.self)
    }

    /// Asks the service to fetch `reference` now (`POST /v1/refresh`) and returns the number of tags it stored.
    public func refresh(_ reference: ImageReference) async throws(ServiceClientError) -> Int {
        let query = "reference=" + Self.percentEncoded(reference.name)
        let response = try await send(method: "POST", path: "/v1/refresh", query: query, timeout: Self.refreshTimeout)
        guard let document = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
            let tags = document["tags"] as? [Any]
        else {
            throw ServiceClientError(
                message: "POST \(baseURL)/v1/refresh returned a body without a \"tags\" array; "
                    + "check that \(baseURL) is a tagcache service")
        }
        return tags.count
    }

    /// Sends one request and returns a 2xx response; any other status is thrown with the service's message.
    private func send(
        method: String, path: String, query: String?, timeout: Double
    ) async throws(ServiceClientError) -> ClientResponse {
        var url = baseURL
        url.path = (baseURL.path.hasSuffix("/") ? String(baseURL.path.dropLast()) : baseURL.path) + path
        url.query = query
        var request = ClientRequest(url: url)
        request.method = method
        request.totalTimeout = timeout
        if let adminToken {
            request.headers.add(name: "Authorization", value: "Bearer \(adminToken)")
        }

        let response: ClientResponse
        do {
            response = try await http.send(request)
        } catch {
            throw ServiceClientError(
                message: "\(error.message); check that tagcache serve runs at \(baseURL)")
        }
        guard (200..<300).contains(response.status) else {
            var message = "\(method) \(url) returned \(response.status): \(Self.errorMessage(in: response.body))"
            if response.status == 401 && response.headers["www-authenticate"]?.hasPrefix("Bearer") == true {
                message += adminToken == nil
                    ? "; pass the service's admin_token with --admin-token TOKEN"
                    : "; check the value given to --admin-token"
            }
            throw ServiceClientError(message: message)
        }
        return response
    }

    /// Extracts the `error.message` of an API error body, or returns the start of the body when it has none.
    private static func errorMessage(in body: [UInt8]) -> String {
        if let document = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let error = document["error"] as? [String: Any],
            let message = error["message"] as? String
        {
            return message
        }
        let text = String(decoding: body.prefix(200), as: UTF8.self)
        return text.isEmpty ? "empty body" : text
    }

    /// Percent-encodes everything but the unreserved characters of RFC 3986, for a query value.
    private static func percentEncoded(_ value: String) -> String {
        let unreserved = CharacterSet(
            charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        return value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? value
    }
}

/// A request to a tagcache service that failed or was rejected.
public struct ServiceClientError: Error, Sendable, CustomStringConvertible {
    public let message: String

    public var description: String { message }
}
