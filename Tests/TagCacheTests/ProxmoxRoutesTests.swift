import Foundation
import XCTest

@testable import TagCache

final class ProxmoxRoutesTests: XCTestCase {
    private let method = "/api2/json/nodes/pve1/query-oci-repo-tags"

    func testProxmox_returnsSortedTagsInDataEnvelope() async throws {
        let fetcher = ScriptedFetcher(tags: ["latest", "1.10", "1.9"])
        let server = try RoutesServer(test: self, fetcher: fetcher)

        let (status, body, headers) = try await httpGet(server.baseURL + method + "?reference=registry.example.com/team/app")

        XCTAssertEqual(status, 200)
        XCTAssertEqual(body, "{\"data\":[\"1.10\",\"1.9\",\"latest\"]}\n")
        XCTAssertEqual(headers["Content-Type"], "application/json;charset=UTF-8")
    }

    func testProxmox_secondRequestIsAnsweredFromCache() async throws {
        let fetcher = ScriptedFetcher(tags: ["1.0"])
        let server = try RoutesServer(test: self, fetcher: fetcher)

        _ = try await server.getJSON(method + "?reference=debian")
        let (status, json, _) = try await server.getJSON(method + "?reference=docker.io/library/debian")

        XCTAssertEqual(status, 200)
        XCTAssertEqual(json["data"] as? [String], ["1.0"])
        XCTAssertEqual(fetcher.calls, 1)
    }

    func testProxmox_acceptsReferencesOfThePattern() async throws {
        let server = try RoutesServer(test: self, fetcher: ScriptedFetcher(tags: ["1"]))
        let accepted = [
            "debian", "library/debian", "registry.example.com/team/app", "Registry.Example.COM:5000/team/app",
            "localhost:5000/a/b/c", "ghcr.io/org/tool__x", "a--b/c.d_e", "quay.io/a" + String(repeating: "b", count: 253),
        ]

        for reference in accepted {
            let (status, json, _) = try await server.getJSON(method + "?reference=" + reference)
            XCTAssertEqual(status, 200, reference)
            XCTAssertEqual(json["data"] as? [String], ["1"], reference)
        }
    }

    func testProxmox_rejectsReferencesOutsideThePattern() async throws {
        let fetcher = ScriptedFetcher(tags: ["1"])
        let server = try RoutesServer(test: self, fetcher: fetcher)
        let rejected = [
            "", "debian:12", "debian@sha256:" + String(repeating: "a", count: 64), "Debian", "team/App",
            "docker://debian", "[::1]:5000/team/app", "-a/b", "a/b/", "/a", "a//b", "a_-b",
            "registry.example.com:port/a", "quay.io/a" + String(repeating: "b", count: 255),
            String(repeating: "a", count: 256),
        ]

        for reference in rejected {
            let encoded = reference.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let (status, body, _) = try await httpGet(server.baseURL + method + "?reference=" + encoded)
            XCTAssertEqual(status, 400, reference)
            XCTAssertEqual(
                body, "{\"data\":null,\"errors\":{\"reference\":\"value does not match the regex pattern\"}}\n",
                reference)
        }
        XCTAssertEqual(fetcher.calls, 0)
    }

    func testProxmox_missingReferenceIsParameterError() async throws {
        let server = try RoutesServer(test: self, fetcher: ScriptedFetcher())

        let (status, body, _) = try await httpGet(server.baseURL + method)

        XCTAssertEqual(status, 400)
        XCTAssertEqual(
            body, "{\"data\":null,\"errors\":{\"reference\":\"property is missing and it is not optional\"}}\n")
    }

    func testProxmox_invalidNodeIsParameterError() async throws {
        let server = try RoutesServer(test: self, fetcher: ScriptedFetcher())

        let (status, json, _) = try await server.getJSON(
            "/api2/json/nodes/-pve/query-oci-repo-tags?reference=debian")

        XCTAssertEqual(status, 400)
        let errors = json["errors"] as? [String: String]
        XCTAssertEqual(errors?["node"], ProxmoxRoutes.nodeMessage)
    }

    func testProxmox_patternMatchDockerRejectsIsMessage() async throws {
        let server = try RoutesServer(test: self, fetcher: ScriptedFetcher())

        let (status, json, _) = try await server.getJSON(method + "?reference=Foo/bar")

        XCTAssertEqual(status, 400)
        XCTAssertTrue(json["data"] is NSNull)
        XCTAssertNotNil(json["message"] as? String)
    }

    func testProxmox_unknownRepositoryIs404Message() async throws {
        let fetcher = ScriptedFetcher()
        fetcher.fail(with: FetchError(.nameUnknown, "repository team/gone not found on registry.example.com"))
        let server = try RoutesServer(test: self, fetcher: fetcher)

        let (status, json, _) = try await server.getJSON(method + "?reference=registry.example.com/team/gone")

        XCTAssertEqual(status, 404)
        XCTAssertTrue(json["data"] is NSNull)
        XCTAssertEqual(json["message"] as? String, "repository team/gone not found on registry.example.com")
    }

    func testProxmox_upstreamTimeoutIs504Message() async throws {
        let fetcher = ScriptedFetcher()
        fetcher.fail(with: FetchError(.timeout, "registry.example.com timed out"))
        let server = try RoutesServer(test: self, fetcher: fetcher)

        let (status, json, _) = try await server.getJSON(method + "?reference=registry.example.com/team/app")

        XCTAssertEqual(status, 504)
        XCTAssertEqual(json["message"] as? String, "registry.example.com timed out")
    }

    func testProxmox_postIsNotAllowed() async throws {
        let server = try RoutesServer(test: self, fetcher: ScriptedFetcher())

        let (status, _, headers) = try await httpGet(server.baseURL + method + "?reference=debian", method: "POST")

        XCTAssertEqual(status, 405)
        XCTAssertEqual(headers["Allow"], "GET, HEAD")
    }

    func testProxmox_slashInNodeIsNotFound() async throws {
        let server = try RoutesServer(test: self, fetcher: ScriptedFetcher())

        let (status, _, _) = try await httpGet(server.baseURL + "/api2/json/nodes/a/b/query-oci-repo-tags?reference=debian")

        XCTAssertEqual(status, 404)
    }
}
