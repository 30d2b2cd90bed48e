import Foundation
import TagCache

/// `tagcache status`: the contents of the cache database, read directly from the file.
enum StatusCommand {
    static let help = """
        Usage: tagcache status [OPTIONS]

        Prints every stored tag list with its tag count, times, reads and failures, and every repository whose
        first fetch failed or that its registry reported unknown. Reads the database directly, so it works while
        the service runs; reads the service counted in the last second or so may not be written yet.

        Times are relative to now: -30s is 30 seconds ago, +90s is in 90 seconds.

        Options:
          --json                         print the JSON document of GET /v1/repositories instead of a table
          --config FILE                  JSON configuration file, for its "database" key
          --database PATH                SQLite database file (default $XDG_STATE_HOME/tagcache/cache.sqlite)
          --server URL                   ask the tagcache service at URL (GET /v1/repositories) instead of
                                         reading the database; prints its JSON document
          --admin-token TOKEN            bearer token sent to the service, with --server
          -h, --help                     show this help
        """

    static func run(_ rawArguments: [String]) async throws -> Int32 {
        var arguments = Arguments(rawArguments, command: "status")
        var configPath: String?
        var database: String?
        var json = false
        var server: String?
        var adminToken: String?
        while let (name, inline) = arguments.next() {
            switch name {
            case "--json":
                json = true
            case "--config":
                configPath = try arguments.value(of: name, inline: inline)
            case "--database":
                database = try arguments.value(of: name, inline: inline)
            case "--server":
                server = try arguments.value(of: name, inline: inline)
            case "--admin-token":
                adminToken = try arguments.value(of: name, inline: inline)
            case "-h", "--help":
                print(help)
                return 0
            default:
                throw arguments.unknownOption(name)
            }
        }

        if let server {
            try await printRemoteStatus(server: server, adminToken: adminToken)
            return 0
        }
        if adminToken != nil {
            throw UsageError(message: "--admin-token needs --server; add --server URL or drop the token")
        }

        var configuration = try configPath.map { path throws(ConfigurationError) in
            try Configuration.load(path: path)
        } ?? Configuration()
        if let database { configuration.database = database }
        let path = configuration.databasePath
        guard FileManager.default.fileExists(atPath: path) else {
            throw CommandFailure(
                message: "no cache database at \(path); pass --database with the file that tagcache serve uses")
        }

        let store = try SQLiteTagStore(path: path)
        defer { store.close() }
        let report = try StatusReport(store: store, now: Date())
        FileHandle.standardOutput.write(Data((json ? report.json : report.table).utf8))
        return 0
    }

    // NOTE: the service returns only the JSON document, so --server prints it with or without --json.
    private static func printRemoteStatus(server: String, adminToken: String?) async throws {
        let client: ServiceClient
        do {
            client = try ServiceClient(baseURL: server, adminToken: adminToken)
        } catch {
            throw UsageError(message: "--server: \(error.message)")
        }
        do {
            FileHandle.standardOutput.write(Data(try await client.repositoriesJSON().utf8))
        } catch {
            throw CommandFailure(message: error.message)
        }
    }
}
