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
          -h, --help                     show this help
        """

    static func run(_ rawArguments: [String]) throws -> Int32 {
        var arguments = Arguments(rawArguments, command: "status")
        var configPath: String?
        var database: String?
        var json = false
        while let (name, inline) = arguments.next() {
            switch name {
            case "--json":
                json = true
            case "--config":
                configPath = try arguments.value(of: name, inline: inline)
            case "--database":
                database = try arguments.value(of: name, inline: inline)
            case "-h", "--help":
                print(help)
                return 0
            default:
                throw arguments.unknownOption(name)
            }
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
}
