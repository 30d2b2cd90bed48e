import Foundation
import XCTest

@testable import TagCache

final class TagQueryTests: XCTestCase {
    /// Tags of the kinds real repositories carry: releases, pre-releases, variants, dates, hashes, names.
    private static let tags = [
        "latest", "stable", "edge", "nightly", "main", "1.9.0", "1.10.0", "1.9.1", "1.10.0-rc1", "1.10.0-rc.2",
        "1.10.0-beta.1", "1.10.0-alpine", "1.10.0-bookworm", "17.2-alpine", "17.11-alpine", "17.2", "17.11", "17",
        "17-alpine", "26-modular", "26", "v2.0.0-beta.1", "v2.0.0", "v2.0.0-alpha", "2.0.0-rc.1", "20240115",
        "2024-01-15", "20231201", "sha-1a2b3c4", "a1b2c3d", "3.12.1-slim-bookworm", "3.12.1", "3.12", "3",
        "3.12.1-slim", "0.1.0-SNAPSHOT", "0.1.0", "1.0.0-M1", "1.0.0", "1.0.0+build.5", "5.0.0-preview.3",
        "5.0.0-dev", "1.2.3.4", "1.2.3.4.5", "ubuntu-22.04", "1.0", "1.0.0-rc.10", "1.0.0-rc.2",
    ]

    private static let lexicalAscending = [
        "0.1.0", "0.1.0-SNAPSHOT", "1.0", "1.0.0", "1.0.0+build.5", "1.0.0-M1", "1.0.0-rc.10", "1.0.0-rc.2",
        "1.10.0", "1.10.0-alpine", "1.10.0-beta.1", "1.10.0-bookworm", "1.10.0-rc.2", "1.10.0-rc1", "1.2.3.4",
        "1.2.3.4.5", "1.9.0", "1.9.1", "17", "17-alpine", "17.11", "17.11-alpine", "17.2", "17.2-alpine",
        "2.0.0-rc.1", "20231201", "2024-01-15", "20240115", "26", "26-modular", "3", "3.12", "3.12.1",
        "3.12.1-slim", "3.12.1-slim-bookworm", "5.0.0-dev", "5.0.0-preview.3", "a1b2c3d", "edge", "latest", "main",
        "nightly", "sha-1a2b3c4", "stable", "ubuntu-22.04", "v2.0.0", "v2.0.0-alpha", "v2.0.0-beta.1",
    ]

    private static let semverVersionsAscending = [
        "0.1.0-SNAPSHOT", "0.1.0", "1.0", "1.0.0-M1", "1.0.0-rc.2", "1.0.0-rc.10", "1.0.0", "1.0.0+build.5",
        "1.2.3.4", "1.9.0", "1.9.1", "1.10.0-beta.1", "1.10.0-rc.2", "1.10.0-rc1", "1.10.0", "1.10.0-alpine",
        "1.10.0-bookworm", "v2.0.0-alpha", "v2.0.0-beta.1", "2.0.0-rc.1", "v2.0.0", "3", "3.12", "3.12.1",
        "3.12.1-slim", "3.12.1-slim-bookworm", "5.0.0-dev", "5.0.0-preview.3", "17", "17-alpine", "17.2",
        "17.2-alpine", "17.11", "17.11-alpine", "26", "26-modular", "2024-01-15", "20231201", "20240115",
    ]

    private static let semverOthers = [
        "1.2.3.4.5", "a1b2c3d", "edge", "latest", "main", "nightly", "sha-1a2b3c4", "stable", "ubuntu-22.04",
    ]

    private static let numericAscending = [
        "0.1.0", "0.1.0-SNAPSHOT", "1.0", "1.0.0", "1.0.0+build.5", "1.0.0-M1", "1.0.0-rc.2", "1.0.0-rc.10",
        "1.2.3.4", "1.2.3.4.5", "1.9.0", "1.9.1", "1.10.0", "1.10.0-alpine", "1.10.0-beta.1", "1.10.0-bookworm",
        "1.10.0-rc1", "1.10.0-rc.2", "2.0.0-rc.1", "3", "3.12", "3.12.1", "3.12.1-slim", "3.12.1-slim-bookworm",
        "5.0.0-dev", "5.0.0-preview.3", "17", "17-alpine", "17.2", "17.2-alpine", "17.11", "17.11-alpine", "26",
        "26-modular", "2024-01-15", "20231201", "20240115", "a1b2c3d", "edge", "latest", "main", "nightly",
        "sha-1a2b3c4", "stable", "ubuntu-22.04", "v2.0.0", "v2.0.0-alpha", "v2.0.0-beta.1",
    ]

    private func sorted(_ sort: TagQuery.Sort, _ order: TagQuery.Order, _ tags: [String] = tags) -> [String] {
        var query = TagQuery()
        query.sort = sort
        query.order = order
        return query.apply(to: tags.shuffled())
    }

    func testTable_hasEveryTagOnce() {
        XCTAssertGreaterThanOrEqual(Self.tags.count, 40)
        XCTAssertEqual(Set(Self.tags).count, Self.tags.count)
        XCTAssertEqual(Set(Self.semverVersionsAscending + Self.semverOthers), Set(Self.tags))
        XCTAssertEqual(Self.semverVersionsAscending.count + Self.semverOthers.count, Self.tags.count)
    }

