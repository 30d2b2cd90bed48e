import Foundation
import Synchronization

@testable import TagCache

/// A small OCI registry on the product's `HTTPServer`, for the behaviours docker-registry cannot show: pagination
/// that honours or ignores `n`, unusual `Link` headers, bearer tokens from a realm, Basic authentication and
/// injected faults.
///
/// It serves `GET /v2/`, `GET /v2/NAME/tags/list` and, in bearer mode, `GET /token`, on 127.0.0.1 with a port the
/// kernel picks. Every request is recorded. Each test scripts its own instance, and all methods are thread-safe.
final class FixtureRegistry: Sendable {
    let port: UInt16

    private let server: HTTPServer
    private let storage: Storage

    /// `127.0.0.1:PORT`, the registry part of a reference.
    var authority: String { "127.0.0.1:\(port)" }

    /// Starts serving with `configuration` and no repositories.
    ///
    /// - Throws: `HTTPServerError` when 127.0.0.1 cannot be bound.
    init(_ configuration: Configuration = Configuration()) throws {
        let storage = Storage(configuration: configuration)
        self.storage = storage
        self.server = try HTTPServer(host: "127.0.0.1", port: 0, threads: 2, handler: Handler(storage: storage))
        self.port = server.port
    }

    /// Stops the server. Requests still delayed by a fault get `503` after a grace period of one second.
    func stop() {
        server.stop(gracePeriod: 1)
    }

    /// The scripted behaviour. Changes apply from the next request on.
    var configuration: Configuration {
        get { storage.state.withLock { $0.configuration } }
        set { storage.state.withLock { $0.configuration = newValue } }
    }

    /// Creates or replaces `repository` with `tags`, which pages list in this order.
    func setTags(_ tags: [String], repository: String) {
        precondition(Set(tags).count == tags.count, "tags of a fixture repository must be unique")
        storage.state.withLock { $0.repositories[repository] = Repository(tags: tags) }
    }

    /// Makes the next `count` requests of `kind`, or of any kind when nil, fail with `fault`. Faults apply in the
    /// order they were injected.
    func injectFault(_ fault: Fault, count: Int = 1, on kind: RequestKind? = nil) {
        precondition(count > 0, "a fault must apply to at least one request")
        storage.state.withLock { $0.pendingFaults.append(PendingFault(fault: fault, kind: kind, remaining: count)) }
    }

    /// Every request received so far, in order of arrival.
    var requests: [RecordedRequest] {
        storage.state.withLock { $0.requests }
    }

    /// Maximum number of requests whose response a `delay` fault delayed at the same time.
    var maxDelayedInFlight: Int {
        storage.state.withLock { $0.maxDelayedInFlight }
    }

    var requestCount: Int {
        storage.state.withLock { $0.requests.count }
    }

    /// Returns the requests of `kind` received so far, in order of arrival.
    func requests(of kind: RequestKind) -> [RecordedRequest] {
        storage.state.withLock { $0.requests.filter { $0.kind == kind } }
    }

    /// Percent-encodes every byte but the RFC 3986 unreserved characters.
    static func percentEncoded(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            let scalar = Unicode.Scalar(byte)
            if ("0"..."9").contains(scalar) || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
                || "-._~".unicodeScalars.contains(scalar)
            {
                encoded.unicodeScalars.append(scalar)
            } else {
                encoded += String(format: "%%%02X", byte)
            }
        }
        return encoded
    }
}
