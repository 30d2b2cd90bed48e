import TagCache

/// The store, fetcher and cache built from one configuration, as `serve` and `list-tags` use them.
struct Components {
    let store: SQLiteTagStore
    let cache: TagCacheService

    init(configuration: Configuration, log: Log) throws(StoreError) {
        store = try SQLiteTagStore(path: configuration.databasePath)
        let fetcher = RegistryClient(settings: { configuration.settings(for: $0) }, log: log)
        cache = TagCacheService(
            store: store, fetcher: fetcher, policy: { configuration.cachePolicy(for: $0) },
            maintenance: configuration.maintenance, log: log)
    }
}
