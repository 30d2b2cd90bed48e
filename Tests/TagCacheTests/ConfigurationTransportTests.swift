import Foundation
import XCTest

@testable import TagCache

/// The transport and credential keys of the configuration file.
final class ConfigurationTransportTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try ScratchDirectory.create(prefix: "tagcache-config-transport")
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: directory)
    }

    private func decode(_ json: String) throws -> Configuration {
        try Configuration.decode(Data(json.utf8), source: "test.json")
    }

    private func file(_ name: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        try Data("pem".utf8).write(to: url)
        return url.path
    }

    func testRegistry_readsTransportKeys() throws {
        let ca = try file("ca.pem")
        let certificate = try file("client.pem")
        let key = try file("client.key")
        let configuration = try decode(
            #"{"registries":{"reg.example":{"tls_verify":false,"ca_file":"\#(ca)","client_cert":"\#(certificate)","client_key":"\#(key)","fetcher":"skopeo"}}}"#)
        let settings = configuration.settings(for: "reg.example")

        XCTAssertFalse(settings.tlsVerify)
        XCTAssertEqual(settings.caFile, ca)
        XCTAssertEqual(settings.clientCertificateFile, certificate)
        XCTAssertEqual(settings.clientKeyFile, key)
        XCTAssertEqual(settings.fetcher, .skopeo)
    }

    func testRegistry_defaultsToVerifiedOCI() throws {
        let settings = try decode(#"{"registries":{"reg.example":{}}}"#).settings(for: "reg.example")

        XCTAssertTrue(settings.tlsVerify)
        XCTAssertNil(settings.caFile)
        XCTAssertEqual(settings.fetcher, .oci)
    }

    func testRegistry_rejectsMissingCAFile() {
        let missing = directory.appendingPathComponent("missing.pem").path

        XCTAssertThrowsError(try decode(#"{"registries":{"reg.example":{"ca_file":"\#(missing)"}}}"#)) {
            let message = ($0 as? ConfigurationError)?.message ?? ""
            XCTAssertTrue(message.contains("registries.reg.example.ca_file"), message)
            XCTAssertTrue(message.contains(missing), message)
        }
    }

    func testRegistry_rejectsCertificateWithoutKey() throws {
        let certificate = try file("client.pem")

        XCTAssertThrowsError(try decode(#"{"registries":{"reg.example":{"client_cert":"\#(certificate)"}}}"#)) {
            XCTAssertTrue(($0 as? ConfigurationError)?.message.contains("client_key") ?? false)
        }
    }

    func testRegistry_rejectsUnknownFetcher() {
        XCTAssertThrowsError(try decode(#"{"registries":{"reg.example":{"fetcher":"curl"}}}"#)) {
            XCTAssertTrue(($0 as? ConfigurationError)?.message.contains("\"curl\"") ?? false)
        }
    }

    func testFetcher_globalAppliesWhereEntryNamesNone() throws {
        let configuration = try decode(
            #"{"fetcher":"skopeo","registries":{"a.example":{},"b.example":{"fetcher":"oci"}}}"#)

        XCTAssertEqual(configuration.settings(for: "a.example").fetcher, .skopeo)
        XCTAssertEqual(configuration.settings(for: "b.example").fetcher, .oci)
        XCTAssertEqual(configuration.settings(for: "other.example").fetcher, .skopeo)
    }

    func testCredentials_decodeLikeAuths() throws {
        let configuration = try decode(
            #"{"credentials":{"https://index.docker.io/v1/":{"username":"hub","password":"pw"}}}"#)
        let resolver = CredentialResolver(configured: configuration.credentials, configurationSource: "test.json")

        let credential = try resolver.credential(for: ImageReference.parse("debian"))
        XCTAssertEqual(credential?.username, "hub")
        XCTAssertEqual(credential?.source, "test.json")
    }

    func testCredentials_rejectUnknownKeyWithoutValue() {
        XCTAssertThrowsError(try decode(#"{"credentials":{"reg.example":{"pasword":"topsecret"}}}"#)) {
            let message = ($0 as? ConfigurationError)?.message ?? ""
            XCTAssertTrue(message.contains("pasword"), message)
            XCTAssertFalse(message.contains("topsecret"), message)
        }
    }

    func testCredentials_rejectEntryWithoutSecret() {
        XCTAssertThrowsError(try decode(#"{"credentials":{"reg.example":{"username":"u"}}}"#))
    }
}
