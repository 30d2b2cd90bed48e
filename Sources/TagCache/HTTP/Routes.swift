import Foundation

/// tagcache's HTTP API: `GET /v1/tags`, `GET /healthz`.
public struct Routes: HTTPHandler {
    let cache: TagCacheService
    let log: Log

    public init(cache: TagCacheService, log: Log) {
        self.cache = cache
        self.log = log
    }

    /// Paths and the methods each accepts.
    static let methods: [String: [String]] = [
        "/v1/tags": ["GET", "HEAD"],
        "/healthz": ["GET", "HEAD"],
    ]

    public func handle(_ request: HTTPRequest) -> HTTPHandlerResult {
        guard let allowed = Routes.methods[request.path] else {
            return .response(
                APIError(status: 404, code: "NOT_FOUND", message: "no route for \(request.path); see the README for the API").response)
        }
        guard allowed.contains(request.method) else {
            return .response(
                APIError(
                    status: 405, code: "METHOD_NOT_ALLOWED",
                    message: "\(request.method) is not allowed on \(request.path); use \(allowed.joined(separator: " or "))",
                    headers: [("Allow", allowed.joined(separator: ", "))]
                ).response)
        }

        switch request.path {
        case "/healthz":
            return .response(HTTPResponse(
                status: 200, headers: [("Content-Type", "application/json")], body: Array("{\"status\":\"ok\"}\n".utf8)))
        default:
            return tags(request)
        }
    }

    private func tags(_ request: HTTPRequest) -> HTTPHandlerResult {
        guard let text = request.queryValue("reference"), !text.isEmpty else {
            return .response(APIError(
                status: 400, code: "INVALID_PARAMETER",
                message: "missing query parameter \"reference\"; ask for /v1/tags?reference=docker.io/library/debian"
            ).response)
        }
        let reference: ImageReference
        do {
            reference = try ImageReference.parse(text)
        } catch {
            return .response(APIError(status: 400, code: "INVALID_REFERENCE", message: error.message).response)
        }

        let directives = RequestDirectives(cacheControl: request.header("Cache-Control"))
        let ifNoneMatch = request.header("If-None-Match")
        let lookup: TagCacheService.Lookup
        do {
            lookup = try cache.lookup(reference, directives: directives)
        } catch {
            return .response(APIError.from(error).response)
        }

        switch lookup {
        case .answer(let answer):
            return .response(TagsResponse.render(answer, ifNoneMatch: ifNoneMatch))
        case .needsFetch(let stored):
            return .deferred { [cache] in
                do throws(CacheError) {
                    let answer = try await cache.fetch(reference, fallback: stored)
                    return TagsResponse.render(answer, ifNoneMatch: ifNoneMatch)
                } catch {
                    return APIError.from(error).response
                }
            }
        }
    }
}
