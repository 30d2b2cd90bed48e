import Foundation
import XCTest

@testable import TagCache

final class ConfigurationTests: XCTestCase {
    private func decode(_ json: String) throws -> Configuration {
        try Configuration.decode(Data(json.utf8), source: "test.json")
    }

    private func assertRejected(_ json: String, mentioning expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try decode(json), file: file, line: line) { error in
            XCTAssertTrue("\(error)".contains(expected), "message \"\(error)\" lacks \"\(expected)\"", file: file, line: line)
        }
    }

    func testDecode_emptyObjectGivesDefaults() throws {
        let configuration = try decode("{}")

        XCTAssertEqual(configuration.listen, "127.0.0.1:8780")
        XCTAssertNil(configuration.database)
        XCTAssertEqual(configuration.cache.ttl, 600)
        XCTAssertEqual(configuration.cache.staleWhileRevalidate, 86_400)
        XCTAssertEqual(configuration.cache.staleIfError, 2_592_000)
        XCTAssertEqual(configuration.registries, [:])
    }

    func testDecode_readsEveryKey() throws {
        let configuration = try decode(
            """
            {
              "listen": "[::1]:9000",
              "database": "/var/lib/tagcache/cache.sqlite",
              "cache": {"ttl": "5m", "stale_while_revalidate": "1h30m", "stale_if_error": "7d"},
              "registries": {
                "127.0.0.1:5000": {"plain_http": true, "allow": true, "page_size": 500, "connect_timeout": "3s",
                                   "request_timeout": "1m", "max_pages": 20, "max_page_bytes": 65536},
                "registry.example.com": {}
              }
            }
            """)

        XCTAssertEqual(configuration.listen, "[::1]:9000")
        XCTAssertEqual(configuration.database, "/var/lib/tagcache/cache.sqlite")
        XCTAssertEqual(configuration.cache, CachePolicy(ttl: 300, staleWhileRevalidate: 5400, staleIfError: 604_800))
        let local = configuration.settings(for: "127.0.0.1:5000")
        XCTAssertTrue(local.plainHTTP)
        XCTAssertTrue(local.allow)
        XCTAssertEqual(local.pageSize, 500)
        XCTAssertEqual(local.connectTimeout, 3)
        XCTAssertEqual(local.requestTimeout, 60)
        XCTAssertEqual(local.maxPages, 20)
        XCTAssertEqual(local.maxPageBytes, 65536)
        XCTAssertEqual(configuration.settings(for: "registry.example.com"), RegistrySettings())
        XCTAssertEqual(configuration.settings(for: "docker.io"), RegistrySettings())
    }

    func testDecode_rejectsUnknownKeys() {
        assertRejected(#"{"listn": "127.0.0.1:1"}"#, mentioning: #"unknown key "listn""#)
        assertRejected(#"{"cache": {"tll": "1m"}}"#, mentioning: #"unknown key "cache.tll""#)
        assertRejected(
            #"{"registries": {"127.0.0.1:5000": {"plain": true}}}"#,
            mentioning: #"unknown key "registries.127.0.0.1:5000.plain""#)
    }

    func testDecode_rejectsBadValues() {
        assertRejected(#"{"cache": {"ttl": "10 minutes"}}"#, mentioning: #""cache.ttl": invalid duration "10 minutes""#)
        assertRejected(#"{"cache": {"ttl": 600}}"#, mentioning: #""cache.ttl" must be a string"#)
        assertRejected(#"{"registries": {"127.0.0.1:5000": {"plain_http": 1}}}"#, mentioning: "must be true or false")
        assertRejected(#"{"registries": {"127.0.0.1:5000": {"page_size": 0}}}"#, mentioning: "must be an integer from 1")
        assertRejected(#"{"registries": {"myregistry": {}}}"#, mentioning: #"registries key "myregistry" names no registry"#)
        assertRejected(#"{"registries": {"http://a.example": {}}}"#, mentioning: "is not a registry address")
        assertRejected(#"{"listen": "8780"}"#, mentioning: #"invalid listen address "8780""#)
        assertRejected(#"[1, 2]"#, mentioning: "the top level must be a JSON object")
        assertRejected(#"{"listen": "#, mentioning: "is not valid JSON")
        assertRejected("{\n  \"listen\": x\n}", mentioning: "(line 2, column 13)")
        assertRejected(
            #"{"cache": {"max_entries": "10"}}"#,
            mentioning: #"got the string "10"; write numbers without quotes"#)
        assertRejected(#"{"cache": {"max_entries": true}}"#, mentioning: "got true")
        assertRejected(#"{"cache": {"ttl": 600}}"#, mentioning: #""cache.ttl" must be a string in quotes, got 600"#)
        assertRejected(
            #"{"registries": {"127.0.0.1:5000": {"allow": "true"}}}"#,
            mentioning: #"must be true or false, got the string "true"; write it without quotes"#)
    }

    func testDecode_readsLoadLimits() throws {
        let configuration = try decode(
            #"{"registries": {"127.0.0.1:5000": {"concurrency": 8, "rate": 0}, "a.example": {"rate": 2.5}}}"#)

        XCTAssertEqual(configuration.settings(for: "127.0.0.1:5000").concurrency, 8)
        XCTAssertEqual(configuration.settings(for: "127.0.0.1:5000").rate, 0)
        XCTAssertEqual(configuration.settings(for: "a.example").rate, 2.5)
        XCTAssertEqual(configuration.settings(for: "a.example").concurrency, 4)
        XCTAssertEqual(configuration.settings(for: "docker.io").rate, 10)
    }

    func testDecode_rejectsBadLoadLimits() {
        assertRejected(
            #"{"registries": {"127.0.0.1:5000": {"concurrency": 0}}}"#,
            mentioning: #""registries.127.0.0.1:5000.concurrency" must be an integer from 1 to 1000"#)
        assertRejected(
            #"{"registries": {"127.0.0.1:5000": {"concurrency": 2.5}}}"#, mentioning: "must be an integer from 1")
        assertRejected(
            #"{"registries": {"127.0.0.1:5000": {"rate": -1}}}"#,
            mentioning: #""registries.127.0.0.1:5000.rate" must be a number from 0.0 to 100000.0"#)
        assertRejected(#"{"registries": {"127.0.0.1:5000": {"rate": "10"}}}"#, mentioning: "must be a number from 0")
        assertRejected(#"{"registries": {"127.0.0.1:5000": {"rate": true}}}"#, mentioning: "must be a number from 0")
    }

    func testAddInsecureRegistry_setsPlainHTTPAndAllowKeepingOtherSettings() throws {
        var configuration = try decode(#"{"registries": {"127.0.0.1:5000": {"page_size": 50}}}"#)

        configuration.addInsecureRegistry("127.0.0.1:5000")

        let settings = configuration.settings(for: "127.0.0.1:5000")
        XCTAssertTrue(settings.plainHTTP)
        XCTAssertTrue(settings.allow)
        XCTAssertEqual(settings.pageSize, 50)
    }

    func testDefaultDatabasePath_followsXDGStateHome() {
        XCTAssertEqual(
            Configuration.defaultDatabasePath(environment: ["XDG_STATE_HOME": "/state", "HOME": "/home/u"]),
            "/state/tagcache/cache.sqlite")
        XCTAssertEqual(
            Configuration.defaultDatabasePath(environment: ["HOME": "/home/u"]),
            "/home/u/.local/state/tagcache/cache.sqlite")
        XCTAssertEqual(
            Configuration.defaultDatabasePath(environment: ["XDG_STATE_HOME": "relative", "HOME": "/home/u"]),
            "/home/u/.local/state/tagcache/cache.sqlite")
    }

    func testListenAddress_parsesIPv4IPv6AndRejectsGarbage() throws {
        XCTAssertEqual(try ListenAddress.parse("127.0.0.1:8780"), ListenAddress(host: "127.0.0.1", port: 8780))
        XCTAssertEqual(try ListenAddress.parse("[::1]:0"), ListenAddress(host: "::1", port: 0))
        XCTAssertEqual(try ListenAddress.parse("[::1]:80").description, "[::1]:80")
        for invalid in ["", "127.0.0.1", ":80", "127.0.0.1:99999", "::1:80", "[::1]80", "host:port"] {
            XCTAssertThrowsError(try ListenAddress.parse(invalid), "accepted \"\(invalid)\"")
        }
    }
}

final class SkopeoOutputTests: XCTestCase {
    func testListTags_matchesSkopeoFormatting() {
        let text = SkopeoOutput.listTags(repository: "127.0.0.1:5000/team/app", tags: ["1.0", "latest"])

        XCTAssertEqual(
            text,
            """
            {
                "Repository": "127.0.0.1:5000/team/app",
                "Tags": [
                    "1.0",
                    "latest"
                ]
            }

            """)
    }

    func testListTags_printsEmptyListOnOneLine() {
        XCTAssertEqual(
            SkopeoOutput.listTags(repository: "docker.io/library/x", tags: []),
            "{\n    \"Repository\": \"docker.io/library/x\",\n    \"Tags\": []\n}\n")
    }
}
