private import CCurl
import Synchronization

/// A blocking HTTP/1.1 client on libcurl. The only code in tagcache that calls libcurl.
///
/// Each transfer has an easy handle to itself, so calls from several threads at once are safe. Requests with the
/// same `connectionKey` reuse idle handles and their open connections. The client never follows redirects, never
/// uses a proxy from the environment, and speaks only `http` and `https`.
struct HTTPClient: Sendable {
    private let handles = CurlHandleCache()

    init() {}

    /// Performs `request` on the calling thread and returns the response, whatever its status.
    func send(_ request: ClientRequest) throws(TransportError) -> ClientResponse {
        try send(request, cancellation: nil)
    }

    /// Performs `request`, ending it early once `cancellation` is set. curl checks the flag from its progress
    /// callback, which runs at least about once per second.
    func send(_ request: ClientRequest, cancellation: CancellationFlag?) throws(TransportError) -> ClientResponse {
        precondition(request.connectTimeout > 0 && request.totalTimeout > 0, "timeouts must be positive")
        precondition(request.maxBodyBytes > 0, "maxBodyBytes must be positive")
        try Self.initializeLibrary()

        guard let handle = handles.checkOut(key: request.connectionKey) else {
            throw TransportError(.other, "\(request.method) \(request.url) failed: curl_easy_init returned null")
        }
        defer { handles.checkIn(handle, key: request.connectionKey) }

        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        defer { errorBuffer.deallocate() }

        let transfer = Transfer(maxBodyBytes: request.maxBodyBytes, cancellation: cancellation)
        let lists = StringLists()
        defer { lists.free() }

        let code = withExtendedLifetime(transfer) {
            let setupCode = configure(
                handle, for: request, transfer: transfer, lists: lists, errorBuffer: errorBuffer)
            guard setupCode == CURLE_OK else { return setupCode }
            return curl_easy_perform(handle)
        }
        guard code == CURLE_OK else {
            throw transportError(code, transfer: transfer, errorBuffer: errorBuffer, request: request)
        }

        var status = 0
        _ = tc_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var newConnections = 0
        _ = tc_curl_getinfo_long(handle, CURLINFO_NUM_CONNECTS, &newConnections)
        return ClientResponse(
            status: status, headers: transfer.headers, body: transfer.body, newConnections: newConnections)
    }

    /// Sets every option for `request`. Returns the first failing code, or `CURLE_OK`.
    private func configure(
        _ handle: UnsafeMutableRawPointer, for request: ClientRequest, transfer: Transfer, lists: StringLists,
        errorBuffer: UnsafeMutablePointer<CChar>
    ) -> CURLcode {
        let context = Unmanaged.passUnretained(transfer).toOpaque()

        var options: [(CURLoption, OptionValue)] = [
            (CURLOPT_ERRORBUFFER, .pointer(UnsafeMutableRawPointer(errorBuffer))),
            (CURLOPT_URL, .string(request.url.description)),
            (CURLOPT_PROTOCOLS_STR, .string("http,https")),
            (CURLOPT_FOLLOWLOCATION, .long(0)),
            // An empty proxy disables the *_proxy environment variables, which would bypass address pinning.
            (CURLOPT_PROXY, .string("")),
            (CURLOPT_NOSIGNAL, .long(1)),
            (CURLOPT_USERAGENT, .string("tagcache")),
            (CURLOPT_ACCEPT_ENCODING, .string("")),
            (CURLOPT_CONNECTTIMEOUT_MS, .long(milliseconds(request.connectTimeout))),
            (CURLOPT_TIMEOUT_MS, .long(milliseconds(request.totalTimeout))),
            (CURLOPT_MAXFILESIZE, .long(request.maxBodyBytes)),
            (CURLOPT_SSL_VERIFYPEER, .long(request.verifyTLS ? 1 : 0)),
            (CURLOPT_SSL_VERIFYHOST, .long(request.verifyTLS ? 2 : 0)),
            (CURLOPT_WRITEFUNCTION, .data(writeBody)),
            (CURLOPT_WRITEDATA, .pointer(context)),
            (CURLOPT_HEADERFUNCTION, .data(receiveHeader)),
            (CURLOPT_HEADERDATA, .pointer(context)),
            (CURLOPT_XFERINFOFUNCTION, .progress(checkCancellation)),
            (CURLOPT_XFERINFODATA, .pointer(context)),
            (CURLOPT_NOPROGRESS, .long(0)),
        ]
        if let caFile = request.caFile {
            options.append((CURLOPT_CAINFO, .string(caFile)))
        }
        if let certificate = request.clientCertificateFile {
            options.append((CURLOPT_SSLCERT, .string(certificate)))
        }
        if let key = request.clientKeyFile {
            options.append((CURLOPT_SSLKEY, .string(key)))
        }
        options += methodOptions(for: request)

        lists.headers = request.headers.fields.reduce(nil) { list, field in
            curl_slist_append(list, "\(field.name): \(field.value)")
        }
        options.append((CURLOPT_HTTPHEADER, .list(lists.headers)))
        if let entry = resolveEntry(for: request) {
            lists.resolve = curl_slist_append(nil, entry)
            options.append((CURLOPT_RESOLVE, .list(lists.resolve)))
        }

        for (option, value) in options {
            let code = value.set(option, on: handle)
            guard code == CURLE_OK else { return code }
        }
        return CURLE_OK
    }

