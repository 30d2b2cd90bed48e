import XCTest
@testable import TagCache

final class ChallengeTests: XCTestCase {
    func testParse_dockerHubBearer() throws {
        let challenges = try WWWAuthenticate.parse(
            #"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/debian:pull""#)
        XCTAssertEqual(challenges.count, 1)
        XCTAssertEqual(challenges.first?.scheme, "Bearer")
        XCTAssertEqual(challenges.first?.parameter("realm"), "https://auth.docker.io/token")
        XCTAssertEqual(challenges.first?.parameter("service"), "registry.docker.io")
        XCTAssertEqual(challenges.first?.parameter("scope"), "repository:library/debian:pull")
    }

    func testParse_table() throws {
        let cases: [(header: String, expected: [Challenge])] = [
            ("Basic", [Challenge(scheme: "Basic")]),
            ("Basic realm=\"Registry Realm\"", [Challenge(scheme: "Basic", parameters: ["realm": "Registry Realm"])]),
            ("basic realm=simple", [Challenge(scheme: "basic", parameters: ["realm": "simple"])]),
            (
                "Bearer realm=\"a\" , service=b",
                [Challenge(scheme: "Bearer", parameters: ["realm": "a", "service": "b"])]
            ),
            (
                "Bearer realm=\"x,y\",service=\"s\"",
                [Challenge(scheme: "Bearer", parameters: ["realm": "x,y", "service": "s"])]
            ),
            (
                #"Bearer realm="say \"hi\"",service="back\\slash""#,
                [Challenge(scheme: "Bearer", parameters: ["realm": "say \"hi\"", "service": "back\\slash"])]
            ),
            (
                "Bearer realm=\"r\", Basic realm=\"b\"",
                [
                    Challenge(scheme: "Bearer", parameters: ["realm": "r"]),
                    Challenge(scheme: "Basic", parameters: ["realm": "b"]),
                ]
            ),
            (
                "Newauth realm=\"apps\", type=1, title=\"Login to \\\"apps\\\"\", Basic realm=\"simple\"",
                [
                    Challenge(scheme: "Newauth", parameters: ["realm": "apps", "type": "1", "title": "Login to \"apps\""]),
                    Challenge(scheme: "Basic", parameters: ["realm": "simple"]),
                ]
            ),
            ("Negotiate, Basic", [Challenge(scheme: "Negotiate"), Challenge(scheme: "Basic")]),
            ("Negotiate abc123==", [Challenge(scheme: "Negotiate", token68: "abc123==")]),
            // A name and "=" alone match token68, whose padding is "=".
            ("Bearer realm=", [Challenge(scheme: "Bearer", token68: "realm=")]),
            (
                "Negotiate abc=, Bearer realm=r",
                [Challenge(scheme: "Negotiate", token68: "abc="), Challenge(scheme: "Bearer", parameters: ["realm": "r"])]
            ),
            ("Bearer REALM=r,Realm=second", [Challenge(scheme: "Bearer", parameters: ["realm": "r"])]),
            (", Bearer realm=r,,", [Challenge(scheme: "Bearer", parameters: ["realm": "r"])]),
            ("Bearer realm = \"spaced\"", [Challenge(scheme: "Bearer", parameters: ["realm": "spaced"])]),
            ("Bearer realm=\"\"", [Challenge(scheme: "Bearer", parameters: ["realm": ""])]),
            ("", []),
        ]
        for (header, expected) in cases {
            XCTAssertEqual(try WWWAuthenticate.parse(header), expected, "header: \(header)")
        }
    }

    func testParse_rejectsMalformedHeaders() {
        let malformed = [
            "Bearer realm=\"unterminated",
            "Bearer realm=a b",
            "=Bearer",
            "Bearer realm=\"a\" service=\"b\"",
            "Bearer \"quoted\"",
            "Bearer realm=a, service=",
        ]
        for header in malformed {
            XCTAssertThrowsError(try WWWAuthenticate.parse(header), "header: \(header)")
        }
    }

    func testChallenge_schemeComparesCaseInsensitively() throws {
        let challenge = try XCTUnwrap(WWWAuthenticate.parse("bEaReR realm=r").first)
        XCTAssertTrue(challenge.hasScheme("Bearer"))
        XCTAssertFalse(challenge.hasScheme("Basic"))
    }

    func testChallenge_parameterNameComparesCaseInsensitively() throws {
        let challenge = try XCTUnwrap(WWWAuthenticate.parse("Bearer Realm=r").first)
        XCTAssertEqual(challenge.parameter("REALM"), "r")
    }

    func testParse_errorReportsByteOffset() {
        XCTAssertThrowsError(try WWWAuthenticate.parse("Bearer realm=\"open")) { error in
            XCTAssertEqual((error as? HeaderSyntaxError)?.offset, 13)
        }
    }
}
