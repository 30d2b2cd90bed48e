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

        XCTAssertEqual(Set(paths.keys), Set(Routes.pathTemplates))
    }

    func testDocument_everyRouteAnswersDocumentedStatus() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let server = try RoutesServer(test: self, fetcher: fetcher)
        let examples = [
            "{name}": "library/debian", "{reference}": "latest", "{digest}": "sha256:" + String(repeating: "0", count: 64),
            "{node}": "pve1",
        ]

        for (template, item) in try documentedPaths() {
            var path = template
            for (placeholder, value) in examples {
                path = path.replacingOccurrences(of: placeholder, with: value)
            }
            let operation = item["get"] as? [String: Any]
            let parameters = operation?["parameters"] as? [[String: Any]] ?? []
            let required = parameters.filter { $0["in"] as? String == "query" && $0["required"] as? Bool == true }
            if !required.isEmpty {
                path += "?" + required.map { "\($0["name"]!)=debian" }.joined(separator: "&")
            }
            let responses = operation?["responses"] as? [String: Any] ?? [:]

            let (status, body, _) = try await httpGet(server.baseURL + path)

            XCTAssertNotNil(responses[String(status)], "GET \(path) returned \(status), which is not documented: \(body)")
            if responses["200"] != nil {
                XCTAssertEqual(status, 200, "GET \(path): \(body)")
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
