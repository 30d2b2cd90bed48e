import Foundation
import TagCache

let usage = """
    Usage: tagcache COMMAND [OPTIONS]

    A cache of container image tag lists, shared over HTTP and SQLite.

    Commands:
      serve        answer tag lists over HTTP (runs with no options: 127.0.0.1:8780)
      list-tags    print a repository's tags as `skopeo list-tags` does
      status       print the contents of the cache database
      refresh      fetch references now and store their tag lists
      warm         refresh every reference listed in a file, several at a time
      help         show this help

    Run 'tagcache COMMAND --help' for a command's options.
    """

func fail(_ message: String, status: Int32) -> Never {
    FileHandle.standardError.write(Data("tagcache: \(message)\n".utf8))
    exit(status)
}

BrokenPipe.ignore()

let arguments = Array(CommandLine.arguments.dropFirst())
guard let command = arguments.first else {
    print(usage)
    exit(2)
}

do {
    let rest = Array(arguments.dropFirst())
    let status: Int32
    switch command {
    case "serve":
        status = try ServeCommand.run(rest)
    case "list-tags":
        status = try await ListTagsCommand.run(rest)
    case "status":
        status = try await StatusCommand.run(rest)
    case "refresh":
        status = try await RefreshCommand.run(rest)
    case "warm":
        status = try await WarmCommand.run(rest)
    case "help", "-h", "--help":
        print(usage)
        status = 0
    default:
        throw UsageError(message: "unknown command \"\(command)\"; run 'tagcache help' for the commands")
    }
    exit(status)
} catch let error as UsageError {
    fail(error.message, status: 2)
} catch let error as CommandFailure {
    fail(error.message, status: 1)
} catch let error as CacheError {
    fail(error.description, status: 1)
} catch let error as ConfigurationError {
    fail(error.message, status: 2)
} catch let error as StoreError {
    fail("cache database error: \(error.description)", status: 1)
} catch let error as HTTPServerError {
    fail(error.message, status: 1)
} catch {
    fail("\(error)", status: 1)
}
