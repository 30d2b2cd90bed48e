import XCTest
@testable import TagCache

final class AccessPolicyTests: XCTestCase {
    private func classify(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws
        -> AccessPolicy.AddressClass
    {
        let address = try XCTUnwrap(IPAddress(text), "invalid test address \(text)", file: file, line: line)
        return AccessPolicy.classify(address)
    }

    func testClassify_table() throws {
        let cases: [(String, AccessPolicy.AddressClass)] = [
            ("169.254.169.254", .metadata), ("fd00:ec2::254", .metadata), ("100.100.100.200", .metadata),
            ("::ffff:169.254.169.254", .metadata),
            ("0.0.0.0", .unspecified), ("0.1.2.3", .unspecified), ("::", .unspecified), ("::ffff:0.0.0.0", .unspecified),
            ("127.0.0.1", .loopback), ("127.255.255.254", .loopback), ("::1", .loopback), ("::ffff:127.0.0.1", .loopback),
            ("169.254.0.1", .linkLocal), ("169.254.255.255", .linkLocal), ("fe80::1", .linkLocal),
            ("febf:ffff::1", .linkLocal), ("::ffff:169.254.1.1", .linkLocal),
            ("10.0.0.1", .privateNetwork), ("10.255.255.255", .privateNetwork), ("172.16.0.1", .privateNetwork),
            ("172.31.255.255", .privateNetwork), ("192.168.1.1", .privateNetwork), ("100.64.0.1", .privateNetwork),
            ("100.127.255.255", .privateNetwork), ("fc00::1", .privateNetwork), ("fd12:3456::1", .privateNetwork),
            ("fec0::1", .privateNetwork), ("::ffff:10.1.2.3", .privateNetwork), ("64:ff9b::10.0.0.1", .privateNetwork),
            ("::192.168.0.1", .privateNetwork),
            ("224.0.0.1", .multicastOrReserved), ("255.255.255.255", .multicastOrReserved),
            ("ff02::1", .multicastOrReserved),
            ("8.8.8.8", .global), ("172.15.255.255", .global), ("172.32.0.0", .global), ("100.63.255.255", .global),
            ("100.128.0.0", .global), ("169.253.255.255", .global), ("11.0.0.0", .global), ("2001:db8::1", .global),
            ("2606:4700::1111", .global), ("fe00::1", .global), ("::ffff:8.8.8.8", .global),
            ("64:ff9b::8.8.8.8", .global),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(try classify(text), expected, "address: \(text)")
        }
    }

    func testCheck_rejectsMetadataEvenWhenAllowed() {
        let address = IPAddress("169.254.169.254")!
        XCTAssertThrowsError(
            try AccessPolicy.check([address], host: "169.254.169.254", registry: "169.254.169.254", allow: true)
        ) { error in
            XCTAssertEqual((error as? FetchError)?.kind, .registryNotAllowed)
            XCTAssertTrue((error as? FetchError)?.message.contains("cloud metadata") == true, "\(error)")
        }
    }

    func testCheck_rejectsLinkLocalAndUnspecified() {
        for text in ["fe80::1", "169.254.10.10", "0.0.0.0", "::"] {
            XCTAssertThrowsError(
                try AccessPolicy.check([IPAddress(text)!], host: text, registry: "r:5000", allow: true), text)
        }
    }

    func testCheck_rejectsPrivateWithoutAllowAndNamesFix() {
        let address = IPAddress("10.1.2.3")!
        XCTAssertThrowsError(try AccessPolicy.check([address], host: "10.1.2.3", registry: "10.1.2.3:5000", allow: false)) {
            error in
            let message = (error as? FetchError)?.message ?? ""
            XCTAssertEqual((error as? FetchError)?.kind, .registryNotAllowed)
            XCTAssertTrue(message.contains("10.1.2.3:5000"), message)
            XCTAssertTrue(message.contains("\"allow\": true"), message)
            XCTAssertTrue(message.contains("--insecure-registry 10.1.2.3:5000"), message)
        }
    }

    func testCheck_permitsPrivateAndLoopbackWhenAllowed() throws {
        let addresses = ["10.1.2.3", "127.0.0.1", "::1", "192.168.0.9"].map { IPAddress($0)! }
        XCTAssertNoThrow(try AccessPolicy.check(addresses, host: "r", registry: "r", allow: true))
    }

    func testCheck_permitsGlobalWithoutAllow() {
        XCTAssertNoThrow(try AccessPolicy.check([IPAddress("2001:db8::1")!], host: "r", registry: "r", allow: false))
    }

    func testCheck_rejectsWhenAnyAddressIsRejected() {
        let addresses = [IPAddress("2001:db8::1")!, IPAddress("127.0.0.1")!]
        XCTAssertThrowsError(try AccessPolicy.check(addresses, host: "mixed", registry: "mixed", allow: false)) { error in
            XCTAssertTrue((error as? FetchError)?.message.contains("host mixed resolves to 127.0.0.1") == true, "\(error)")
        }
    }

    func testCheckedAddresses_resolvesLocalhostToLoopback() throws {
        let addresses = try AccessPolicy.checkedAddresses(host: "localhost", port: 5000, registry: "localhost:5000", allow: true)
        XCTAssertFalse(addresses.isEmpty)
        for address in addresses {
            XCTAssertEqual(AccessPolicy.classify(address), .loopback, "\(address)")
        }
    }

    func testCheckedAddresses_rejectsLocalhostWithoutAllow() {
        XCTAssertThrowsError(
            try AccessPolicy.checkedAddresses(host: "localhost", port: 5000, registry: "localhost:5000", allow: false)
        ) { error in
            XCTAssertEqual((error as? FetchError)?.kind, .registryNotAllowed)
        }
    }

    func testCheckedAddresses_acceptsLiteral() throws {
        let addresses = try AccessPolicy.checkedAddresses(host: "::1", port: 5000, registry: "[::1]:5000", allow: true)
        XCTAssertEqual(addresses, [IPAddress("::1")!])
    }

    func testIPAddress_formatsCompressedIPv6() {
        XCTAssertEqual(IPAddress("fd00:0ec2:0:0:0:0:0:0254")?.description, "fd00:ec2::254")
        XCTAssertEqual(IPAddress("127.0.0.1")?.description, "127.0.0.1")
    }

    func testIPAddress_rejectsNonLiterals() {
        for text in ["localhost", "127.1", "[::1]", "1.2.3.4.5", "::1%lo", ""] {
            XCTAssertNil(IPAddress(text), text)
        }
    }
}
