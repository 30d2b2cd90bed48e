import Foundation

@testable import TagCache

/// Sends one request to a server the test started on loopback and returns the status, the body as UTF-8 text and
/// the response headers.
///
/// Each call opens its own connection through the product's libcurl `HTTPClient`, so concurrent calls never queue
/// behind each other the way URLSession's per-host connection limit makes them, and IPv6 literals such as
/// `http://[::1]:8080/` work.
///
/// - Throws: `TestSupportError` for a URL that is invalid or not on loopback, `TransportError` when no complete
///   response arrives within `timeout` seconds.
func httpGet(
    _ url: String, method: String = "GET", headers: [String: String] = [:], timeout: Double = 30
) async throws -> (status: Int, body: String, headers: HTTPHeaders) {
    guard let parsed = HTTPURL(string: url) else {
        throw TestSupportError("invalid test URL \(url): pass an absolute http URL such as http://127.0.0.1:8080/")
    }
    let isLoopback = parsed.host == "localhost"
        || IPAddress(parsed.host).map { AccessPolicy.classify($0) == .loopback } == true
    guard isLoopback else {
        throw TestSupportError("test URL \(url) is not on loopback: tests may only reach 127.0.0.0/8, ::1 or localhost")
    }

    var request = ClientRequest(url: parsed)
    request.method = method
    request.connectTimeout = 5
    request.totalTimeout = timeout
    for name in headers.keys.sorted() {
        request.headers.add(name: name, value: headers[name]!)
    }

    let response = try await HTTPClient().send(request)
    return (response.status, String(decoding: response.body, as: UTF8.self), response.headers)
}
