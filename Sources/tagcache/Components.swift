import TagCache

/// The store, fetcher and cache built from one configuration, as `serve` and `list-tags` use them.
struct Components {
    let store: SQLiteTagStore
    let cache: TagCacheService
    /// Requests, fetches, retries and rate-limit headers per registry, written to the store with the reads.
    let registryStats = RegistryStats()
    /// Memory for fresh-hit responses kept encoded, in bytes: by `Entry.cost`, room for about 700 responses of
    /// 10,000 tags, or 60,000 of 50 tags.
    static let encodedResponseBytes = 64 << 20

    /// - Parameter headStart: A repository to start listing before the store opens, for a caller that will fetch
    ///   it whatever the store holds. The listing then overlaps opening the database and creating its schema.
    init(
        configuration: Configuration, credentials: CredentialResolver, log: Log, headStart: ImageReference? = nil
    ) throws(StoreError) {
        let settings: @Sendable (String) -> RegistrySettings = { configuration.settings(for: $0) }
        let limiter = RegistryLimiter(settings: settings)
        let router = FetcherRouter(
            settings: settings,
            fetchers: [
                .oci: RegistryClient(
                    settings: settings, credentials: credentials, stats: registryStats, limiter: limiter, log: log),
                // NOTE: skopeo sends its own requests, so only the concurrency limit applies to it, not the rate.
                .skopeo: SkopeoFetcher(settings: settings, credentials: credentials, log: log),
            ])
        var fetcher: any TagFetcher = LimitedFetcher(router, limiter: limiter)
        if let headStart {
            fetcher = HeadStartFetcher(fetcher, startingWith: headStart)
        }
        store = try SQLiteTagStore(path: configuration.databasePath)
        cache = TagCacheService(
            store: store, fetcher: fetcher, policy: { configuration.cachePolicy(for: $0) },
            maintenance: configuration.maintenance, encodedResponseBytes: Self.encodedResponseBytes,
            registryStats: registryStats, limiter: limiter, log: log)
    }
}
