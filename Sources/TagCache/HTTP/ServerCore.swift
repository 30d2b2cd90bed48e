import CMicroHTTPD
import Foundation
import Synchronization

/// State shared between `HTTPServer` and libmicrohttpd's threads, reached from C callbacks through `Unmanaged`.
///
/// `@unchecked Sendable`: `daemon` and `context` are written once in `HTTPServer.init`, before any request can
/// arrive, and only read after that. Every other mutable field is inside `state`, a `Mutex`.
final class ServerCore: @unchecked Sendable {
    let handler: any HTTPHandler
    var daemon: OpaquePointer?
    var context: UnsafeMutableRawPointer?

    private struct State {
        var stopping = false
        var stopped = false
        /// Requests between their first handler call and their completion callback.
        var activeRequests = 0
        /// Connections suspended while a deferred response is computed.
        var suspended: [ObjectIdentifier: ConnectionHandle] = [:]
    }

    private let state = Mutex(State())

    init(handler: any HTTPHandler) {
        self.handler = handler
    }

    var isStopping: Bool {
        state.withLock { $0.stopping }
    }

    func requestStarted() {
        state.withLock { $0.activeRequests += 1 }
    }

    func requestFinished() {
        state.withLock { $0.activeRequests -= 1 }
    }

    /// Suspends `connection` and runs `work`; its response is queued when libmicrohttpd calls the handler again.
    func suspend(
        connection: OpaquePointer, request: RequestState, work: @escaping @Sendable () async -> HTTPResponse
    ) {
        let handle = ConnectionHandle(pointer: connection)
        state.withLock { $0.suspended[ObjectIdentifier(request)] = handle }
        MHD_suspend_connection(connection)

        Task {
            let response = await work()
            self.resume(request: request, with: response)
        }
    }

    private func resume(request: RequestState, with response: HTTPResponse) {
        // Resuming happens under the lock so that `stop` cannot free the connection in between.
        state.withLock { state in
            guard let entry = state.suspended.removeValue(forKey: ObjectIdentifier(request)), !state.stopped else {
                return
            }
            request.response = response
            MHD_resume_connection(entry.pointer)
        }
    }

    func stop(gracePeriod: Double) {
        let daemon: OpaquePointer? = state.withLock { state in
            guard !state.stopping else { return nil }
            state.stopping = true
            return self.daemon
        }
        guard let daemon else { return }

        let listenSocket = MHD_quiesce_daemon(daemon)
        let deadline = Date().addingTimeInterval(gracePeriod)
        while state.withLock({ $0.activeRequests > 0 }) && Date() < deadline {
            usleep(10_000)
        }

        // Connections still suspended get 503 from the handler's next call, because their response stays nil.
        state.withLock { state in
            for entry in state.suspended.values {
                MHD_resume_connection(entry.pointer)
            }
            state.suspended.removeAll()
        }
        let drainDeadline = Date().addingTimeInterval(1)
        while state.withLock({ $0.activeRequests > 0 }) && Date() < drainDeadline {
            usleep(10_000)
        }

        state.withLock { $0.stopped = true }
        MHD_stop_daemon(daemon)
        if listenSocket >= 0 {
            close(listenSocket)
        }
        if let context {
            Unmanaged<ServerCore>.fromOpaque(context).release()
        }
    }
}

/// A suspended libmicrohttpd connection.
///
/// `@unchecked Sendable`: libmicrohttpd allows `MHD_resume_connection` from any thread, and `ServerCore` resumes
/// each handle at most once, under its lock, before the daemon stops.
struct ConnectionHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}

/// Per-request state kept in libmicrohttpd's connection-class pointer from the first handler call to completion.
///
/// `@unchecked Sendable`: `response` is written by the task of a deferred request before it resumes the
/// connection, and read by the server thread only after libmicrohttpd resumed it.
final class RequestState: @unchecked Sendable {
    var response: HTTPResponse?
    var handled = false
}
