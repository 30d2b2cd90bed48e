import TagCache

/// The store, fetcher and cache built from one configuration, as `serve` and `list-tags` use them.
struct Components {
    let store: SQLiteTagStore
    let cache: TagCacheService
    /// Requests, fetches, retries and rate-limit headers per registry, written to the store with the reads.
    let registryStats: RegistryStats
    /// Memory for fresh-hit responses kept encoded, in bytes: by `Entry.cost`, room for about 700 responses of
    /// 10,000 tags, or 60,000 of 50 tags.
    static let encodedResponseBytes = 64 << 20

    init(configuration: Configuration, credentials: CredentialResolver, log: Log) throws(StoreError) {
        let fetchers = Fetchers(configuration: configuration, credentials: credentials, log: log)
        self.init(
            configuration: configuration, fetchers: fetchers, fetcher: fetchers.limited,
            store: try SQLiteTagStore(path: configuration.databasePath), log: log)
    }

    /// Builds the components for a caller that will fetch `headStart` whatever the store holds, and starts that
    /// listing first. The store opens on a thread outside Swift concurrency's pool meanwhile, so that the listing's
    /// task does not wait for a pool thread while SQLite creates the schema.
    static func startingWith(
        _ headStart: ImageReference, configuration: Configuration, credentials: CredentialResolver, log: Log
    ) async throws(StoreError) -> Components {
        let fetchers = Fetchers(configuration: configuration, credentials: credentials, log: log)
        let fetcher = HeadStartFetcher(fetchers.limited, startingWith: headStart)
        let store = try await SQLiteTagStore.open(path: configuration.databasePath)
        return Components(configuration: configuration, fetchers: fetchers, fetcher: fetcher, store: store, log: log)
    }

    private init(
        configuration: Configuration, fetchers: Fetchers, fetcher: any TagFetcher, store: SQLiteTagStore, log: Log
    ) {
        self.store = store
        registryStats = fetchers.stats
        cache = TagCacheService(
            store: store, fetcher: fetcher, policy: { configuration.cachePolicy(for: $0) },
            maintenance: configuration.maintenance, encodedResponseBytes: Self.encodedResponseBytes,
            registryStats: fetchers.stats, limiter: fetchers.limiter, log: log)
    }

    /// The fetchers of one configuration behind its per-registry limits.
    private struct Fetchers {
        let stats = RegistryStats()
        let limiter: RegistryLimiter
        let limited: LimitedFetcher

        init(configuration: Configuration, credentials: CredentialResolver, log: Log) {
            let settings: @Sendable (String) -> RegistrySettings = { configuration.settings(for: $0) }
            limiter = RegistryLimiter(settings: settings)
            let router = FetcherRouter(
                settings: settings,
                fetchers: [
                    .oci: RegistryClient(
                        settings: settings, credentials: credentials, stats: stats, limiter: limiter, log: log),
                    // NOTE: skopeo sends its own requests, so only the concurrency limit applies to it, not the rate.
                    .skopeo: SkopeoFetcher(settings: settings, credentials: credentials, log: log),
                ])
            limited = LimitedFetcher(router, limiter: limiter)
        }
    }
}
