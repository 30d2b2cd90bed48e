/// Sends each fetch to the fetcher a registry's `fetcher` setting names.
public struct FetcherRouter: TagFetcher {
    let settingsForRegistry: @Sendable (String) -> RegistrySettings
    let fetchers: [FetcherKind: any TagFetcher]

    /// - Precondition: `fetchers` has an entry for every `FetcherKind`.
    public init(settings: @escaping @Sendable (String) -> RegistrySettings, fetchers: [FetcherKind: any TagFetcher]) {
        precondition(FetcherKind.allCases.allSatisfy { fetchers[$0] != nil }, "every fetcher kind needs a fetcher")
        self.settingsForRegistry = settings
        self.fetchers = fetchers
    }

    public func listTags(of reference: ImageReference) async throws(FetchError) -> FetchedTags {
        let kind = settingsForRegistry(reference.registry).fetcher
        guard let fetcher = fetchers[kind] else {
            preconditionFailure("init checked that every fetcher kind has a fetcher")
        }
        return try await fetcher.listTags(of: reference)
    }
}
