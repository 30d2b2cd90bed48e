import Foundation
import Synchronization

/// Runs blocking calls (libcurl transfers, `getaddrinfo`) on threads of its own, never on a thread that Swift
/// concurrency or libdispatch schedules work on.
///
/// A dispatch queue is not enough on Linux. With Swift 6.3 there, libdispatch's worker threads also run the global
/// executor's tasks, and libdispatch adds a worker only about once a second while the others block. In a test on a
/// 2-core machine, 100 transfers to a server that held its responses stalled every async task for about 80 seconds.
///
/// At most `maxThreads` threads run at once. Further calls wait in arrival order, and a thread that finishes a call
/// takes the next waiting one before it exits, so a steady load reuses threads.
enum BlockingWork {
    /// Threads at most. `RegistryLimiter` bounds the transfers per registry; this bounds the total over all
    /// registries, DNS lookups included. A call waits while the pool is full, so the bound must exceed the
    /// blocking calls that wait on each other: a test process holds 100 client transfers to its own server while
    /// that server's 100 upstream transfers wait.
    // NOTE: 256 is a judgement, not a measured limit.
    static let maxThreads = 256

    private static let pool = BlockingThreadPool(maxThreads: maxThreads)

    /// Runs `body` on a pool thread and resumes the caller with its result.
    static func run<Value: Sendable, Failure: Error>(
        _ body: @escaping @Sendable () throws(Failure) -> Value
    ) async throws(Failure) -> Value {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<Value, Failure>, Never>) in
            pool.submit {
                continuation.resume(returning: Result(catching: body))
            }
        }
        return try result.get()
    }

    /// The number of pool threads running now.
    static var runningThreads: Int { pool.runningThreads }
}

/// Threads created on demand up to a maximum, each running queued jobs until the queue is empty.
final class BlockingThreadPool: Sendable {
    typealias Job = @Sendable () -> Void

    private struct State {
        var threads = 0
        /// Waiting jobs; `jobs[head...]` are still to run.
        var jobs: [Job] = []
        var head = 0

        mutating func popJob() -> Job? {
            guard head < jobs.count else { return nil }
            let job = jobs[head]
            head += 1
            if head == jobs.count {
                jobs.removeAll(keepingCapacity: true)
                head = 0
            }
            return job
        }
    }

    let maxThreads: Int
    private let state = Mutex(State())

    init(maxThreads: Int) {
        precondition(maxThreads > 0, "a pool needs at least one thread")
        self.maxThreads = maxThreads
    }

    var runningThreads: Int { state.withLock { $0.threads } }

    /// Runs `job` on a new thread when fewer than `maxThreads` run, else queues it.
    func submit(_ job: @escaping Job) {
        let startsThread = state.withLock { state in
            guard state.threads < maxThreads else {
                state.jobs.append(job)
                return false
            }
            state.threads += 1
            return true
        }
        guard startsThread else { return }
        let thread = Thread { [self] in
            var next: Job? = job
            while let current = next {
                current()
                next = state.withLock { state in
                    let job = state.popJob()
                    if job == nil {
                        state.threads -= 1
                    }
                    return job
                }
            }
        }
        thread.name = "tagcache.blocking-work"
        thread.start()
    }
}
