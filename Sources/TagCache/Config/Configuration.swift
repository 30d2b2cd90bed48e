import Foundation

/// tagcache's settings: the JSON configuration file, defaults, and command-line overrides on top.
public struct Configuration: Sendable, Equatable {
    public static let defaultListen = "127.0.0.1:8780"
    public static let defaultV2PageSize = 1000

    /// Address the service listens on, `HOST:PORT` or `[IPv6]:PORT`.
    public var listen: String = Configuration.defaultListen

    /// Path of the SQLite database; nil means `defaultDatabasePath()`.
    public var database: String?

    /// Freshness windows of every registry without an override in `cacheOverrides`.
    public var cache = CachePolicy()

    /// Freshness windows set in `registries` entries, keyed like `registries`.
    public var cacheOverrides: [String: CachePolicyOverride] = [:]

    public var maintenance = CacheMaintenance()

    /// Bearer token that `POST /v1/refresh` and `DELETE /v1/tags` require when the service listens on a
    /// non-loopback address; nil disables those routes there.
    public var adminToken: String?

    /// Settings per registry, keyed as references write the registry: `HOST` or `HOST:PORT`.
    public var registries: [String: RegistrySettings] = [:]

    /// Tags per `/v2/<name>/tags/list` page when the request gives no `n`.
    public var v2PageSize: Int = Configuration.defaultV2PageSize

    /// Names that stand for a registry as the first component of a `/v2/` repository name, mapped to the
    /// registry as references write it (`HOST` or `HOST:PORT`).
    public var aliases: [String: String] = [:]

    /// The fetcher of registries whose entry names none, and of registries without an entry.
    public var defaultFetcher: FetcherKind = .oci

    /// Credentials by registry or registry and namespace, written like the `auths` of an auth.json.
    public var credentials = AuthEntries()

    public init() {}

    /// Returns the settings of `registry`: its entry, or the defaults.
    public func settings(for registry: String) -> RegistrySettings {
        if let settings = registries[registry] {
            return settings
        }
        var settings = RegistrySettings()
        settings.fetcher = defaultFetcher
        return settings
    }

    /// Returns the freshness windows of `registry`: `cache` with its `registries` entry's overrides applied.
    public func cachePolicy(for registry: String) -> CachePolicy {
        cacheOverrides[registry]?.applied(to: cache) ?? cache
    }

    /// Marks `registry` as reached over plain HTTP and allowed under the access policy, as `--insecure-registry`
    /// does, keeping its other settings.
    public mutating func addInsecureRegistry(_ registry: String) {
        var settings = self.settings(for: registry)
        settings.plainHTTP = true
        settings.allow = true
        registries[registry] = settings
    }

    /// The database path in effect: `database`, or `$XDG_STATE_HOME/tagcache/cache.sqlite`, where
    /// `XDG_STATE_HOME` defaults to `~/.local/state`.
    public var databasePath: String {
        database ?? Configuration.defaultDatabasePath()
    }

    public static func defaultDatabasePath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let stateHome: String
        if let value = environment["XDG_STATE_HOME"], value.hasPrefix("/") {
            stateHome = value
        } else {
            let home = environment["HOME"] ?? NSHomeDirectory()
            stateHome = home + "/.local/state"
        }
        return stateHome + "/tagcache/cache.sqlite"
    }
}

/// A configuration file or option that cannot be used, with the value, the place and the fix.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
