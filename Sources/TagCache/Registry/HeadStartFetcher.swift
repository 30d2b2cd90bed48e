import Synchronization

/// Starts one listing at creation, before the cache requests it, and hands its result to the first request for
/// that repository. Every other request goes to `base`.
///
/// `tagcache list-tags` uses it when the database file does not exist yet. Nothing can be stored then, so the
/// listing is needed anyway, and it runs while the schema is created instead of after it.
public final class HeadStartFetcher: TagFetcher {
    let base: any TagFetcher
    let reference: ImageReference
    /// The started listing until a request takes it.
    private let started: Mutex<Task<Result<FetchedTags, FetchError>, Never>?>

    public init(_ base: any TagFetcher, startingWith reference: ImageReference) {
        self.base = base
        self.reference = reference
        started = Mutex(Task {
            do throws(FetchError) {
                return .success(try await base.listTags(of: reference))
            } catch {
                return .failure(error)
            }
        })
    }

    public func listTags(of reference: ImageReference) async throws(FetchError) -> FetchedTags {
        let task = reference == self.reference ? started.withLock { $0.take() } : nil
        guard let task else {
            return try await base.listTags(of: reference)
        }
        return try await task.value.get()
    }
}
