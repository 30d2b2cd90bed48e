import Foundation
import XCTest
@testable import TagCache

final class ProxmoxReferencePatternTests: XCTestCase {
    /// The pattern of the `reference` parameter of Proxmox VE's `query-oci-repo-tags`, anchored with `^…$`.
    private static let pythonPattern =
        #"^(?:(?:[a-zA-Z\d]|[a-zA-Z\d][a-zA-Z\d-]*[a-zA-Z\d])(?:\.(?:[a-zA-Z\d]|[a-zA-Z\d][a-zA-Z\d-]*[a-zA-Z\d]))*"#
        + #"(?::\d+)?/)?[a-z\d]+(?:(?:[._]|__|[-]*)[a-z\d]+)*(?:/[a-z\d]+(?:(?:[._]|__|[-]*)[a-z\d]+)*)*$"#

    private struct Case {
        let input: String
        let proxmox: Bool
        let docker: Bool
        let line: UInt

        init(_ input: String, proxmox: Bool, docker: Bool, line: UInt = #line) {
            self.input = input
            self.proxmox = proxmox
            self.docker = docker
            self.line = line
        }
    }

    private static let cases: [Case] = [
        // Both accept
        Case("debian", proxmox: true, docker: true),
        Case("library/debian", proxmox: true, docker: true),
        Case("foo/bar", proxmox: true, docker: true),
        Case("a.b/c", proxmox: true, docker: true),
        Case("ghcr.io/org/app", proxmox: true, docker: true),
        Case("Host.Example:5000/a", proxmox: true, docker: true),
        Case("localhost/a", proxmox: true, docker: true),
        Case("localhost:5000/a", proxmox: true, docker: true),
        Case("127.0.0.1:5000/a", proxmox: true, docker: true),
        Case("a--b", proxmox: true, docker: true),
        Case("a-----b", proxmox: true, docker: true),
        Case("a__b", proxmox: true, docker: true),
        Case("a.b_c-d", proxmox: true, docker: true),
        Case("x-y.example/a/b/c", proxmox: true, docker: true),

        // Both reject
        Case("", proxmox: false, docker: false),
        Case("_a", proxmox: false, docker: false),
        Case("a_", proxmox: false, docker: false),
        Case("a..b", proxmox: false, docker: false),
        Case("a___b", proxmox: false, docker: false),
        Case("a._b", proxmox: false, docker: false),
        Case("a//b", proxmox: false, docker: false),
        Case("a/", proxmox: false, docker: false),
        Case("/a", proxmox: false, docker: false),
        Case("foo:tag", proxmox: false, docker: false),
        Case("foo/bar:tag", proxmox: false, docker: false),
        Case("foo@sha256:abcd", proxmox: false, docker: false),
        Case("ghcr.io/Org/app", proxmox: false, docker: false),
        Case("-a.example/b", proxmox: false, docker: false),
        Case("a-.example/b", proxmox: false, docker: false),
        Case("a b", proxmox: false, docker: false),
        Case("a/b/C", proxmox: false, docker: false),

        // Only docker accepts
        Case("[::1]:5000/a", proxmox: false, docker: true),
        Case("[::1]/a", proxmox: false, docker: true),
        Case("docker://debian", proxmox: false, docker: true),

        // Only Proxmox accepts: the first component as host name allows uppercase and any run of digits as port.
        Case("Foo/bar", proxmox: true, docker: false),
        Case("LOCALHOST/a", proxmox: true, docker: false),
        Case("host:0/a", proxmox: true, docker: false),
        Case("host:99999/a", proxmox: true, docker: false),
        Case("host:000000000080/a", proxmox: true, docker: false),
        Case(String(repeating: "a", count: 300), proxmox: true, docker: false),
        Case("debian\n", proxmox: true, docker: false),
        Case("\u{663}", proxmox: true, docker: false),
        Case("host:\u{663}/a", proxmox: true, docker: false),
    ]

    func testMatches_table() {
        for testCase in Self.cases {
            XCTAssertEqual(
                ProxmoxReferencePattern.matches(testCase.input),
                testCase.proxmox,
                "input \(testCase.input.debugDescription)",
                line: testCase.line
            )
        }
    }

