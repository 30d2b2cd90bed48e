import Foundation
import TagCache

/// `tagcache serve`: the HTTP service.
enum ServeCommand {
    static let help = """
        Usage: tagcache serve [OPTIONS]

        Answers tag lists over HTTP from the SQLite cache, fetching from registries on a miss and refreshing
        stale lists in the background. Stops on SIGTERM or SIGINT after in-flight requests finish.

        Options:
          --listen HOST:PORT             address to listen on (default 127.0.0.1:8780; [::1]:8780 for IPv6)
        \(CommonOptions.help)
          -h, --help                     show this help

        \(CommonOptions.durationNote)
        """

    static func run(_ rawArguments: [String]) throws -> Int32 {
        var arguments = Arguments(rawArguments, command: "serve")
        var common = CommonOptions()
        var listen: String?
        while let (name, inline) = arguments.next() {
            if try common.accept(name, inline: inline, from: &arguments) { continue }
            switch name {
            case "--listen":
                listen = try arguments.value(of: name, inline: inline)
            case "-h", "--help":
                print(help)
                return 0
            default:
                throw arguments.unknownOption(name)
            }
        }

        var configuration = try common.configuration()
        if let listen { configuration.listen = listen }
        let address: ListenAddress
        do {
            address = try ListenAddress.parse(configuration.listen)
        } catch {
            throw UsageError(message: error.message)
        }

        let log = Log()
        let components = try Components(
            configuration: configuration, credentials: common.credentialResolver(configuration: configuration), log: log)
        let threads = max(2, ProcessInfo.processInfo.activeProcessorCount)
        let server = try HTTPServer(
            host: address.host, port: address.port, threads: threads,
            handler: OperatorRoutes(
                next: Routes(
                    cache: components.cache, log: log, history: components.store,
                    v2PageSize: configuration.v2PageSize, aliases: configuration.aliases),
                cache: components.cache, store: components.store,
                admin: AdminAccess(
                    token: configuration.adminToken,
                    requiresToken: configuration.adminToken != nil || !AdminAccess.isLoopback(host: address.host)),
                log: log))
        log.info(
            "start",
            [
                "listen": ListenAddress(host: address.host, port: server.port).description,
                "database": configuration.databasePath, "threads": String(threads),
            ])

        let stopMaintenance = startMaintenance(components.cache)

        let signal = waitForTermination()
        log.info("stopping", ["signal": signal])
        server.stop(gracePeriod: 10)
        stopMaintenance()
        waitForRefreshes(components.cache, timeout: 10)
        components.cache.flushPendingWrites()
        components.store.close()
        log.info("stop")
        return 0
    }

    /// Starts the cache's background work on a thread of its own, because it blocks on SQLite and an eviction can
    /// delete many rows: every second it writes collected reads and starts refresh-ahead, and every minute it
    /// evicts. The returned function stops it and waits until its current pass has ended.
    private static func startMaintenance(_ cache: TagCacheService) -> () -> Void {
        let stop = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)
        let thread = Thread {
            defer { finished.signal() }
            var tick = 0
            // Each wait doubles as the one-second pause between passes and ends early when stop is signalled.
            while stop.wait(timeout: .now() + 1) == .timedOut {
                cache.refreshAhead()
                tick += 1
                if tick % 60 == 0 {
                    cache.evict()
                }
            }
        }
        thread.name = "tagcache-maintenance"
        thread.start()
        return {
            stop.signal()
            finished.wait()
        }
    }

    /// Blocks until SIGTERM or SIGINT arrives and returns its name.
    private static func waitForTermination() -> String {
        let received = DispatchSemaphore(value: 0)
        let name = LockedValue("")
        var sources: [DispatchSourceSignal] = []
        for (number, signalName) in [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT")] {
            Foundation.signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                name.set(signalName)
                received.signal()
            }
            source.resume()
            sources.append(source)
        }
        received.wait()
        sources.forEach { $0.cancel() }
        return name.get()
    }

    /// Waits up to `timeout` seconds for background refreshes, so their results reach the database.
    private static func waitForRefreshes(_ cache: TagCacheService, timeout: Double) {
        let done = DispatchSemaphore(value: 0)
        Task {
            await cache.waitForRefreshes()
            done.signal()
        }
        _ = done.wait(timeout: .now() + timeout)
    }
}