    func testLexical_ascendingAndDescending() {
        XCTAssertEqual(sorted(.lexical, .asc), Self.lexicalAscending)
        XCTAssertEqual(sorted(.lexical, .desc), Self.lexicalAscending.reversed())
    }

    func testSemver_ascending() {
        XCTAssertEqual(sorted(.semver, .asc), Self.semverVersionsAscending + Self.semverOthers)
    }

    func testSemver_descendingKeepsNonVersionsLast() {
        XCTAssertEqual(sorted(.semver, .desc), Self.semverVersionsAscending.reversed() + Self.semverOthers)
    }

    func testNumeric_ascendingAndDescending() {
        XCTAssertEqual(sorted(.numeric, .asc), Self.numericAscending)
        XCTAssertEqual(sorted(.numeric, .desc), Self.numericAscending.reversed())
    }

    func testSemver_preReleaseWords() {
        let cases: [(tag: String, isPreRelease: Bool)] = [
            ("1.0-alpha", true), ("1.0-beta2", true), ("1.0-RC.1", true), ("1.0-pre", true), ("1.0-preview.1", true),
            ("1.0-dev", true), ("1.0-snapshot", true), ("1.0-m3", true), ("1.0-alpine", false), ("1.0-devel", false),
            ("1.0-mysql", false), ("1.0-m", false), ("1.0-bookworm", false), ("1.0+rc1", true),
        ]
        for (tag, isPreRelease) in cases {
            let order = sorted(.semver, .asc, [tag, "1.0"])
            XCTAssertEqual(order.first == tag, isPreRelease, "\(tag): \(order)")
        }
    }

    func testSemver_largeNumbersCompareByValue() {
        XCTAssertEqual(
            sorted(.semver, .asc, ["99999999999999999999999", "100000000000000000000000", "9"]),
            ["9", "99999999999999999999999", "100000000000000000000000"])
    }

    func testInclude_matchesWholeTag() throws {
        var query = TagQuery()
        try query.setInclude("1\\.10\\.0")

        XCTAssertEqual(query.apply(to: Self.tags), ["1.10.0"])
    }

    func testIncludeAndExclude_combine() throws {
        var query = TagQuery()
        try query.setInclude("17.*")
        try query.setExclude(".*-alpine")

        XCTAssertEqual(query.apply(to: Self.tags), ["17", "17.11", "17.2"])
    }

    func testInclude_invalidExpressionNamesIt() {
        var query = TagQuery()

        XCTAssertThrowsError(try query.setInclude("(1.0")) { error in
            let queryError = error as? QueryError
            XCTAssertEqual(queryError?.parameter, "include")
            XCTAssertTrue(queryError?.message.contains("\"(1.0\"") == true, "\(error)")
        }
    }

    func testExclude_backreferenceIsRejected() {
        var query = TagQuery()

        XCTAssertThrowsError(try query.setExclude("(a)\\1")) { error in
            XCTAssertEqual((error as? QueryError)?.parameter, "exclude")
        }
    }

    func testInclude_tooLongIsRejected() {
        var query = TagQuery()
        let pattern = String(repeating: "a", count: TagPattern.maximumLength + 1)

        XCTAssertThrowsError(try query.setInclude(pattern)) { error in
            XCTAssertTrue("\(error)".contains("maximum is \(TagPattern.maximumLength)"), "\(error)")
        }
    }

    func testInclude_pathologicalPatternIsFast() throws {
        var query = TagQuery()
        try query.setInclude("(a+)+b")
        let tag = String(repeating: "a", count: 120)

        let started = Date()
        let result = query.apply(to: [tag])

        XCTAssertEqual(result, [])
        XCTAssertLessThan(Date().timeIntervalSince(started), 1)
    }

    func testHideSignatures_dropsSignatureTags() {
        let digest = String(repeating: "0123456789abcdef", count: 4)
        var query = TagQuery()
        query.hideSignatures = true

        let result = query.apply(to: [
            "sha256-\(digest).sig", "sha256-\(digest).att", "sha256-\(digest).sbom", "sha256-\(digest)",
            "sha256-\(digest).txt", "sha256-\(digest.uppercased()).sig", "1.0",
        ])

        XCTAssertEqual(result, ["1.0", "sha256-\(digest.uppercased()).sig", "sha256-\(digest)", "sha256-\(digest).txt"])
    }

    func testLimit_cutsAfterSorting() throws {
        var query = TagQuery()
        query.sort = .semver
        query.order = .desc
        try query.setLimit("3")

        XCTAssertEqual(query.apply(to: Self.tags), ["20240115", "20231201", "2024-01-15"])
    }

    func testLimit_negativeIsRejected() {
        var query = TagQuery()

        XCTAssertThrowsError(try query.setLimit("-1")) { error in
            XCTAssertEqual((error as? QueryError)?.parameter, "limit")
        }
    }

    func testFirstSeen_ordersByTimeThenBytes() {
        var query = TagQuery()
        query.sort = .firstSeen
        let times: [String: Date] = [
            "b": Date(timeIntervalSince1970: 100), "a": Date(timeIntervalSince1970: 200),
            "c": Date(timeIntervalSince1970: 100),
        ]

        XCTAssertEqual(query.apply(to: ["a", "b", "c"], firstSeen: times), ["b", "c", "a"])
        query.order = .desc
        XCTAssertEqual(query.apply(to: ["a", "b", "c"], firstSeen: times), ["a", "c", "b"])
    }
}