    func testMatches_tableAgreesWithDockerParser() {
        for testCase in Self.cases {
            let accepted = (try? ImageReference.parse(testCase.input)) != nil
            XCTAssertEqual(accepted, testCase.docker, "input \(testCase.input.debugDescription)", line: testCase.line)
        }
    }

    func testMatches_trailingNewlineOnlyOnce() {
        XCTAssertFalse(ProxmoxReferencePattern.matches("debian\n\n"))
    }

    func testMatches_hugeAdversarialInputFinishes() {
        // Python's `re` about doubles its time with every extra "a" on this input (measured up to 20).
        let input = String(repeating: "a", count: 100_000) + "!"

        XCTAssertFalse(ProxmoxReferencePattern.matches(input))
    }

    func testMatches_tableAgreesWithPythonRe() throws {
        let inputs = Self.cases.map(\.input).filter { $0.count < 40 }

        let expected = try Self.pythonMatches(inputs)

        for (input, pythonResult) in zip(inputs, expected) {
            XCTAssertEqual(ProxmoxReferencePattern.matches(input), pythonResult, "input \(input.debugDescription)")
        }
    }

    func testMatches_randomInputsAgreeWithPythonRe() throws {
        var generator = SplitMix64(seed: 0x7A9C_AC4E)
        let inputs = (0..<5_000).map { _ in Self.randomCandidate(using: &generator) }

        let expected = try Self.pythonMatches(inputs)

        XCTAssertEqual(expected.count, inputs.count)
        var mismatches: [String] = []
        for (input, pythonResult) in zip(inputs, expected) where ProxmoxReferencePattern.matches(input) != pythonResult {
            mismatches.append("\(input.debugDescription) python=\(pythonResult)")
        }
        XCTAssertEqual(mismatches, [])

        // The generator must produce both outcomes often, or the comparison proves little.
        let matchCount = expected.filter { $0 }.count
        XCTAssertGreaterThan(matchCount, inputs.count / 10)
        XCTAssertGreaterThan(inputs.count - matchCount, inputs.count / 10)
    }

    /// Pieces that reach every branch of the pattern. Lowercase alphanumerics come more often, so that about
    /// one candidate in five matches.
    private static let alphanumericPieces = ["a", "b", "z", "ab", "0", "9", "80"]
    private static let otherPieces = [
        "A", "Q", "\u{663}", "\u{E9}", ".", "_", "__", "-", "--", ":", "/", "\n", " ", "[", "]", "@",
    ]

    /// Builds a candidate of at most 14 characters, because Python's backtracking `re` slows down
    /// exponentially on long runs of alphanumerics.
    private static func randomCandidate(using generator: inout SplitMix64) -> String {
        let count = Int.random(in: 1...9, using: &generator)
        var text = ""
        for _ in 0..<count {
            let pieces = Int.random(in: 0..<10, using: &generator) < 6 ? alphanumericPieces : otherPieces
            text += pieces.randomElement(using: &generator)!
        }
        return String(text.unicodeScalars.prefix(14))
    }

    /// Runs the pattern through Python's `re.match` on each input, exchanging JSON through temporary files.
    private static func pythonMatches(_ inputs: [String]) throws -> [Bool] {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("proxmox-pattern-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let inputFile = directory.appendingPathComponent("inputs.json")
        let outputFile = directory.appendingPathComponent("results.json")
        try JSONEncoder().encode(inputs).write(to: inputFile)

        let script = """
            import json, re, sys
            pattern = re.compile(sys.argv[1])
            inputs = json.load(open(sys.argv[2], encoding="utf-8"))
            json.dump([pattern.match(text) is not None for text in inputs], open(sys.argv[3], "w"))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, pythonPattern, inputFile.path, outputFile.path]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw PythonFailure(status: process.terminationStatus)
        }

        return try JSONDecoder().decode([Bool].self, from: Data(contentsOf: outputFile))
    }

    private struct PythonFailure: Error, CustomStringConvertible {
        let status: Int32

        var description: String { "python3 exited with status \(status); check that python3 is installed" }
    }
}

/// SplitMix64, a small seeded generator, so that every run checks the same inputs.
private struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}
