/// Runs each fetch of another fetcher inside a slot of its registry's `RegistryLimiter`, so at most `concurrency`
/// fetches of a registry run at once and waiting clients go before background refreshes.
///
/// The priority is `FetchPriority.current` of the calling task.
public struct LimitedFetcher: TagFetcher {
    let base: any TagFetcher
    let limiter: RegistryLimiter

    public init(_ base: any TagFetcher, limiter: RegistryLimiter) {
        self.base = base
        self.limiter = limiter
    }

    public func listTags(of reference: ImageReference) async throws(FetchError) -> FetchedTags {
        let registry = reference.registry
        guard await limiter.acquireSlot(registry: registry, priority: FetchPriority.current) else {
            throw FetchError(
                .unreachable,
                "fetch of repository \(reference.path) from registry \(registry) was cancelled while it waited for "
                    + "one of the registry's \(limiter.limitsForRegistry(registry).concurrency) fetch slots")
        }
        defer { limiter.releaseSlot(registry: registry) }
        return try await base.listTags(of: reference)
    }
}
