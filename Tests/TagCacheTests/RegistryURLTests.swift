import XCTest
@testable import TagCache

final class RegistryURLTests: XCTestCase {
    func testHTTPURL_parsesParts() throws {
        let url = try XCTUnwrap(HTTPURL(string: "HTTPS://Registry.Example:5000/v2/a?n=1#frag"))
        XCTAssertEqual(url.scheme, "https")
        XCTAssertEqual(url.host, "registry.example")
        XCTAssertEqual(url.port, 5000)
        XCTAssertEqual(url.path, "/v2/a")
        XCTAssertEqual(url.query, "n=1")
        XCTAssertEqual(url.description, "https://registry.example:5000/v2/a?n=1")
    }

    func testHTTPURL_parsesIPv6Literal() throws {
        let url = try XCTUnwrap(HTTPURL(string: "http://[::1]:5000/"))
        XCTAssertEqual(url.host, "::1")
        XCTAssertEqual(url.effectivePort, 5000)
        XCTAssertEqual(url.authority, "[::1]:5000")
    }

    func testHTTPURL_defaultPorts() throws {
        XCTAssertEqual(try XCTUnwrap(HTTPURL(string: "https://r.example")).effectivePort, 443)
        XCTAssertEqual(try XCTUnwrap(HTTPURL(string: "http://r.example")).effectivePort, 80)
        XCTAssertEqual(try XCTUnwrap(HTTPURL(string: "http://r.example")).path, "/")
    }

    func testHTTPURL_rejectsInvalidURLs() {
        let invalid = [
            "ftp://r.example/", "/v2/", "https:///v2/", "https://user@r.example/", "https://r.example:0/",
            "https://r.example:65536/", "https://r.example:5x/", "https://r.example/a b", "https://[::1/",
            "https://[::1]x/", "https://r.example/\n",
        ]
        for text in invalid {
            XCTAssertNil(HTTPURL(string: text), text)
        }
    }

    func testHTTPURL_resolvesRFC3986Examples() throws {
        let base = try XCTUnwrap(HTTPURL(string: "http://a/b/c/d;p?q"))
        let cases = [
            ("g", "http://a/b/c/g"), ("./g", "http://a/b/c/g"), ("g/", "http://a/b/c/g/"), ("/g", "http://a/g"),
            ("//g", "http://g/"), ("?y", "http://a/b/c/d;p?y"), ("g?y", "http://a/b/c/g?y"),
            ("#s", "http://a/b/c/d;p?q"), ("", "http://a/b/c/d;p?q"), (".", "http://a/b/c/"), ("./", "http://a/b/c/"),
            ("..", "http://a/b/"), ("../g", "http://a/b/g"), ("../..", "http://a/"), ("../../g", "http://a/g"),
            ("../../../g", "http://a/g"), ("/./g", "http://a/g"), ("/../g", "http://a/g"), ("g.", "http://a/b/c/g."),
            ("..g", "http://a/b/c/..g"), ("./../g", "http://a/b/g"), ("g/./h", "http://a/b/c/g/h"),
            ("g/../h", "http://a/b/c/h"), ("g;x=1/../y", "http://a/b/c/y"), ("https://h:8/x", "https://h:8/x"),
        ]
        for (reference, expected) in cases {
            XCTAssertEqual(base.resolving(reference)?.description, expected, "reference: \(reference)")
        }
    }

    func testHTTPURL_appendsQueryItems() throws {
        let bare = try XCTUnwrap(HTTPURL(string: "https://auth.example/token"))
        XCTAssertEqual(bare.appendingQueryItem("a=1").description, "https://auth.example/token?a=1")
        let withQuery = try XCTUnwrap(HTTPURL(string: "https://auth.example/token?x=y"))
        XCTAssertEqual(withQuery.appendingQueryItem("a=1").description, "https://auth.example/token?x=y&a=1")
    }

    func testRegistryEndpoint_mapsDockerHub() throws {
        let url = try RegistryEndpoint.baseURL(registry: "docker.io", plainHTTP: false)
        XCTAssertEqual(url.description, "https://registry-1.docker.io/")
    }

    func testRegistryEndpoint_keepsHostAndPort() throws {
        let url = try RegistryEndpoint.baseURL(registry: "[::1]:5000", plainHTTP: true)
        XCTAssertEqual(url.host, "::1")
        XCTAssertEqual(url.effectivePort, 5000)
        XCTAssertEqual(url.description, "http://[::1]:5000/")
    }

    func testRegistryEndpoint_rejectsInvalidRegistry() {
        XCTAssertThrowsError(try RegistryEndpoint.baseURL(registry: "bad host", plainHTTP: false))
        XCTAssertThrowsError(try RegistryEndpoint.baseURL(registry: "a/b", plainHTTP: false))
    }

    func testPercentEncoded_encodesScopeSeparators() {
        XCTAssertEqual(RegistryClient.percentEncoded("repository:team/app:pull"), "repository%3Ateam%2Fapp%3Apull")
        XCTAssertEqual(RegistryClient.percentEncoded("a-b_c.d~e é"), "a-b_c.d~e%20%C3%A9")
    }

    func testTokenExpiry_usesExpiresInFromIssuedAt() throws {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let issued = "2023-11-14T22:12:20Z"  // 1_699_999_940
        let expiry = TokenCache.expiry(expiresIn: 300, issuedAt: issued, now: now)
        XCTAssertEqual(expiry.timeIntervalSince1970, 1_700_000_240, accuracy: 0.001)
    }

    func testTokenExpiry_acceptsFractionalIssuedAt() throws {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let expiry = TokenCache.expiry(expiresIn: 300, issuedAt: "2023-11-14T22:12:20.123456789Z", now: now)
        XCTAssertEqual(expiry.timeIntervalSince1970, 1_700_000_240.123, accuracy: 0.01)
    }

    func testTokenExpiry_floorsLifetimeAtSixtySeconds() {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        XCTAssertEqual(TokenCache.expiry(expiresIn: 5, issuedAt: nil, now: now).timeIntervalSince1970, 1_700_000_060)
        XCTAssertEqual(TokenCache.expiry(expiresIn: nil, issuedAt: nil, now: now).timeIntervalSince1970, 1_700_000_060)
    }

    func testTokenExpiry_ignoresFutureOrInvalidIssuedAt() {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let future = TokenCache.expiry(expiresIn: 300, issuedAt: "2030-01-01T00:00:00Z", now: now)
        XCTAssertEqual(future.timeIntervalSince1970, 1_700_000_300)
        let invalid = TokenCache.expiry(expiresIn: 300, issuedAt: "yesterday", now: now)
        XCTAssertEqual(invalid.timeIntervalSince1970, 1_700_000_300)
    }

    func testTokenCache_expiresEntries() {
        let cache = TokenCache()
        let now = Date(timeIntervalSince1970: 1_000)
        cache.store("t", registry: "r", scope: "s", expiresAt: now.addingTimeInterval(60), now: now)
        XCTAssertEqual(cache.token(registry: "r", scope: "s", now: now.addingTimeInterval(59)), "t")
        XCTAssertNil(cache.token(registry: "r", scope: "s", now: now.addingTimeInterval(60)))
        XCTAssertNil(cache.token(registry: "r", scope: "other", now: now))
    }
}
