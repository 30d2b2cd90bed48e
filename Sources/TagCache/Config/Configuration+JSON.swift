import Foundation

extension Configuration {
    /// Reads the JSON configuration file at `path`. Keys not listed in the README are an error naming the key.
    public static func load(path: String) throws(ConfigurationError) -> Configuration {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConfigurationError("cannot read configuration file \(path): \(error.localizedDescription)")
        }
        return try decode(data, source: path)
    }

    /// Decodes a configuration document. `source` names it in error messages.
    public static func decode(_ data: Data, source: String) throws(ConfigurationError) -> Configuration {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw ConfigurationError(
                "configuration file \(source) is not valid JSON: \(syntaxErrorDescription(error, in: data))")
        }
        let reader = JSONObjectReader(source: source, path: "")
        let object = try reader.object(root)

        var configuration = Configuration()
        try reader.rejectUnknownKeys(
            object,
            known: [
                "listen", "database", "cache", "registries", "credentials", "fetcher", "v2_page_size", "aliases",
                "admin_token",
            ])
        if let listen = try reader.string(object, "listen") {
            _ = try ListenAddress.parse(listen, source: "\(source): \"listen\"")
            configuration.listen = listen
        }
        if let database = try reader.string(object, "database") {
            guard !database.isEmpty else {
                throw ConfigurationError("\(source): \"database\" is empty; give the path of the SQLite file")
            }
            configuration.database = database
        }
        if let token = try reader.string(object, "admin_token") {
            guard token.utf8.count >= 16 else {
                throw ConfigurationError(
                    "\(source): \"admin_token\" is shorter than 16 bytes; use a long random value, such as the "
                        + "output of 'openssl rand -hex 32'")
            }
            configuration.adminToken = token
        }
        if let cache = object["cache"] {
            (configuration.cache, configuration.maintenance) = try decodeCache(cache, reader: reader.nested("cache"))
        }
        if let name = try reader.string(object, "fetcher") {
            configuration.defaultFetcher = try fetcherKind(name, reader: reader)
        }
        if let registries = object["registries"] {
            let registriesReader = reader.nested("registries")
            for (key, value) in try registriesReader.object(registries) {
                try validateRegistryKey(key, source: source)
                let entryReader = registriesReader.nested(key)
                let (override, connectionKeys) = try splitCacheOverride(value, reader: entryReader)
                if let override { configuration.cacheOverrides[key] = override }
                var settings = try decodeRegistry(connectionKeys, reader: entryReader)
                if (value as? [String: Any])?["fetcher"] == nil {
                    settings.fetcher = configuration.defaultFetcher
                }
                configuration.registries[key] = settings
            }
        }
        if let size = try reader.integer(object, "v2_page_size", range: 1...100_000) {
            configuration.v2PageSize = size
        }
        if let aliases = object["aliases"] {
            configuration.aliases = try decodeAliases(aliases, reader: reader.nested("aliases"))
        }
        if let credentials = object["credentials"] {
            configuration.credentials = try decodeCredentials(credentials, reader: reader.nested("credentials"))
        }
        return configuration
    }

    /// Decodes `aliases`: each key is one lowercase path component without `.` and other than `localhost`, so
    /// that no alias reads as a registry, and each value is a registry as `registries` keys write it.
    private static func decodeAliases(
        _ value: Any, reader: JSONObjectReader
    ) throws(ConfigurationError) -> [String: String] {
        var aliases: [String: String] = [:]
        for (alias, target) in try reader.object(value) {
            guard isAliasName(alias) else {
                throw ConfigurationError(
                    "\(reader.source): alias \"\(alias)\" is invalid; an alias is lowercase letters and digits with "
                        + "inner \"-\" or \"_\", not \"localhost\", such as \"local\" or \"mirror-1\"")
            }
            guard let registry = target as? String else {
                throw ConfigurationError("\(reader.source): \"\(reader.qualified(alias))\" must be a string")
            }
            try validateRegistryKey(registry, source: "\(reader.source): \"\(reader.qualified(alias))\"")
            aliases[alias] = registry
        }
        return aliases
    }

    private static func isAliasName(_ name: String) -> Bool {
        let scalars = name.unicodeScalars
        guard name != "localhost", let first = scalars.first, let last = scalars.last else {
            return false
        }
        let isLowerAlphanumeric = { (scalar: Unicode.Scalar) in
            ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar)
        }
        return isLowerAlphanumeric(first) && isLowerAlphanumeric(last)
            && scalars.allSatisfy { isLowerAlphanumeric($0) || $0 == "-" || $0 == "_" }
    }

    /// Decodes the `credentials` object. Error messages name keys only, never a value.
    private static func decodeCredentials(
        _ value: Any, reader: JSONObjectReader
    ) throws(ConfigurationError) -> AuthEntries {
        var entries: [String: AuthEntries.Entry] = [:]
        for (key, value) in try reader.object(value) {
            let entryReader = reader.nested(key)
            let object = try entryReader.object(value)
            try entryReader.rejectUnknownKeys(object, known: ["auth", "username", "password", "identitytoken"])
            let entry = AuthEntries.Entry(
                auth: try entryReader.string(object, "auth"), username: try entryReader.string(object, "username"),
                password: try entryReader.string(object, "password"),
                identitytoken: try entryReader.string(object, "identitytoken"))
            guard entry.hasSecret else {
                throw ConfigurationError(
                    "\(reader.source): \"\(entryReader.path)\" has no auth, password or identitytoken; add one or "
                        + "remove the entry")
            }
            entries[key] = entry
        }
        return AuthEntries(entries)
    }

    private static func decodeCache(
        _ value: Any, reader: JSONObjectReader
    ) throws(ConfigurationError) -> (CachePolicy, CacheMaintenance) {
        let object = try reader.object(value)
        try reader.rejectUnknownKeys(
            object,
            known: [
                "ttl", "stale_while_revalidate", "stale_if_error", "negative_ttl", "refresh_ahead", "inactive",
                "max_entries",
            ])
        var policy = CachePolicy()
        if let ttl = try reader.duration(object, "ttl") { policy.ttl = ttl }
        if let window = try reader.duration(object, "stale_while_revalidate") { policy.staleWhileRevalidate = window }
        if let window = try reader.duration(object, "stale_if_error") { policy.staleIfError = window }
        if let ttl = try reader.duration(object, "negative_ttl") { policy.negativeTTL = ttl }

        var maintenance = CacheMaintenance()
        if let lead = try reader.duration(object, "refresh_ahead") { maintenance.refreshAhead = lead }
        if let inactive = try reader.duration(object, "inactive", minimum: 1) { maintenance.inactive = inactive }
        if let maxEntries = try reader.integer(object, "max_entries", range: 1...1_000_000_000) {
            maintenance.maxEntries = maxEntries
        }
        return (policy, maintenance)
    }

    private static func decodeRegistry(
        _ value: Any, reader: JSONObjectReader
    ) throws(ConfigurationError) -> RegistrySettings {
        let object = try reader.object(value)
        try reader.rejectUnknownKeys(
            object,
            known: [
                "plain_http", "allow", "connect_timeout", "request_timeout", "page_size", "max_pages",
                "max_page_bytes", "tls_verify", "ca_file", "client_cert", "client_key", "fetcher", "concurrency",
                "rate",
            ])
        var settings = RegistrySettings()
        if let plainHTTP = try reader.bool(object, "plain_http") { settings.plainHTTP = plainHTTP }
        if let allow = try reader.bool(object, "allow") { settings.allow = allow }
        if let timeout = try reader.duration(object, "connect_timeout", minimum: 1) {
            settings.connectTimeout = Double(timeout)
        }
        if let timeout = try reader.duration(object, "request_timeout", minimum: 1) {
            settings.requestTimeout = Double(timeout)
        }
        if let size = try reader.integer(object, "page_size", range: 1...100_000) { settings.pageSize = size }
        if let pages = try reader.integer(object, "max_pages", range: 1...1_000_000) { settings.maxPages = pages }
        if let bytes = try reader.integer(object, "max_page_bytes", range: 1024...(1 << 30)) {
            settings.maxPageBytes = bytes
        }
        if let concurrency = try reader.integer(object, "concurrency", range: 1...1000) {
            settings.concurrency = concurrency
        }
        if let rate = try reader.number(object, "rate", range: 0...100_000) { settings.rate = rate }
        try decodeTransport(object, reader: reader, into: &settings)
        return settings
    }

    /// Decodes `tls_verify`, `ca_file`, `client_cert`, `client_key` and `fetcher`. Files must exist and be
    /// readable now, so a typo fails at start rather than at the first fetch.
    private static func decodeTransport(
        _ object: [String: Any], reader: JSONObjectReader, into settings: inout RegistrySettings
    ) throws(ConfigurationError) {
        if let verify = try reader.bool(object, "tls_verify") { settings.tlsVerify = verify }
        settings.caFile = try reader.readableFile(object, "ca_file")
        settings.clientCertificateFile = try reader.readableFile(object, "client_cert")
        settings.clientKeyFile = try reader.readableFile(object, "client_key")
        if (settings.clientCertificateFile == nil) != (settings.clientKeyFile == nil) {
            throw ConfigurationError(
                "\(reader.source): \"\(reader.path)\" sets only one of client_cert and client_key; give both, the "
                    + "PEM certificate and its private key")
        }
        if let name = try reader.string(object, "fetcher") {
            settings.fetcher = try fetcherKind(name, reader: reader)
        }
    }

    private static func fetcherKind(_ name: String, reader: JSONObjectReader) throws(ConfigurationError) -> FetcherKind {
        guard let fetcher = FetcherKind(rawValue: name) else {
            throw ConfigurationError(
                "\(reader.source): \"\(reader.qualified("fetcher"))\" is \"\(name)\"; use \"oci\" or \"skopeo\"")
        }
        return fetcher
    }

    /// Checks that a `registries` key is a registry as references write it: `HOST` or `HOST:PORT`.
    public static func validateRegistryKey(_ key: String, source: String) throws(ConfigurationError) {
        let probe: ImageReference
        do {
            probe = try ImageReference.parse(key + "/probe")
        } catch {
            throw ConfigurationError(
                "\(source): registries key \"\(key)\" is not a registry address; write HOST or HOST:PORT, "
                    + "such as \"registry.example.com\" or \"127.0.0.1:5000\"")
        }
        guard probe.registry == key else {
            throw ConfigurationError(
                "\(source): registries key \"\(key)\" names no registry (a registry contains a dot or a port, or "
                    + "is localhost); write HOST or HOST:PORT, such as \"registry.example.com\" or \"127.0.0.1:5000\"")
        }
    }
}

