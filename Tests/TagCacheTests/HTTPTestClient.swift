import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Sends a request to a server the test started on loopback and returns status, body and response.
func httpGet(
    _ url: String, method: String = "GET", headers: [String: String] = [:]
) async throws -> (Int, String, HTTPURLResponse) {
    var request = URLRequest(url: URL(string: url)!)
    request.httpMethod = method
    for (name, value) in headers {
        request.setValue(value, forHTTPHeaderField: name)
    }
    let (data, response) = try await URLSession.shared.data(for: request)
    let http = response as! HTTPURLResponse
    return (http.statusCode, String(decoding: data, as: UTF8.self), http)
}
