import Foundation

/// The operator's routes: `GET /v1/repositories`, `POST /v1/refresh`, `DELETE /v1/tags` and `GET /metrics`. Every
/// other request goes to `next`.
public struct OperatorRoutes: HTTPHandler {
    let next: any HTTPHandler
    let cache: TagCacheService
    let store: any TagStore
    let admin: AdminAccess
    let log: Log

    public init(next: any HTTPHandler, cache: TagCacheService, store: any TagStore, admin: AdminAccess, log: Log) {
        self.next = next
        self.cache = cache
        self.store = store
        self.admin = admin
        self.log = log
    }

    /// Paths these routes serve, as the OpenAPI document writes them.
    static let pathTemplates = ["/v1/repositories", "/v1/refresh", "/metrics"]

    public func handle(_ request: HTTPRequest) -> HTTPHandlerResult {
        switch (request.method, request.path) {
        case ("GET", "/v1/repositories"), ("HEAD", "/v1/repositories"):
            return .response(repositories())
        case (_, "/v1/repositories"):
            return .response(methodNotAllowed(request, allowed: ["GET", "HEAD"]))
        case ("POST", "/v1/refresh"):
            return refresh(request)
        case (_, "/v1/refresh"):
            return .response(methodNotAllowed(request, allowed: ["POST"]))
        case ("DELETE", "/v1/tags"):
            return .response(purge(request))
        case ("GET", "/metrics"), ("HEAD", "/metrics"):
            return .response(HTTPResponse(
                status: 200, headers: [("Content-Type", "text/plain; version=0.0.4; charset=utf-8")],
                body: Array(cache.metricsText().utf8)))
        case (_, "/metrics"):
            return .response(methodNotAllowed(request, allowed: ["GET", "HEAD"]))
        default:
            return next.handle(request)
        }
    }

    private func repositories() -> HTTPResponse {
        // The report reads the store, so what is still collected in memory is written first.
        cache.flushPendingWrites()
        do {
            let report = try StatusReport(store: store, now: cache.clock())
            return HTTPResponse(
                status: 200, headers: [("Content-Type", "application/json"), ("Cache-Control", "no-store")],
                body: Array(report.json.utf8))
        } catch {
            log.error("store.read_failed", ["operation": "list_repositories", "error": error.description])
            return APIError.from(CacheError.store(error)).response
        }
    }

    private func refresh(_ request: HTTPRequest) -> HTTPHandlerResult {
        if let rejection = admin.rejection(of: request) { return .response(rejection.response) }
        let reference: ImageReference
        switch Self.reference(of: request) {
        case .success(let parsed): reference = parsed
        case .failure(let error): return .response(error.response)
        }
        return .deferred { [cache, log] in
            do throws(CacheError) {
                let answer = try await cache.refreshNow(reference)
                log.info("cache.refresh", ["reference": reference.name, "tags": String(answer.entry.tagCount)])
                return TagsResponse.render(answer)
            } catch {
                var response = APIError.from(error).response
                response.headers += Routes.fetchFailureHeaders(
                    error, reference: reference, stored: nil, forward: "request", cache: cache)
                return response
            }
        }
    }

    private func purge(_ request: HTTPRequest) -> HTTPResponse {
        if let rejection = admin.rejection(of: request) { return rejection.response }
        let reference: ImageReference
        switch Self.reference(of: request) {
        case .success(let parsed): reference = parsed
        case .failure(let error): return error.response
        }
        do throws(CacheError) {
            guard try cache.purge(reference) else {
                return APIError(
                    status: 404, code: "NOT_CACHED",
                    message: "no tag list of \(reference.name) is stored, so there is nothing to delete").response
            }
            log.info("cache.purge", ["reference": reference.name])
            return HTTPResponse(status: 204)
        } catch {
            return APIError.from(error).response
        }
    }

    private func methodNotAllowed(_ request: HTTPRequest, allowed: [String]) -> HTTPResponse {
        APIError(
            status: 405, code: "METHOD_NOT_ALLOWED",
            message: "\(request.method) is not allowed on \(request.path); use \(allowed.joined(separator: " or "))",
            headers: [("Allow", allowed.joined(separator: ", "))]
        ).response
    }

    /// Parses the `reference` query argument the way `GET /v1/tags` does.
    private static func reference(of request: HTTPRequest) -> Result<ImageReference, APIError> {
        guard let text = request.queryValue("reference"), !text.isEmpty else {
            return .failure(APIError(
                status: 400, code: "INVALID_PARAMETER",
                message: "missing query parameter \"reference\"; add ?reference=docker.io/library/debian"))
        }
        do {
            return .success(try ImageReference.parse(text))
        } catch {
            return .failure(APIError(status: 400, code: "INVALID_REFERENCE", message: error.message))
        }
    }
}