/// Returns what JSONSerialization reports about a syntax error, with the line and column added.
///
/// Foundation on Linux writes the place only as "around character N", a byte offset, in the debug description.
private func syntaxErrorDescription(_ error: Error, in data: Data) -> String {
    guard var detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String else {
        return error.localizedDescription
    }
    let marker = "around character "
    guard let range = detail.range(of: marker) else { return detail }
    let digits = detail[range.upperBound...].prefix { $0.isASCII && $0.isNumber }
    guard let offset = Int(digits), offset <= data.count else { return detail }

    var line = 1
    var lineStart = 0
    for (index, byte) in data.prefix(offset).enumerated() where byte == UInt8(ascii: "\n") {
        line += 1
        lineStart = index + 1
    }
    if detail.hasSuffix(".") { detail.removeLast() }
    return "\(detail) (line \(line), column \(offset - lineStart + 1))"
}

/// Reads typed values out of a decoded JSON object, naming the dotted key path in every error.
struct JSONObjectReader {
    let source: String
    let path: String

    func nested(_ key: String) -> JSONObjectReader {
        JSONObjectReader(source: source, path: qualified(key))
    }

    func qualified(_ key: String) -> String {
        path.isEmpty ? key : path + "." + key
    }

    func object(_ value: Any) throws(ConfigurationError) -> [String: Any] {
        guard let object = value as? [String: Any] else {
            let place = path.isEmpty ? "the top level" : "\"\(path)\""
            throw ConfigurationError("\(source): \(place) must be a JSON object")
        }
        return object
    }

