import TagCache

/// A command-line mistake: printed as one line, exit status 2.
struct UsageError: Error {
    let message: String
}

/// Reads options of the forms `--name value` and `--name=value`, and positional arguments, in order.
struct Arguments {
    private var remaining: [String]
    let command: String

    init(_ arguments: [String], command: String) {
        self.remaining = arguments
        self.command = command
    }

    /// Removes the next argument and returns it split into option name and inline value, or nil at the end.
    mutating func next() -> (name: String, inlineValue: String?)? {
        guard !remaining.isEmpty else { return nil }
        let argument = remaining.removeFirst()
        if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
            return (String(argument[..<equals]), String(argument[argument.index(after: equals)...]))
        }
        return (argument, nil)
    }

    /// The value of option `name`: its inline value or the next argument.
    mutating func value(of name: String, inline: String?) throws(UsageError) -> String {
        if let inline { return inline }
        guard !remaining.isEmpty else {
            throw UsageError(message: "option \(name) needs a value; run 'tagcache \(command) --help' for the options")
        }
        return remaining.removeFirst()
    }

    func unknownOption(_ name: String) -> UsageError {
        UsageError(message: "unknown option \(name); run 'tagcache \(command) --help' for the options")
    }

    /// Reads a boolean flag that may stand alone (true) or carry `=true` or `=false`, as skopeo's flags do.
    func boolean(_ name: String, inline: String?) throws(UsageError) -> Bool {
        switch inline {
        case nil, "true": return true
        case "false": return false
        case let value?:
            throw UsageError(message: "\(name) takes true or false, got \"\(value)\"; write \(name)=false")
        }
    }

    func duration(_ text: String, option: String) throws(UsageError) -> Int {
        do {
            return try DurationParser.parse(text)
        } catch {
            throw UsageError(message: "\(option): \(error.message)")
        }
    }
}

/// Options that `serve` and `list-tags` share: where the cache lives and how registries are reached.
struct CommonOptions {
    var configPath: String?
    var database: String?
    var authFile: String?
    var insecureRegistries: [String] = []
    var ttl: Int?
    var staleWhileRevalidate: Int?
    var staleIfError: Int?

    static let help = """
          --config FILE                  JSON configuration file (see the README for its keys)
          --database PATH                SQLite database file (default $XDG_STATE_HOME/tagcache/cache.sqlite)
          --authfile PATH                auth.json with registry credentials, read instead of skopeo's
                                         default files ($REGISTRY_AUTH_FILE, containers/auth.json,
                                         ~/.docker/config.json)
          --insecure-registry HOST[:PORT]
                                         reach this registry over plain HTTP and allow its address,
                                         also when it is loopback or private; repeatable
          --ttl DURATION                 how long a fetched list is fresh (default 10m)
          --stale-while-revalidate DURATION
                                         how long after expiry a list is answered while it is refreshed
                                         in the background (default 24h)
          --stale-if-error DURATION      how long after expiry a list is answered when the registry
                                         fails (default 30d)
        """

    static let durationNote = "Durations are whole numbers with units s, m, h, d: 45s, 10m, 1h30m, 30d."

    /// Consumes `name` if it is one of these options; returns false for any other name.
    mutating func accept(_ name: String, inline: String?, from arguments: inout Arguments) throws(UsageError) -> Bool {
        switch name {
        case "--config":
            configPath = try arguments.value(of: name, inline: inline)
        case "--database":
            database = try arguments.value(of: name, inline: inline)
        case "--authfile":
            authFile = try arguments.value(of: name, inline: inline)
        case "--insecure-registry":
            let registry = try arguments.value(of: name, inline: inline)
            do {
                try Configuration.validateRegistryKey(registry, source: "--insecure-registry")
            } catch {
                throw UsageError(message: error.message)
            }
            insecureRegistries.append(registry)
        case "--ttl":
            ttl = try arguments.duration(try arguments.value(of: name, inline: inline), option: name)
        case "--stale-while-revalidate":
            staleWhileRevalidate = try arguments.duration(try arguments.value(of: name, inline: inline), option: name)
        case "--stale-if-error":
            staleIfError = try arguments.duration(try arguments.value(of: name, inline: inline), option: name)
        default:
            return false
        }
        return true
    }

    /// Builds the credential lookup from `--authfile`, the configuration's `credentials` and the environment.
    func credentialResolver(
        configuration: Configuration, explicit: RegistryCredential? = nil, isDisabled: Bool = false
    ) -> CredentialResolver {
        CredentialResolver(
            explicit: explicit, authFile: authFile, configured: configuration.credentials,
            configurationSource: configPath ?? "the configuration file",
            standardFiles: CredentialResolver.standardFiles(), isDisabled: isDisabled)
    }

    /// Loads the configuration file, if any, and applies these options on top.
    func configuration() throws(ConfigurationError) -> Configuration {
        var configuration = try configPath.map { path throws(ConfigurationError) in
            try Configuration.load(path: path)
        } ?? Configuration()
        if let database { configuration.database = database }
        if let ttl { configuration.cache.ttl = ttl }
        if let staleWhileRevalidate { configuration.cache.staleWhileRevalidate = staleWhileRevalidate }
        if let staleIfError { configuration.cache.staleIfError = staleIfError }
        for registry in insecureRegistries {
            configuration.addInsecureRegistry(registry)
        }
        return configuration
    }
}
