// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "tagcache",
    products: [
        .executable(name: "tagcache", targets: ["tagcache"]),
        .library(name: "TagCache", targets: ["TagCache"]),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .systemLibrary(
            name: "CMicroHTTPD",
            pkgConfig: "libmicrohttpd",
            providers: [.apt(["libmicrohttpd-dev"])]
        ),
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // A C interface to RE2 (libre2-dev), whose matching time is linear in the input, for the include and
        // exclude expressions that users send.
        .target(
            name: "CRE2",
            linkerSettings: [.linkedLibrary("re2")]
        ),
        // Turns Migrations/*.sql into Swift source at build time, so the binary carries its schema and
        // Migrations/ stays the only copy of it.
        .executableTarget(name: "MigrationEmbedder"),
        .plugin(
            name: "EmbedMigrations",
            capability: .buildTool(),
            dependencies: ["MigrationEmbedder"]
        ),
        .target(
            name: "TagCache",
            dependencies: ["CSQLite", "CMicroHTTPD", "CCurl", "CRE2"],
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: ["EmbedMigrations"]
        ),
        .executableTarget(
            name: "tagcache",
            dependencies: ["TagCache"],
            swiftSettings: [.swiftLanguageMode(.v6), .unsafeFlags(["-static-stdlib"], .when(configuration: .release))],
            // A release binary carries the Swift runtime and Foundation instead of loading 14 shared
            // libraries and resolving their symbols at every start, which a short `list-tags` run pays for.
            // Debug builds keep the shared libraries, because the test bundle links this target too and loads
            // XCTest with the shared runtime.
            linkerSettings: [.unsafeFlags(["-static-stdlib"], .when(configuration: .release))]
        ),
        .testTarget(
            name: "TagCacheTests",
            dependencies: ["TagCache", "tagcache"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
