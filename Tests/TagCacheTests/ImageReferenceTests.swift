import XCTest
@testable import TagCache

final class ImageReferenceTests: XCTestCase {
    private struct Valid {
        let input: String
        let registry: String
        let path: String
        let line: UInt

        init(_ input: String, _ registry: String, _ path: String, line: UInt = #line) {
            self.input = input
            self.registry = registry
            self.path = path
            self.line = line
        }
    }

    private struct Invalid {
        let input: String
        let messagePart: String
        let line: UInt

        init(_ input: String, _ messagePart: String, line: UInt = #line) {
            self.input = input
            self.messagePart = messagePart
            self.line = line
        }
    }

    private static let longComponent = String(repeating: "a", count: 120)

    private static let validCases: [Valid] = [
        // Docker Hub normalization
        Valid("debian", "docker.io", "library/debian"),
        Valid("library/debian", "docker.io", "library/debian"),
        Valid("docker.io/debian", "docker.io", "library/debian"),
        Valid("docker.io/library/debian", "docker.io", "library/debian"),
        Valid("index.docker.io/debian", "docker.io", "library/debian"),
        Valid("registry-1.docker.io/team/app", "docker.io", "team/app"),
        Valid("bitnami/redis", "docker.io", "bitnami/redis"),
        Valid("docker://debian", "docker.io", "library/debian"),
        Valid("docker://ghcr.io/org/app", "ghcr.io", "org/app"),
        Valid("foo/bar", "docker.io", "foo/bar"),

        // Registries
        Valid("ghcr.io/org/app", "ghcr.io", "org/app"),
        Valid("quay.io/a/b/c/d", "quay.io", "a/b/c/d"),
        Valid("localhost/a", "localhost", "a"),
        Valid("localhost:5000/team/app", "localhost:5000", "team/app"),
        Valid("127.0.0.1:5000/a", "127.0.0.1:5000", "a"),
        Valid("127.0.0.1/a", "127.0.0.1", "a"),
        Valid("[::1]:5000/a", "[::1]:5000", "a"),
        Valid("[::1]/a", "[::1]", "a"),
        Valid("[2001:db8::1]:443/x/y", "[2001:db8::1]:443", "x/y"),
        Valid("[1:2:3:4:5:6:7:8]/a", "[1:2:3:4:5:6:7:8]", "a"),
        Valid("[fe80::]/a", "[fe80::]", "a"),
        Valid("Host.Example:5000/a", "Host.Example:5000", "a"),
        Valid("REGISTRY.example.com/a", "REGISTRY.example.com", "a"),
        Valid("my-registry.example.com/a", "my-registry.example.com", "a"),
        Valid("a-b--c.example/a", "a-b--c.example", "a"),
        Valid("host:1/a", "host:1", "a"),
        Valid("host:65535/a", "host:65535", "a"),
        Valid("x.y/a", "x.y", "a"),
        Valid("a.b/c", "a.b", "c"),

        // Path separators
        Valid("a--b", "docker.io", "library/a--b"),
        Valid("a-----b", "docker.io", "library/a-----b"),
        Valid("a.b", "docker.io", "library/a.b"),
        Valid("a_b", "docker.io", "library/a_b"),
        Valid("a__b", "docker.io", "library/a__b"),
        Valid("team/a.b_c__d-e--f/g", "docker.io", "team/a.b_c__d-e--f/g"),
        Valid("0/9", "docker.io", "0/9"),
        Valid(String(repeating: "g", count: 64), "docker.io", "library/" + String(repeating: "g", count: 64)),
        Valid(String(repeating: "0", count: 63), "docker.io", "library/" + String(repeating: "0", count: 63)),
        Valid("team/" + String(repeating: "0", count: 64), "docker.io", "team/" + String(repeating: "0", count: 64)),
        Valid("ghcr.io/\(longComponent)/\(longComponent)", "ghcr.io", "\(longComponent)/\(longComponent)"),
    ]

