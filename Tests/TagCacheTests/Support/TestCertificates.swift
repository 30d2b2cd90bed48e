import Foundation

/// Keys and certificates made with the `openssl` command in a scratch directory: a test CA with a server
/// certificate for 127.0.0.1, and a self-signed certificate for signing tokens.
struct TestCertificates {
    let directory: URL

    var caCertificate: String { directory.appendingPathComponent("ca.pem").path }
    var serverCertificate: String { directory.appendingPathComponent("server.pem").path }
    var serverKey: String { directory.appendingPathComponent("server.key").path }
    var tokenCertificate: String { directory.appendingPathComponent("token.pem").path }
    var tokenKey: String { directory.appendingPathComponent("token.key").path }

    static let openssl = "/usr/bin/openssl"

    /// Creates the CA and a server certificate whose subject alternative name is IP 127.0.0.1.
    static func makeServerChain(in directory: URL) throws -> TestCertificates {
        let certificates = TestCertificates(directory: directory)
        let path = { (name: String) in directory.appendingPathComponent(name).path }
        try Command.runChecked(openssl, [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=tagcache test CA",
            "-keyout", path("ca.key"), "-out", certificates.caCertificate,
        ])
        try Command.runChecked(openssl, [
            "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", certificates.serverKey,
            "-out", path("server.csr"),
        ])
        try Data("subjectAltName=IP:127.0.0.1\n".utf8).write(to: URL(fileURLWithPath: path("server.ext")))
        try Command.runChecked(openssl, [
            "x509", "-req", "-in", path("server.csr"), "-CA", certificates.caCertificate, "-CAkey", path("ca.key"),
            "-CAcreateserial", "-days", "1", "-extfile", path("server.ext"), "-out", certificates.serverCertificate,
        ])
        return certificates
    }

    var clientCertificate: String { directory.appendingPathComponent("client.pem").path }
    var clientKey: String { directory.appendingPathComponent("client.key").path }

    /// Creates a client certificate signed by the CA of `makeServerChain`, for mutual TLS.
    func makeClientCertificate() throws {
        let path = { (name: String) in directory.appendingPathComponent(name).path }
        try Command.runChecked(Self.openssl, [
            "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=tagcache client", "-keyout", clientKey,
            "-out", path("client.csr"),
        ])
        try Command.runChecked(Self.openssl, [
            "x509", "-req", "-in", path("client.csr"), "-CA", caCertificate, "-CAkey", path("ca.key"),
            "-CAcreateserial", "-days", "1", "-out", clientCertificate,
        ])
    }

    /// Creates the self-signed certificate and key a token issuer signs with.
    static func makeTokenSigner(in directory: URL) throws -> TestCertificates {
        let certificates = TestCertificates(directory: directory)
        try Command.runChecked(openssl, [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=tagcache token issuer",
            "-keyout", certificates.tokenKey, "-out", certificates.tokenCertificate,
        ])
        return certificates
    }
}
