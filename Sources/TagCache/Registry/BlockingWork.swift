import Dispatch

/// Runs blocking calls (libcurl transfers, `getaddrinfo`) on a dedicated concurrent dispatch queue, never on the
/// Swift concurrency pool, whose few threads must not block.
enum BlockingWork {
    private static let queue = DispatchQueue(label: "tagcache.blocking-work", attributes: .concurrent)

    /// Runs `body` on the blocking queue and resumes the caller with its result.
    static func run<Value: Sendable, Failure: Error>(
        _ body: @escaping @Sendable () throws(Failure) -> Value
    ) async throws(Failure) -> Value {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<Value, Failure>, Never>) in
            queue.async {
                continuation.resume(returning: Result(catching: body))
            }
        }
        return try result.get()
    }
}
