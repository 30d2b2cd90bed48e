/// A request as the server received it. The path and query values are percent-decoded.
public struct HTTPRequest: Sendable {
    public var method: String
    public var path: String
    /// Query arguments in the order they appeared; a name may repeat.
    public var query: [(name: String, value: String)]
    /// Header fields with lowercase names.
    public var headers: [String: String]

    public init(
        method: String, path: String, query: [(name: String, value: String)] = [], headers: [String: String] = [:]
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
    }

    /// Returns the first value of query argument `name`, or nil.
    public func queryValue(_ name: String) -> String? {
        query.first { $0.name == name }?.value
    }

    /// Returns the value of header `name` (any case), or nil.
    public func header(_ name: String) -> String? {
        headers[name.lowercased()]
    }
}

/// A complete response: status, header fields in order, body bytes.
public struct HTTPResponse: Sendable {
    /// Storage of the body bytes.
    enum BodyStorage: Sendable {
        /// Bytes of this response alone, which the server copies when it sends them.
        case bytes([UInt8])
        /// Bytes shared with a stored response, which the server sends in place.
        case shared(ResponseBody)
    }

    public var status: Int
    public var headers: [(name: String, value: String)]
    var bodyStorage: BodyStorage

    /// The body bytes. Reading the body of a response made with `sharedBody` copies them.
    public var body: [UInt8] {
        get {
            switch bodyStorage {
            case .bytes(let bytes):
                return bytes
            case .shared(let shared):
                return shared.bytes
            }
        }
        set {
            bodyStorage = .bytes(newValue)
        }
    }

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.bodyStorage = .bytes(body)
    }

    /// Makes a response whose body is `sharedBody`, which the server sends without copying it.
    init(status: Int, headers: [(name: String, value: String)], sharedBody: ResponseBody) {
        self.status = status
        self.headers = headers
        self.bodyStorage = .shared(sharedBody)
    }
}

/// What a handler returns: a response ready now, or work whose response arrives later.
///
/// A deferred response suspends the connection without holding a server thread, so a request waiting on a slow
/// registry does not delay other requests.
public enum HTTPHandlerResult: Sendable {
    case response(HTTPResponse)
    case deferred(@Sendable () async -> HTTPResponse)
}

/// Routes requests to responses. Called on server threads: `handle` must not block on the network.
public protocol HTTPHandler: Sendable {
    func handle(_ request: HTTPRequest) -> HTTPHandlerResult
}
