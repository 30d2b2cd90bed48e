import CMicroHTTPD
import Foundation
import Synchronization

/// An HTTP/1.1 server on GNU libmicrohttpd: a thread pool with epoll, answering through an `HTTPHandler`.
///
/// Deferred responses suspend their connection (`MHD_suspend_connection`) until the work finishes, so the
/// pool's threads only ever run code that does not wait on the network.
public final class HTTPServer: Sendable {
    /// Port the server listens on; the chosen one when it was started with port 0.
    public let port: UInt16

    /// Address the server listens on, as given to `init`.
    public let host: String

    private let core: ServerCore

    /// Starts listening on `host:port`.
    ///
    /// - Parameters:
    ///   - host: An IPv4 or IPv6 literal (without brackets), or `localhost`.
    ///   - port: TCP port; 0 picks a free one.
    ///   - threads: Size of the thread pool that parses requests and runs `handler.handle`.
    /// - Throws: `HTTPServerError` when the address is invalid or cannot be bound.
    public init(host: String, port: UInt16, threads: Int, handler: any HTTPHandler) throws(HTTPServerError) {
        precondition(threads > 0, "thread pool size must be positive")
        let address = try SocketAddress(host: host, port: port)
        let core = ServerCore(handler: handler)
        let context = Unmanaged.passRetained(core).toOpaque()

        let daemon = address.withSockaddr { sockaddr in
            tc_mhd_start(
                sockaddr, address.isIPv6 ? 1 : 0, UInt32(threads), 60,
                serverAccessHandler, context, serverRequestCompleted, context
            )
        }
        guard let daemon else {
            Unmanaged<ServerCore>.fromOpaque(context).release()
            throw HTTPServerError(
                "cannot listen on \(address.description): the address is in use or not available on this host; "
                    + "choose another --listen address or port"
            )
        }

        core.daemon = daemon
        core.context = context
        self.core = core
        self.host = host
        self.port = tc_mhd_bound_port(daemon)
    }

    /// Stops accepting connections, waits up to `gracePeriod` seconds for requests in progress, then closes.
    ///
    /// Requests still waiting after the grace period receive `503`. Calling `stop` more than once is harmless.
    public func stop(gracePeriod: Double = 10) {
        core.stop(gracePeriod: gracePeriod)
    }

    deinit {
        core.stop(gracePeriod: 0)
    }
}

/// A server that could not start.
public struct HTTPServerError: Error, Sendable, CustomStringConvertible {
    public var message: String

    init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