    private func methodOptions(for request: ClientRequest) -> [(CURLoption, OptionValue)] {
        var options: [(CURLoption, OptionValue)] = []
        if !request.body.isEmpty {
            // COPYPOSTFIELDS copies the bytes, so they need not outlive this call.
            options.append((CURLOPT_POSTFIELDSIZE, .long(request.body.count)))
            options.append((CURLOPT_COPYPOSTFIELDS, .bytes(request.body)))
        }
        switch request.method {
        case "GET" where request.body.isEmpty, "POST" where !request.body.isEmpty:
            break
        case "HEAD":
            options.append((CURLOPT_NOBODY, .long(1)))
        default:
            options.append((CURLOPT_CUSTOMREQUEST, .string(request.method)))
        }
        return options
    }

    /// Builds the `CURLOPT_RESOLVE` entry `host:port:address,…` that pins the connection to the checked addresses.
    private func resolveEntry(for request: ClientRequest) -> String? {
        guard !request.pinnedAddresses.isEmpty, IPAddress(request.url.host) == nil else { return nil }
        let addresses = request.pinnedAddresses.map { $0.isIPv4 ? "\($0)" : "[\($0)]" }
        return "\(request.url.host):\(request.url.effectivePort):\(addresses.joined(separator: ","))"
    }

    private func milliseconds(_ seconds: Double) -> Int {
        max(1, Int((seconds * 1000).rounded(.up)))
    }

    private func transportError(
        _ code: CURLcode, transfer: Transfer, errorBuffer: UnsafeMutablePointer<CChar>, request: ClientRequest
    ) -> TransportError {
        var detail = String(cString: errorBuffer)
        if detail.isEmpty {
            detail = String(cString: curl_easy_strerror(code))
        }
        let target = "\(request.method) \(request.url)"

        if transfer.exceededBodyLimit || code == CURLE_FILESIZE_EXCEEDED {
            return TransportError(
                .tooLarge, "\(target): the response body exceeds the limit of \(request.maxBodyBytes) bytes")
        }
        if transfer.wasCancelled {
            return TransportError(.cancelled, "\(target) was cancelled")
        }
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            return TransportError(.timeout, "\(target) timed out: \(detail)")
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT, CURLE_SEND_ERROR, CURLE_RECV_ERROR,
            CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE:
            return TransportError(.connectionFailed, "\(target) failed: \(detail)")
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM,
            CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_CRL_BADFILE,
            CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_USE_SSL_FAILED:
            return TransportError(.tls, "\(target) failed in TLS: \(detail)")
        default:
            return TransportError(.other, "\(target) failed: \(detail)")
        }
    }

    private static let initialization: CURLcode = {
        BrokenPipe.ignore()
        return tc_curl_global_init_default()
    }()

    private static func initializeLibrary() throws(TransportError) {
        guard initialization == CURLE_OK else {
            let reason = String(cString: curl_easy_strerror(initialization))
            throw TransportError(.other, "libcurl failed to initialize: \(reason)")
        }
    }
}

/// A flag a task sets to end a blocking transfer early.
final class CancellationFlag: Sendable {
    private let flag = Atomic<Bool>(false)

    init() {}

    func cancel() {
        flag.store(true, ordering: .relaxed)
    }

    var isCancelled: Bool { flag.load(ordering: .relaxed) }
}

/// State that curl's callbacks fill during one `curl_easy_perform`, on the thread that called it.
private final class Transfer {
    let maxBodyBytes: Int
    let cancellation: CancellationFlag?
    var body: [UInt8] = []
    var headers = HTTPHeaders()
    var exceededBodyLimit = false
    var wasCancelled = false

