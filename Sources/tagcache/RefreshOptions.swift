import TagCache

/// Result of one refresh: the number of tags stored, or the error message.
enum RefreshOutcome: Sendable {
    case refreshed(tags: Int)
    case failed(String)
}

/// A refresh operation and what to call once every refresh has returned.
struct Refresher {
    let refresh: @Sendable (ImageReference) async -> RefreshOutcome
    /// Writes what the operation collected in memory, such as the requests per registry, to the database.
    let finish: () -> Void
}

/// Options of `refresh` and `warm`: the common options for working on the database, or `--server` and
/// `--admin-token` for asking a running service.
struct RefreshOptions {
    var common = CommonOptions()
    var server: String?
    var adminToken: String?

    static let help = """
          --server URL                   ask the tagcache service at URL (POST /v1/refresh) instead of
                                         working on the database; the other options are then ignored
          --admin-token TOKEN            bearer token for the service's operator routes, with --server
        \(CommonOptions.help)
        """

    /// Consumes `name` if it is one of these options; returns false for any other name.
    mutating func accept(_ name: String, inline: String?, from arguments: inout Arguments) throws(UsageError) -> Bool {
        switch name {
        case "--server":
            server = try arguments.value(of: name, inline: inline)
        case "--admin-token":
            adminToken = try arguments.value(of: name, inline: inline)
        default:
            return try common.accept(name, inline: inline, from: &arguments)
        }
        return true
    }

    /// Builds the refresh operation: through the service when `--server` is given, otherwise on the database
    /// with the fetchers of `serve`.
    func refresher() throws -> Refresher {
        if let server {
            let client: ServiceClient
            do {
                client = try ServiceClient(baseURL: server, adminToken: adminToken)
            } catch {
                throw UsageError(message: "--server: \(error.message)")
            }
            return Refresher(
                refresh: { reference in
                    do throws(ServiceClientError) {
                        return .refreshed(tags: try await client.refresh(reference))
                    } catch {
                        return .failed(error.message)
                    }
                },
                finish: {})
        }
        if adminToken != nil {
            throw UsageError(message: "--admin-token needs --server; add --server URL or drop the token")
        }

        let configuration = try common.configuration()
        // Failed fetches are printed once per reference by the caller, so their warnings would only repeat them.
        let log = Log(minimumLevel: .error)
        let components = try Components(
            configuration: configuration, credentials: common.credentialResolver(configuration: configuration), log: log)
        let cache = components.cache
        return Refresher(
            refresh: { reference in
                do throws(CacheError) {
                    return .refreshed(tags: try await cache.forceRefresh(reference).tagCount)
                } catch {
                    return .failed(error.description)
                }
            },
            finish: { cache.flushPendingWrites() })
    }
}
