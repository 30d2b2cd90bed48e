import Foundation
import Synchronization

@testable import TagCache

/// A token realm for docker-registry's `auth: token` mode, on the product's `HTTPServer` at 127.0.0.1.
///
/// It responds to `GET /token?service=…&scope=repository:NAME:pull&account=…` with an RS256 JWT whose header
/// carries the signing certificate in `x5c`, the form docker-registry 2.8 accepts, signed by the `openssl`
/// command. When `user` and `password` are set, a request without those HTTP Basic credentials gets `401`.
final class TokenIssuer: Sendable {
    static let issuer = "tagcache-test-issuer"
    static let service = "tagcache-test-registry"

    let port: UInt16
    private let server: HTTPServer
    private let handler: Handler

    var realm: String { "http://127.0.0.1:\(port)/token" }

    /// Scopes of the token requests so far, in order.
    var requestedScopes: [String] { handler.scopes.withLock { $0 } }

    init(certificates: TestCertificates, user: String?, password: String?) throws {
        let certificate = try String(contentsOfFile: certificates.tokenCertificate, encoding: .utf8)
        let der = try Self.derBase64(pem: certificate)
        handler = Handler(
            keyPath: certificates.tokenKey, certificateDER: der,
            expectedAuthorization: user.map { "Basic " + Data("\($0):\(password ?? "")".utf8).base64EncodedString() })
        server = try HTTPServer(host: "127.0.0.1", port: 0, threads: 2, handler: handler)
        port = server.port
    }

    func stop() {
        server.stop(gracePeriod: 1)
    }

    /// Returns the YAML lines for docker-registry's `auth:` section.
    func registryAuthConfiguration(rootCertificateBundle: String) -> String {
        """
          token:
            realm: \(realm)
            service: \(Self.service)
            issuer: \(Self.issuer)
            rootcertbundle: \(rootCertificateBundle)
        """
    }

    private static func derBase64(pem: String) throws -> String {
        let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        guard Data(base64Encoded: body) != nil else {
            throw TestSupportError("the token certificate is not PEM")
        }
        return body
    }

    private final class Handler: HTTPHandler {
        let keyPath: String
        let certificateDER: String
        let expectedAuthorization: String?
        let scopes = Mutex<[String]>([])

        init(keyPath: String, certificateDER: String, expectedAuthorization: String?) {
            self.keyPath = keyPath
            self.certificateDER = certificateDER
            self.expectedAuthorization = expectedAuthorization
        }

        func handle(_ request: HTTPRequest) -> HTTPHandlerResult {
            let scope = request.queryValue("scope") ?? ""
            scopes.withLock { $0.append(scope) }
            if let expectedAuthorization, request.header("Authorization") != expectedAuthorization {
                return .response(HTTPResponse(status: 401, body: Array(#"{"details":"invalid credentials"}"#.utf8)))
            }
            do {
                let token = try makeToken(scope: scope, account: request.queryValue("account") ?? "")
                let body = #"{"token":"\#(token)","expires_in":300}"#
                return .response(
                    HTTPResponse(status: 200, headers: [("Content-Type", "application/json")], body: Array(body.utf8)))
            } catch {
                return .response(HTTPResponse(status: 500, body: Array("\(error)".utf8)))
            }
        }

        private func makeToken(scope: String, account: String) throws -> String {
            let parts = scope.split(separator: ":", omittingEmptySubsequences: false)
            var access: [[String: Any]] = []
            if parts.count == 3, parts[0] == "repository" {
                access = [["type": "repository", "name": String(parts[1]), "actions": parts[2].split(separator: ",").map(String.init)]]
            }
            let now = Int(Date().timeIntervalSince1970)
            let header: [String: Any] = ["alg": "RS256", "typ": "JWT", "x5c": [certificateDER]]
            let claims: [String: Any] = [
                "iss": TokenIssuer.issuer, "sub": account, "aud": TokenIssuer.service, "exp": now + 300,
                "nbf": now - 10, "iat": now - 10, "jti": UUID().uuidString, "access": access,
            ]
            let signingInput = try base64URL(JSONSerialization.data(withJSONObject: header))
                + "." + base64URL(JSONSerialization.data(withJSONObject: claims))

            let directory = try ScratchDirectory.create(prefix: "tagcache-token")
            defer { try? FileManager.default.removeItem(at: directory) }
            let input = directory.appendingPathComponent("input")
            let signature = directory.appendingPathComponent("signature")
            try Data(signingInput.utf8).write(to: input)
            try Command.runChecked(
                TestCertificates.openssl, ["dgst", "-sha256", "-sign", keyPath, "-out", signature.path, input.path])
            return signingInput + "." + base64URL(try Data(contentsOf: signature))
        }

        private func base64URL(_ data: Data) -> String {
            data.base64EncodedString()
                .replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }
    }
}
