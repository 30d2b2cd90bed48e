import Foundation

/// The status and body of one HTTP exchange made by curl.
struct CurlResponse {
    let status: Int
    let body: Data

    var bodyText: String {
        String(decoding: body, as: UTF8.self)
    }
}

/// Plain-HTTP requests from tests to servers on loopback, made by `/usr/bin/curl`.
///
/// curl is used instead of FoundationNetworking's URLSession because test helpers need synchronous calls, and a
/// process per request shares no connections or cookies with earlier requests.
enum Curl {
    struct Credentials {
        let user: String
        let password: String
    }

    /// Sends one request and returns the response, whatever its status.
    /// - Parameters:
    ///   - url: an `http://` URL whose host is 127.0.0.1, localhost or [::1].
    ///   - headers: extra request headers as `Name: value` lines.
    ///   - body: a request body, sent as is.
    ///   - timeout: seconds for the whole request.
    /// - Throws: `TestSupportError` when curl gets no HTTP response (connection refused, timeout).
    static func request(
        _ method: String = "GET",
        _ url: String,
        headers: [String] = [],
        body: Data? = nil,
        credentials: Credentials? = nil,
        timeout: TimeInterval = 5
    ) throws -> CurlResponse {
        precondition(Loopback.isLoopbackURL(url), "tests send requests only to loopback, not to \(url)")

        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("tagcache-curl-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let responseURL = scratch.appendingPathComponent("response")

        var arguments = [
            "--silent", "--show-error", "--globoff",
            "--max-time", String(timeout),
            "--request", method,
            "--output", responseURL.path,
            "--write-out", "%{http_code}",
        ]
        for header in headers {
            arguments += ["--header", header]
        }
        if let body {
            let bodyURL = scratch.appendingPathComponent("request")
            try body.write(to: bodyURL)
            arguments += ["--data-binary", "@\(bodyURL.path)"]
        }
        if let credentials {
            arguments += ["--user", "\(credentials.user):\(credentials.password)"]
        }
        arguments.append(url)

        let result = try Command.run("/usr/bin/curl", arguments, timeout: timeout + 5)
        guard result.status == 0, let status = Int(result.standardOutputText), status > 0 else {
            throw TestSupportError(
                "\(method) \(url) got no HTTP response (curl status \(result.status)): "
                    + "\(result.standardError.trimmingCharacters(in: .whitespacesAndNewlines)). "
                    + "Check that the server is running."
            )
        }
        let responseBody = (try? Data(contentsOf: responseURL)) ?? Data()
        return CurlResponse(status: status, body: responseBody)
    }
}