    func rejectUnknownKeys(_ object: [String: Any], known: [String]) throws(ConfigurationError) {
        for key in object.keys.sorted() where !known.contains(key) {
            throw ConfigurationError(
                "\(source): unknown key \"\(qualified(key))\"; valid keys here are \(known.joined(separator: ", "))")
        }
    }

    func string(_ object: [String: Any], _ key: String) throws(ConfigurationError) -> String? {
        guard let value = object[key] else { return nil }
        guard let text = value as? String else {
            throw ConfigurationError(
                "\(source): \"\(qualified(key))\" must be a string in quotes, got \(Self.describe(value))")
        }
        return text
    }

    func bool(_ object: [String: Any], _ key: String) throws(ConfigurationError) -> Bool? {
        guard let value = object[key] else { return nil }
        // JSONSerialization decodes true/false and 0/1 alike as NSNumber; only real booleans are accepted.
        guard let number = value as? NSNumber, number.isJSONBoolean else {
            throw ConfigurationError(
                "\(source): \"\(qualified(key))\" must be true or false, got \(Self.describe(value))"
                    + (value is String ? "; write it without quotes" : ""))
        }
        return number.boolValue
    }

    func integer(_ object: [String: Any], _ key: String, range: ClosedRange<Int>) throws(ConfigurationError) -> Int? {
        guard let value = object[key] else { return nil }
        guard let number = value as? NSNumber, !number.isJSONBoolean,
            let integer = Int(exactly: number.doubleValue), range.contains(integer)
        else {
            throw ConfigurationError(
                "\(source): \"\(qualified(key))\" must be an integer from \(range.lowerBound) to \(range.upperBound), "
                    + "got \(Self.describe(value))\(value is String ? "; write numbers without quotes" : "")")
        }
        return integer
    }

