import Foundation
import XCTest

@testable import TagCache

final class OpenAPIDocumentTests: XCTestCase {
    private static let documentURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appending(path: "docs/openapi.json")

    private func documentedPaths() throws -> [String: [String: Any]] {
        let data = try Data(contentsOf: Self.documentURL)
        let document = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        XCTAssertEqual(document?["openapi"] as? String, "3.1.0")
        return document?["paths"] as? [String: [String: Any]] ?? [:]
    }

    func testEmbeddedText_equalsDocsFile() throws {
        let file = try String(contentsOf: Self.documentURL, encoding: .utf8)

        XCTAssertEqual(OpenAPIDocument.text + "\n", file, "run scripts/embed-openapi after editing docs/openapi.json")
    }

    func testDocument_listsEveryServedRoute() throws {
        let paths = try documentedPaths()

        XCTAssertEqual(Set(paths.keys), Set(Routes.pathTemplates + OperatorRoutes.pathTemplates))
    }

    func testDocument_everyRouteAnswersDocumentedStatus() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let server = try RoutesServer(test: self, fetcher: fetcher) { cache, store in
            OperatorRoutes(
                next: Routes(cache: cache, log: Log(minimumLevel: .error), history: store), cache: cache, store: store,
                admin: AdminAccess(token: nil, requiresToken: false), log: Log(minimumLevel: .error))
        }
        let examples = [
            "{name}": "library/debian", "{reference}": "latest", "{digest}": "sha256:" + String(repeating: "0", count: 64),
            "{node}": "pve1",
        ]

        for (template, item) in try documentedPaths() {
            var path = template
            for (placeholder, value) in examples {
                path = path.replacingOccurrences(of: placeholder, with: value)
            }
            // DELETE runs last, so that it finds the entry the other requests stored.
            for method in ["get", "post", "delete"] {
                guard let operation = item[method] as? [String: Any] else { continue }
                let parameters = operation["parameters"] as? [[String: Any]] ?? []
                let required = parameters.filter { $0["in"] as? String == "query" && $0["required"] as? Bool == true }
                var target = path
                if !required.isEmpty {
                    target += "?" + required.map { "\($0["name"]!)=debian" }.joined(separator: "&")
                }
                let responses = operation["responses"] as? [String: Any] ?? [:]

                let (status, body, _) = try await httpGet(server.baseURL + target, method: method.uppercased())

                XCTAssertNotNil(
                    responses[String(status)], "\(method) \(target) returned \(status), which is not documented: \(body)")
                let success = responses.keys.filter { $0.hasPrefix("2") }.sorted().first
                if let success {
                    XCTAssertEqual(String(status), success, "\(method) \(target): \(body)")
                }
            }
        }
    }

    func testServedDocument_isTheDocsFile() async throws {
        let server = try RoutesServer(test: self, fetcher: ScriptedFetcher())

        let (status, body, _) = try await httpGet(server.baseURL + "/openapi.json")

        XCTAssertEqual(status, 200)
        XCTAssertEqual(body, try String(contentsOf: Self.documentURL, encoding: .utf8))
    }
}
