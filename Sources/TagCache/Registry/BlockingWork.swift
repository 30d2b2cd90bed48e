import Foundation

/// Runs blocking calls (libcurl transfers, `getaddrinfo`) on threads of their own, never on a thread that Swift
/// concurrency or libdispatch schedules work on.
///
/// A dispatch queue is not enough on Linux. With Swift 6.3 there, libdispatch's worker threads also run the global
/// executor's tasks, and libdispatch adds a worker only about once a second while the others block. In a test on a
/// 2-core machine, 100 transfers to a server that held its responses stalled every async task for about 80 seconds.
// NOTE: one thread per call, without a limit. Callers bound how many blocking calls run at once.
enum BlockingWork {
    /// Runs `body` on a new thread and resumes the caller with its result.
    static func run<Value: Sendable, Failure: Error>(
        _ body: @escaping @Sendable () throws(Failure) -> Value
    ) async throws(Failure) -> Value {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<Value, Failure>, Never>) in
            let thread = Thread {
                continuation.resume(returning: Result(catching: body))
            }
            thread.name = "tagcache.blocking-work"
            thread.start()
        }
        return try result.get()
    }
}
