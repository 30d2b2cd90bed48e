import CMicroHTTPD
import Foundation

// libmicrohttpd calls these C callbacks on its own threads. They are free functions so that no actor isolation
// applies to them.

/// The access handler. libmicrohttpd calls it once to announce a request, again for each chunk of upload data,
/// once more when the request is complete, and after a resume.
func serverAccessHandler(
    context: UnsafeMutableRawPointer?,
    connection: OpaquePointer?,
    url: UnsafePointer<CChar>?,
    method: UnsafePointer<CChar>?,
    version: UnsafePointer<CChar>?,
    uploadData: UnsafePointer<CChar>?,
    uploadDataSize: UnsafeMutablePointer<Int>?,
    requestContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>?
) -> MHD_Result {
    guard let context, let connection, let requestContext else { return .NO }
    let core = Unmanaged<ServerCore>.fromOpaque(context).takeUnretainedValue()

    // First call: the headers are in; keep per-request state and wait for the rest.
    guard let existing = requestContext.pointee else {
        requestContext.pointee = Unmanaged.passRetained(RequestState()).toOpaque()
        core.requestStarted()
        return .YES
    }
    let request = Unmanaged<RequestState>.fromOpaque(existing).takeUnretainedValue()

    // tagcache's routes take no request body; upload data is read and dropped.
    if let uploadDataSize, uploadDataSize.pointee != 0 {
        uploadDataSize.pointee = 0
        return .YES
    }

    if request.handled {
        let response = request.response
            ?? HTTPResponse(status: 503, headers: [("Content-Type", "application/json")],
                            body: Array(#"{"error":{"code":"UNAVAILABLE","message":"the server is shutting down"}}"#.utf8))
        return queue(response, on: connection)
    }
    request.handled = true

    if core.isStopping {
        return queue(HTTPResponse(status: 503, headers: [("Connection", "close")]), on: connection)
    }

    let incoming = HTTPRequest(
        method: method.map { String(cString: $0) } ?? "GET",
        path: url.map { String(cString: $0) } ?? "/",
        query: connectionValues(connection, kind: .GET_ARGUMENT_KIND),
        headers: Dictionary(
            connectionValues(connection, kind: .HEADER_KIND).map { ($0.name.lowercased(), $0.value) },
            uniquingKeysWith: { first, second in first + ", " + second }
        )
    )

    switch core.handler.handle(incoming) {
    case .response(let response):
        return queue(response, on: connection)
    case .deferred(let work):
        core.suspend(connection: connection, request: request, work: work)
        return .YES
    }
}

/// Releases the per-request state once libmicrohttpd is done with the request, whatever the outcome.
func serverRequestCompleted(
    context: UnsafeMutableRawPointer?,
    connection: OpaquePointer?,
    requestContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
    termination: MHD_RequestTerminationCode
) {
    guard let context, let requestContext, let existing = requestContext.pointee else { return }
    Unmanaged<RequestState>.fromOpaque(existing).release()
    requestContext.pointee = nil
    Unmanaged<ServerCore>.fromOpaque(context).takeUnretainedValue().requestFinished()
}

// NOTE: libmicrohttpd 0.9.75 writes `Content-Length: 0` on every 304, which RFC 9110 section 8.6 does not allow.
// A Content-Length of the response's own, even with MHD_RF_INSANITY_HEADER_CONTENT_LENGTH, is sent in addition to
// that one, so tagcache sends none.
private func queue(_ response: HTTPResponse, on connection: OpaquePointer) -> MHD_Result {
    guard let created = makeResponse(body: response.bodyStorage) else { return .NO }
    for header in response.headers {
        MHD_add_response_header(created, header.name, header.value)
    }
    let result = MHD_queue_response(connection, UInt32(response.status), created)
    MHD_destroy_response(created)
    return result
}

/// Creates a libmicrohttpd response that sends `body`, or returns nil when libmicrohttpd is out of memory.
///
/// A shared body is sent in place. The response holds a strong reference to its `ResponseBody`, and libmicrohttpd
/// calls `releaseSharedBody` to drop it when it destroys the response. That happens once `MHD_destroy_response`
/// below and the connection have both let go: after the response is sent, when the client disconnects, or when
/// `MHD_stop_daemon` closes the connection.
private func makeResponse(body: HTTPResponse.BodyStorage) -> OpaquePointer? {
    switch body {
    case .bytes(let bytes):
        return bytes.withUnsafeBytes { bytes in
            MHD_create_response_from_buffer(
                bytes.count, UnsafeMutableRawPointer(mutating: bytes.baseAddress), .RESPMEM_MUST_COPY
            )
        }
    case .shared(let shared):
        let reference = Unmanaged.passRetained(shared)
        // libmicrohttpd only reads the buffer, although its parameter is not const.
        let created = MHD_create_response_from_buffer_with_free_callback_cls(
            shared.count, UnsafeMutableRawPointer(mutating: shared.baseAddress), releaseSharedBody,
            reference.toOpaque()
        )
        // A response that was not created never calls the free callback.
        if created == nil {
            reference.release()
        }
        return created
    }
}

/// Drops the reference that `makeResponse` took on a shared body, when libmicrohttpd destroys the response.
private func releaseSharedBody(_ context: UnsafeMutableRawPointer?) {
    guard let context else { return }
    Unmanaged<ResponseBody>.fromOpaque(context).release()
}

private final class ValueCollector {
    var values: [(name: String, value: String)] = []
}

private func connectionValues(_ connection: OpaquePointer, kind: MHD_ValueKind) -> [(name: String, value: String)] {
    let collector = ValueCollector()
    let pointer = Unmanaged.passUnretained(collector).toOpaque()
    MHD_get_connection_values(connection, kind, { context, _, key, value in
        guard let context, let key else { return .YES }
        let collector = Unmanaged<ValueCollector>.fromOpaque(context).takeUnretainedValue()
        collector.values.append((String(cString: key), value.map { String(cString: $0) } ?? ""))
        return .YES
    }, pointer)
    return withExtendedLifetime(collector) { collector.values }
}
