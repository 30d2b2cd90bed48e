import Foundation

extension DockerRegistry {
    /// Counts the requests for `path` in the registry's access log since its first start, restarts included.
    ///
    /// docker-registry 2.8.2 writes one combined-log-format line per request to stdout, also at
    /// `log.level: error`:
    /// `127.0.0.1 - - [04/Dec/2026:20:24:35 +0000] "GET /v2/team/app/tags/list HTTP/1.1" 404 116 "" "curl/7.88.1"`.
    /// The gorilla/handlers logging handler that wraps the registry's routes writes the line when the route
    /// returns, and Go's net/http sends the end of a response only after that, so a completed request is counted.
    /// - Parameters:
    ///   - path: the request path without its query, such as `/v2/team/app/tags/list`. Requests with a query
    ///     (`?n=100`) count as the same path.
    ///   - method: the HTTP method to count.
    /// - Note: `start()` and `restart()` poll `GET /v2/`, so counts for `/v2/` include those polls.
    func requestCount(path: String, method: String = "GET") -> Int {
        guard let log = try? String(contentsOf: accessLogURL, encoding: .utf8) else {
            return 0
        }
        return log.split(separator: "\n").count { line in
            requestLinePath(in: line, method: method).map(String.init) == path
        }
    }

    /// Returns the path of the request line in `"METHOD TARGET HTTP/1.1"`, without its query, when the method
    /// matches.
    private func requestLinePath(in line: Substring, method: String) -> Substring? {
        guard let start = line.range(of: "\"\(method) ") else {
            return nil
        }
        let target = line[start.upperBound...].prefix { $0 != " " && $0 != "\"" }
        return target.prefix { $0 != "?" }
    }
}