    init(maxBodyBytes: Int, cancellation: CancellationFlag?) {
        self.maxBodyBytes = maxBodyBytes
        self.cancellation = cancellation
    }

    /// Records one raw header line. A status line starts a new header block, so the headers of an interim
    /// `1xx` response are dropped.
    func receiveHeaderLine(_ line: UnsafeBufferPointer<UInt8>) {
        var text = Substring(String(decoding: line, as: UTF8.self))
        while let last = text.last, last == "\r\n" || last == "\n" || last == "\r" {
            text = text.dropLast()
        }
        if text.hasPrefix("HTTP/") {
            headers = HTTPHeaders()
            return
        }
        if text.isEmpty {
            return
        }
        guard let colon = text.firstIndex(of: ":") else { return }
        let name = text[..<colon].trimmingWhitespace()
        let value = text[text.index(after: colon)...].trimmingWhitespace()
        headers.add(name: String(name), value: String(value))
    }
}

private extension Substring {
    func trimmingWhitespace() -> Substring {
        let isContent: (Character) -> Bool = { $0 != " " && $0 != "\t" }
        guard let first = firstIndex(where: isContent), let last = lastIndex(where: isContent) else { return "" }
        return self[first...last]
    }
}

/// Owners of the `curl_slist`s a request passes to curl, which must live until the transfer ends.
private final class StringLists {
    var headers: UnsafeMutablePointer<curl_slist>?
    var resolve: UnsafeMutablePointer<curl_slist>?

    func free() {
        curl_slist_free_all(headers)
        curl_slist_free_all(resolve)
    }
}

/// A value for `curl_easy_setopt`, which needs one C wrapper per argument type.
private enum OptionValue {
    case long(Int)
    case string(String)
    case bytes([UInt8])
    case pointer(UnsafeMutableRawPointer)
    case list(UnsafeMutablePointer<curl_slist>?)
    case data(tc_curl_data_callback)
    case progress(tc_curl_progress_callback)

    func set(_ option: CURLoption, on handle: UnsafeMutableRawPointer) -> CURLcode {
        switch self {
        case .long(let value): tc_curl_setopt_long(handle, option, value)
        case .string(let value): tc_curl_setopt_string(handle, option, value)
        case .bytes(let value):
            value.withUnsafeBytes { raw in
                tc_curl_setopt_pointer(handle, option, UnsafeMutableRawPointer(mutating: raw.baseAddress))
            }
        case .pointer(let value): tc_curl_setopt_pointer(handle, option, value)
        case .list(let value): tc_curl_setopt_slist(handle, option, value)
        case .data(let value): tc_curl_setopt_callback(handle, option, value)
        case .progress(let value): tc_curl_setopt_progress(handle, option, value)
        }
    }
}

// curl calls these on the thread inside curl_easy_perform, with the Transfer passed as context.

private func writeBody(data: UnsafeMutablePointer<CChar>?, size: Int, count: Int, context: UnsafeMutableRawPointer?)
    -> Int
{
    guard let data, let context else { return 0 }
    let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    guard transfer.body.count + length <= transfer.maxBodyBytes else {
        transfer.exceededBodyLimit = true
        // Returning fewer bytes than received makes curl end the transfer with CURLE_WRITE_ERROR.
        return 0
    }
    data.withMemoryRebound(to: UInt8.self, capacity: length) { bytes in
        transfer.body.append(contentsOf: UnsafeBufferPointer(start: bytes, count: length))
    }
    return length
}

private func receiveHeader(
    data: UnsafeMutablePointer<CChar>?, size: Int, count: Int, context: UnsafeMutableRawPointer?
) -> Int {
    guard let data, let context else { return 0 }
    let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    data.withMemoryRebound(to: UInt8.self, capacity: length) { bytes in
        transfer.receiveHeaderLine(UnsafeBufferPointer(start: bytes, count: length))
    }
    return length
}

private func checkCancellation(
    context: UnsafeMutableRawPointer?, downloadTotal: curl_off_t, downloadNow: curl_off_t,
    uploadTotal: curl_off_t, uploadNow: curl_off_t
) -> Int32 {
    guard let context else { return 0 }
    let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
    guard transfer.cancellation?.isCancelled == true else { return 0 }
    transfer.wasCancelled = true
    // A non-zero return makes curl end the transfer with CURLE_ABORTED_BY_CALLBACK.
    return 1
}
