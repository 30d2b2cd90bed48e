import Foundation

@testable import TagCache

extension FixtureRegistry {
    /// Records each request, applies a pending fault and routes the request to its endpoint, all under the lock
    /// of `Storage`, so concurrent requests see a consistent state.
    struct Handler: HTTPHandler {
        let storage: Storage

        func handle(_ request: HTTPRequest) -> HTTPHandlerResult {
            let kind = Self.kind(of: request.path)
            let (response, fault, extraHeaders) = storage.state.withLock { state in
                state.requests.append(
                    RecordedRequest(
                        method: request.method, path: request.path, query: request.query,
                        authorization: request.header("Authorization"), kind: kind))
                let fault = state.takeFault(for: kind)
                return (state.response(to: request, kind: kind), fault, state.configuration.extraHeaders)
            }
            let result = respond(to: request, response: response, fault: fault)
            guard !extraHeaders.isEmpty, case .response(var plain) = result else { return result }
            plain.headers += extraHeaders
            return .response(plain)
        }

        private func respond(to request: HTTPRequest, response: HTTPResponse, fault: Fault?) -> HTTPHandlerResult {

            switch fault {
            case nil:
                return .response(response)
            case .serviceUnavailable:
                return .response(
                    State.errorResponse(503, code: "UNAVAILABLE", message: "the fixture injected a 503"))
            case .tooManyRequests(let retryAfterSeconds):
                var limited = State.errorResponse(429, code: "TOOMANYREQUESTS", message: "the fixture injected a 429")
                limited.headers.append(("Retry-After", String(retryAfterSeconds)))
                return .response(limited)
            case .delay(let seconds):
                storage.state.withLock { state in
                    state.delayedInFlight += 1
                    state.maxDelayedInFlight = max(state.maxDelayedInFlight, state.delayedInFlight)
                }
                return .deferred { [storage] in
                    try? await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
                    storage.state.withLock { $0.delayedInFlight -= 1 }
                    return response
                }
            case .oversizedBody(let bytes):
                var padded = response
                padded.body += [UInt8](repeating: UInt8(ascii: " "), count: max(0, bytes - padded.body.count))
                return .response(padded)
            }
        }

        private static func kind(of path: String) -> RequestKind {
            if path == "/v2/" || path == "/v2" {
                return .probe
            }
            if path == "/token" {
                return .token
            }
            if path.hasPrefix("/v2/") && path.hasSuffix("/tags/list") {
                return .tagsList
            }
            return .other
        }
    }
}

extension FixtureRegistry.State {
    /// Returns the normal response to `request`: the probe, a tags page or a token, after the authentication
    /// check of the configuration.
    mutating func response(to request: HTTPRequest, kind: FixtureRegistry.RequestKind) -> HTTPResponse {
        guard request.method == "GET" || (request.method == "POST" && kind == .token) else {
            return Self.errorResponse(405, code: "UNSUPPORTED", message: "method \(request.method) is not supported")
        }

        switch kind {
        case .probe:
            if let challenge = challenge(for: request, repository: nil) {
                return challenge
            }
            return HTTPResponse(
                status: 200,
                headers: [("Content-Type", "application/json"), ("Docker-Distribution-API-Version", "registry/2.0")],
                body: Array("{}".utf8))
        case .tagsList:
            let repository = String(request.path.dropFirst("/v2/".count).dropLast("/tags/list".count))
            if let challenge = challenge(for: request, repository: repository) {
                return challenge
            }
            return tagsPage(for: request, repository: repository)
        case .token:
            return issueToken(for: request)
        case .other:
            return Self.errorResponse(404, code: "NOT_FOUND", message: "no route for \(request.path)")
        }
    }

    /// Builds a response with an OCI error body (`{"errors":[{"code":…,"message":…}]}`).
    static func errorResponse(_ status: Int, code: String, message: String) -> HTTPResponse {
        struct Body: Encodable {
            struct Entry: Encodable {
                var code: String
                var message: String
            }
            var errors: [Entry]
        }
        return HTTPResponse(
            status: status, headers: [("Content-Type", "application/json")],
            body: jsonBytes(Body(errors: [Body.Entry(code: code, message: message)])))
    }

    static func jsonBytes(_ value: some Encodable) -> [UInt8] {
        do {
            return Array(try JSONEncoder().encode(value))
        } catch {
            preconditionFailure("fixture response bodies always encode: \(error)")
        }
    }
}
