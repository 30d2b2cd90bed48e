import Foundation
import XCTest

@testable import TagCache

/// `Routes` served by a real `HTTPServer` on 127.0.0.1, over a SQLite store in a per-test directory.
final class RoutesServer {
    let store: SQLiteTagStore
    let cache: TagCacheService
    let server: HTTPServer

    var baseURL: String { "http://127.0.0.1:\(server.port)" }

    /// Starts the server; it stops when `test` ends.
    /// - Parameter makeRoutes: Builds the handler from the cache, for tests that need other route settings.
    init(
        test: XCTestCase, fetcher: any TagFetcher, policy: CachePolicy = CachePolicy(),
        makeRoutes: (TagCacheService, SQLiteTagStore) -> any HTTPHandler = { cache, store in Routes(cache: cache, log: Log(minimumLevel: .error), history: store) }
    ) throws {
        let directory = try StoreTestDirectory.make(for: test)
        store = try SQLiteTagStore(path: directory.appending(path: "cache.sqlite").path)
        cache = TagCacheService(
            store: store, fetcher: fetcher, policy: { _ in policy }, log: Log(minimumLevel: .error))
        server = try HTTPServer(host: "127.0.0.1", port: 0, threads: 2, handler: makeRoutes(cache, store))
        let server = self.server
        test.addTeardownBlock {
            server.stop()
        }
    }

    /// Sends `GET path` and decodes the body as a JSON object.
    func getJSON(_ path: String) async throws -> (status: Int, json: [String: Any], headers: HTTPHeaders) {
        let (status, body, headers) = try await httpGet(baseURL + path)
        guard let json = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] else {
            throw TestSupportError("GET \(path) returned a body that is not a JSON object: \(body)")
        }
        return (status, json, headers)
    }
}
