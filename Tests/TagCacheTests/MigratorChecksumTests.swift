import Foundation
import XCTest
@testable import TagCache

final class MigratorChecksumTests: XCTestCase {
    /// NIST's SHA-256 example messages. Python's hashlib.sha256 returns the same digests.
    func testSHA256_knownVectors() {
        XCTAssertEqual(
            SHA256.hexDigest(of: ""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        )
        XCTAssertEqual(
            SHA256.hexDigest(of: "abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        )
        XCTAssertEqual(
            SHA256.hexDigest(of: "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        )
        XCTAssertEqual(
            SHA256.hexDigest(
                of: "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrs"
                    + "mnopqrstnopqrstu"
            ),
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
        )
        XCTAssertEqual(
            SHA256.hexDigest(of: String(repeating: "a", count: 1_000_000)),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        )
    }

    func testSHA256_digestHas32Bytes() {
        XCTAssertEqual(SHA256.digest([UInt8]()).count, 32)
    }

    /// Lengths around the 55/56/64-byte padding boundaries decide whether padding needs a second block.
    func testSHA256_matchesSha256sumAcrossPaddingBoundaries() throws {
        let directory = try StoreTestDirectory.make(for: self)
        let lengths = Array(0...130) + [447, 448, 1_000, 4_095, 4_096, 65_537]
        var generator = SplitMix64(seed: 0x7461_6763_6163_6865)
        var files: [String] = []
        var expected: [String: String] = [:]
        for length in lengths {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            let path = directory.appending(path: "data-\(length)").path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            files.append(path)
            expected[path] = SHA256.hexDigest(of: bytes)
        }

        let output = try runSha256sum(files)

        var checked = 0
        for line in output.split(separator: "\n") {
            let fields = line.split(separator: " ", maxSplits: 1)
            let path = String(fields[1].drop { $0 == " " || $0 == "*" })
            XCTAssertEqual(expected[path], String(fields[0]), "length of \(path)")
            checked += 1
        }
        XCTAssertEqual(checked, lengths.count)
    }

    func testSHA256_embeddedMigrationMatchesSha256sum() throws {
        let migrationsDirectory = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appending(path: "Migrations")
        for migration in embeddedMigrations {
            let path = migrationsDirectory.appending(path: migration.name + ".sql").path
            let output = try runSha256sum([path])
            let printed = output.split(separator: " ").first.map(String.init)
            XCTAssertEqual(SHA256.hexDigest(of: migration.sql), printed, migration.name)
        }
    }

    private func runSha256sum(_ paths: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = paths
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        return String(decoding: data, as: UTF8.self)
    }
}

/// A small deterministic generator, so a failing length can be reproduced.
private struct SplitMix64 {
    var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