    func number(_ object: [String: Any], _ key: String, range: ClosedRange<Double>) throws(ConfigurationError) -> Double? {
        guard let value = object[key] else { return nil }
        guard let number = value as? NSNumber, !number.isJSONBoolean, range.contains(number.doubleValue) else {
            throw ConfigurationError(
                "\(source): \"\(qualified(key))\" must be a number from \(range.lowerBound) to \(range.upperBound), "
                    + "got \(Self.describe(value))\(value is String ? "; write numbers without quotes" : "")")
        }
        return number.doubleValue
    }

    /// Returns `value` as a message shows it: a number as written, a string in quotes with its type named, so
    /// that `"10"` where a number belongs is recognisable.
    static func describe(_ value: Any) -> String {
        switch value {
        case let text as String:
            return "the string \"\(text)\""
        case let number as NSNumber where number.isJSONBoolean:
            return number.boolValue ? "true" : "false"
        case let number as NSNumber:
            return "\(number)"
        case is NSNull:
            return "null"
        case is [Any]:
            return "an array"
        case is [String: Any]:
            return "an object"
        default:
            return "\(value)"
        }
    }

    /// Reads a path that must name a readable regular file.
    func readableFile(_ object: [String: Any], _ key: String) throws(ConfigurationError) -> String? {
        guard let path = try string(object, key) else { return nil }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw ConfigurationError("\(source): \"\(qualified(key))\" is \(path), which does not exist or is a directory")
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw ConfigurationError(
                "\(source): \"\(qualified(key))\" is \(path), which tagcache cannot read; check its permissions")
        }
        return path
    }

    /// Reads a duration string such as `"10m"` into seconds.
    func duration(_ object: [String: Any], _ key: String, minimum: Int = 0) throws(ConfigurationError) -> Int? {
        guard let text = try string(object, key) else { return nil }
        let seconds: Int
        do {
            seconds = try DurationParser.parse(text)
        } catch {
            throw ConfigurationError("\(source): \"\(qualified(key))\": \(error.message)")
        }
        guard seconds >= minimum else {
            throw ConfigurationError(
                "\(source): \"\(qualified(key))\" is \(text); it must be at least \(DurationParser.format(minimum))")
        }
        return seconds
    }
}

extension NSNumber {
    /// Whether JSONSerialization made this number from `true` or `false`; those carry the C type `char`.
    fileprivate var isJSONBoolean: Bool {
        String(cString: objCType) == "c"
    }
}