    private static let invalidCases: [Invalid] = [
        // Tags and digests
        Invalid("debian:12", #"listing needs a repository without tag or digest; remove the tag ":12""#),
        Invalid("foo:tag", #"remove the tag ":tag""#),
        Invalid("ghcr.io/org/app:v1.2", #"remove the tag ":v1.2""#),
        Invalid("localhost:5000/a:latest", #"remove the tag ":latest""#),
        Invalid("debian@sha256:abcd", #"remove the digest "@sha256:abcd""#),
        Invalid("debian:12@sha256:abcd", #"remove the tag ":12" and the digest "@sha256:abcd""#),
        Invalid("localhost:5000", #"or if "localhost:5000" is a registry, add a repository path"#),
        Invalid("example.com:443", #"remove the tag ":443""#),
        Invalid("[::1]:5000", #"registry "[::1]:5000" is followed by no repository path"#),

        // Empty parts
        Invalid("", "the reference is empty"),
        Invalid("docker://", #"nothing follows "docker://""#),
        Invalid("a//b", #"repository path "a//b" contains an empty path component"#),
        Invalid("a/", #"repository path "a/" ends with "/""#),
        Invalid("/a", #"repository path "/a" starts with "/""#),
        Invalid("ghcr.io/", #"registry "ghcr.io" is followed by no repository path"#),
        Invalid("ghcr.io//a", #"repository path "/a" starts with "/""#),

        // Path components
        Invalid("Foo/bar", #"invalid reference "Foo/bar": path component "Foo" contains uppercase letters; repository names are lowercase"#),
        Invalid("ghcr.io/Org/app", #"path component "Org" contains uppercase letters"#),
        Invalid("LOCALHOST/a", #"path component "LOCALHOST" contains uppercase letters"#),
        Invalid("_a", #"path component "_a" starts with "_""#),
        Invalid("-a", #"path component "-a" starts with "-""#),
        Invalid("a-", #"path component "a-" ends with "-""#),
        Invalid("a.", #"path component "a." ends with ".""#),
        Invalid("a..b", #"path component "a..b" contains the separator "..""#),
        Invalid("a___b", #"contains the separator "___""#),
        Invalid("a._b", #"contains the separator "._""#),
        Invalid("a.-b", #"contains the separator ".-""#),
        Invalid("a/../b", #"path component ".." is not allowed"#),
        Invalid("a/./b", #"path component "." is not allowed"#),
        Invalid("a+b", #"path component "a+b" contains the character "+""#),
        Invalid("caf\u{E9}", #"contains the character "é""#),
        Invalid("a/\u{663}", #"contains the character "٣""#),
        Invalid("ghcr.io/" + String(repeating: "a", count: 256), "is 256 characters long; shorten it to at most 255"),
        Invalid(String(repeating: "a", count: 250), "is 258 characters long"),

        // Image IDs
        Invalid(String(repeating: "0a", count: 32), "a 64-digit hex string is an image ID"),
        Invalid("docker://" + String(repeating: "f", count: 64), "is an image ID"),

        // Whitespace and control characters
        Invalid(" debian", "whitespace at character 1"),
        Invalid("debian ", "whitespace at character 7"),
        Invalid("deb\tian", "whitespace at character 4"),
        Invalid("debian\n", #"invalid reference "debian\u{A}": whitespace at character 7"#),
        Invalid("deb\u{7}ian", #"invalid reference "deb\u{7}ian": control character U+0007 at character 4"#),
        Invalid("deb\u{202E}ian", "control character U+202E"),

        // Registries
        Invalid("https://ghcr.io/a", #"the prefix "https://" is not supported"#),
        Invalid("oci://dir", #"the prefix "oci://" is not supported"#),
        Invalid("host:0/a", #"registry "host:0" has the port "0"; give a port number from 1 to 65535"#),
        Invalid("host:65536/a", #"has the port "65536""#),
        Invalid("host:/a", #"registry "host:" has the port """#),
        Invalid("host:50x/a", #"has the port "50x""#),
        Invalid("host:0000080/a", #"has the port "0000080""#),
        Invalid(":5000/a", #"registry ":5000" has an empty host name"#),
        Invalid("a..b/c", #"host name "a..b" contains an empty label"#),
        Invalid(".example/a", #"host name ".example" contains an empty label"#),
        Invalid("-x.example/a", #"host name label "-x" in "-x.example" starts or ends with "-""#),
        Invalid("x-.example/a", #"host name label "x-""#),
        Invalid("a_b.example/a", #"host name "a_b.example" contains the character "_""#),
        Invalid("a.b_c/d", #"host name "a.b_c" contains the character "_""#),
        Invalid("[::1/a", #"registry "[::1" is missing the "]""#),
        Invalid("[abc]/a", #"contains the invalid IPv6 address "abc""#),
        Invalid("[1::2::3]/a", #"invalid IPv6 address "1::2::3""#),
        Invalid("[:::]/a", "invalid IPv6 address"),
        Invalid("[1:2:3:4:5:6:7]/a", "invalid IPv6 address"),
        Invalid("[1:2:3:4:5:6:7:8:9]/a", "invalid IPv6 address"),
        Invalid("[1:2:3:4::5:6:7:8]/a", "invalid IPv6 address"),
        Invalid("[12345::]/a", "invalid IPv6 address"),
        Invalid("[::ffff:127.0.0.1]/a", "invalid IPv6 address"),
        Invalid("[::1]x/a", #"has "x" after its IPv6 address"#),
        Invalid("[::1]:99999/a", #"has the port "99999""#),
    ]

    func testParse_validReferencesNormalize() {
        XCTAssertGreaterThanOrEqual(Self.validCases.count + Self.invalidCases.count, 60)

        for testCase in Self.validCases {
            do {
                let reference = try ImageReference.parse(testCase.input)
                XCTAssertEqual(reference.registry, testCase.registry, "input \(testCase.input)", line: testCase.line)
                XCTAssertEqual(reference.path, testCase.path, "input \(testCase.input)", line: testCase.line)
            } catch {
                XCTFail("input \(testCase.input) was rejected: \(error.message)", line: testCase.line)
            }
        }
    }

    func testParse_invalidReferencesNameTheProblem() {
        for testCase in Self.invalidCases {
            do {
                let reference = try ImageReference.parse(testCase.input)
                XCTFail("input \(testCase.input) was accepted as \(reference)", line: testCase.line)
            } catch {
                XCTAssertTrue(
                    error.message.contains(testCase.messagePart),
                    "message \(error.message) lacks \(testCase.messagePart)",
                    line: testCase.line
                )
                XCTAssertEqual(error.input, testCase.input, line: testCase.line)
            }
        }
    }

    func testParse_everyMessageQuotesTheInput() {
        let printableCases = Self.invalidCases.filter { testCase in
            testCase.input.unicodeScalars.allSatisfy { $0.isASCII && $0.value >= 32 }
        }
        for testCase in printableCases {
            do {
                _ = try ImageReference.parse(testCase.input)
            } catch {
                XCTAssertTrue(
                    error.message.hasPrefix("invalid reference \"\(testCase.input.prefix(300))"),
                    "message \(error.message)",
                    line: testCase.line
                )
            }
        }
    }

    func testParse_hugeInputIsQuotedShortened() throws {
        let input = "ghcr.io/" + String(repeating: "a", count: 100_000)

        let error = try XCTUnwrap(parseError(input))

        XCTAssertEqual(error.input, input)
        XCTAssertLessThan(error.message.count, 1_000)
        XCTAssertTrue(error.message.contains("…"), error.message)
    }

    func testParse_hugeAdversarialInputFinishes() throws {
        // The invalid character comes last, so the parser scans all 100,001 characters before it fails.
        let input = String(repeating: "a-", count: 50_000) + "!"

        let error = try XCTUnwrap(parseError(input))

        XCTAssertTrue(error.message.contains(#"contains the character "!""#), error.message)
    }

    func testParse_descriptionIsMessage() throws {
        let error = try XCTUnwrap(parseError("Foo/bar"))

        XCTAssertEqual(error.description, error.message)
    }

    func testParse_resultDescriptionIsFullName() throws {
        let reference = try ImageReference.parse("debian")

        XCTAssertEqual(reference.description, "docker.io/library/debian")
    }

    func testAuthority_dockerHub() throws {
        let reference = try ImageReference.parse("debian")

        XCTAssertEqual(reference.host, "docker.io")
        XCTAssertNil(reference.port)
        XCTAssertEqual(reference.apiAuthority, "registry-1.docker.io")
        XCTAssertEqual(reference.apiHost, "registry-1.docker.io")
    }

    func testAuthority_ipv4WithPort() throws {
        let reference = try ImageReference.parse("127.0.0.1:5000/a")

        XCTAssertEqual(reference.host, "127.0.0.1")
        XCTAssertEqual(reference.port, 5000)
        XCTAssertEqual(reference.apiAuthority, "127.0.0.1:5000")
        XCTAssertEqual(reference.apiHost, "127.0.0.1")
    }

    func testAuthority_ipv6WithPort() throws {
        let reference = try ImageReference.parse("[::1]:5000/a")

        XCTAssertEqual(reference.host, "::1")
        XCTAssertEqual(reference.port, 5000)
        XCTAssertEqual(reference.apiAuthority, "[::1]:5000")
        XCTAssertEqual(reference.apiHost, "::1")
    }

    func testAuthority_ipv6WithoutPort() throws {
        let reference = try ImageReference.parse("[2001:db8::1]/a")

        XCTAssertEqual(reference.host, "2001:db8::1")
        XCTAssertNil(reference.port)
        XCTAssertEqual(reference.apiAuthority, "[2001:db8::1]")
    }

    func testAuthority_hostNameWithoutPort() throws {
        let reference = try ImageReference.parse("ghcr.io/org/app")

        XCTAssertEqual(reference.host, "ghcr.io")
        XCTAssertNil(reference.port)
        XCTAssertEqual(reference.apiAuthority, "ghcr.io")
        XCTAssertEqual(reference.apiHost, "ghcr.io")
    }

    func testAuthority_dockerHubAliasConnectsToAPIHost() throws {
        let reference = try ImageReference.parse("index.docker.io/library/debian")

        XCTAssertEqual(reference.registry, "docker.io")
        XCTAssertEqual(reference.apiAuthority, "registry-1.docker.io")
    }

    func testAuthority_uncheckedBracketIsAllHost() {
        let reference = ImageReference(registry: "[::1", path: "a")

        XCTAssertEqual(reference.host, "::1")
        XCTAssertNil(reference.port)
    }

    private func parseError(_ input: String) -> ReferenceError? {
        do {
            _ = try ImageReference.parse(input)
            return nil
        } catch {
            return error
        }
    }
}
