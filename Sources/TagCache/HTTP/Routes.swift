import Foundation

/// tagcache's HTTP API: `GET /v1/tags`, `GET /healthz`, the OCI distribution `tags/list` endpoint under `/v2/`
/// and Proxmox VE's `query-oci-repo-tags` method.
public struct Routes: HTTPHandler {
    let cache: TagCacheService
    let log: Log
    let history: (any TagHistoryReading)?
    let oci: OCIRoutes
    let proxmox: ProxmoxRoutes

    /// - Parameters:
    ///   - history: The tag history that `sort=first-seen` and `detail=1` read; nil rejects those requests.
    ///   - v2PageSize: Tags per `/v2/<name>/tags/list` page when the request gives no `n`.
    ///   - aliases: Names that stand for a registry as the first component of a `/v2/` repository name, mapped
    ///     to the registry as references write it (`HOST` or `HOST:PORT`).
    public init(
        cache: TagCacheService, log: Log, history: (any TagHistoryReading)? = nil, v2PageSize: Int = Configuration.defaultV2PageSize,
        aliases: [String: String] = [:]
    ) {
        precondition(v2PageSize > 0, "v2PageSize must be positive, got \(v2PageSize)")
        self.cache = cache
        self.log = log
        self.history = history
        self.oci = OCIRoutes(cache: cache, pageSize: v2PageSize, aliases: aliases)
        self.proxmox = ProxmoxRoutes(cache: cache)
    }

    /// Paths matched exactly, and the methods each accepts.
    static let methods: [String: [String]] = [
        "/v1/tags": ["GET", "HEAD"],
        "/healthz": ["GET", "HEAD"],
        "/openapi.json": ["GET", "HEAD"],
    ]

    /// Every route `handle` serves, as OpenAPI path templates. docs/openapi.json describes each of them.
    static let pathTemplates = Array(methods.keys) + [
        "/v2/", "/v2/{name}/tags/list", "/v2/{name}/manifests/{reference}", "/v2/{name}/blobs/{digest}",
        ProxmoxRoutes.pathPrefix + "{node}" + ProxmoxRoutes.pathSuffix,
    ]

    public func handle(_ request: HTTPRequest) -> HTTPHandlerResult {
        if OCIRoutes.handles(request.path) {
            return oci.handle(request)
        }
        if let node = ProxmoxRoutes.node(inPath: request.path) {
            return proxmox.handle(request, node: node)
        }

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
        case "/openapi.json":
            return .response(HTTPResponse(
                status: 200, headers: [("Content-Type", "application/json")], body: Array((OpenAPIDocument.text + "\n").utf8)))
        case "/healthz":
            return .response(HTTPResponse(
                status: 200, headers: [("Content-Type", "application/json")], body: Array("{\"status\":\"ok\"}\n".utf8)))
        default:
            return tags(request)
        }
    }

    /// Query parameters of `/v1/tags`. Any other name is rejected, so a misspelled filter is not silently ignored.
    static let tagsParameters: Set<String> = [
        "reference", "sort", "order", "include", "exclude", "limit", "hide_signatures", "detail",
    ]

    private func tags(_ request: HTTPRequest) -> HTTPHandlerResult {
        if let unknown = request.query.first(where: { !Routes.tagsParameters.contains($0.name) }) {
            return .response(APIError(
                status: 400, code: "INVALID_PARAMETER",
                message: "unknown query parameter \"\(unknown.name)\"; /v1/tags takes "
                    + Routes.tagsParameters.sorted().joined(separator: ", ")
            ).response)
        }
        guard let text = request.queryValue("reference"), !text.isEmpty else {
            return .response(APIError(
                status: 400, code: "INVALID_PARAMETER",
                message: "missing or empty query parameter \"reference\"; ask for /v1/tags?reference=docker.io/library/debian"
            ).response)
        }
        let ifNoneMatch = request.headers["if-none-match"]

        // A request without Cache-Control directives gets the same response for every client, so its fresh
        // response may come from the encoded responses.
        var encoded: (key: String, generation: UInt64)?
        if request.headers["cache-control"] == nil {
            let key = EncodedTagsResponse.key(request, referenceText: text)
            switch cache.lookUpEncoded(key: key) {
            case .hit(let entry, let now):
                return .response(EncodedTagsResponse.response(entry, now: now, ifNoneMatch: ifNoneMatch))
            case .miss(let generation):
                encoded = (key, generation)
            case .disabled:
                break
            }
        }

        let reference: ImageReference
        do {
            reference = try ImageReference.parse(text)
        } catch {
            return .response(APIError(status: 400, code: "INVALID_REFERENCE", message: error.message).response)
        }

        let queried: QueriedTagsResponse
        do {
            let detail = try request.queryValue("detail").map { text throws(QueryError) in
                try TagQuery.parseSwitch(text, parameter: "detail")
            }
            queried = QueriedTagsResponse(
                query: try TagQuery(parameters: request), detail: detail ?? false, history: history)
        } catch {
            return .response(APIError(status: 400, code: "INVALID_PARAMETER", message: error.message).response)
        }
        if queried.needsHistory && history == nil {
            return .response(APIError(
                status: 400, code: "INVALID_PARAMETER",
                message: "sort=first-seen and detail=1 need the tag history, which this server does not keep"
            ).response)
        }

        let directives = RequestDirectives(cacheControl: request.header("Cache-Control"))
        let cache = self.cache
        let encodedSlot = encoded
        return Routes.answer(
            reference, cache: cache, directives: directives,
            render: { answer in
                let response = queried.render(answer, ifNoneMatch: ifNoneMatch)
                if let encoded = encodedSlot {
                    cache.storeEncoded(answer, key: encoded.key, generation: encoded.generation) { servedUntil in
                        EncodedTagsResponse.entry(
                            of: response, answer: answer, servedUntil: servedUntil, comparesEntityTag: !queried.detail)
                    }
                }
                return response
            },
            failure: { APIError.from($0).response })
    }

    /// Builds the response from the store when it can, and otherwise defers it until a fetch ends.
    ///
    /// - Parameters:
    ///   - render: Builds the response for a tag list.
    ///   - failure: Builds the response for a lookup or fetch that produced no tag list.
    static func answer(
        _ reference: ImageReference, cache: TagCacheService,
        directives: RequestDirectives = RequestDirectives(),
        render: @escaping @Sendable (CacheAnswer) -> HTTPResponse,
        failure: @escaping @Sendable (CacheError) -> HTTPResponse
    ) -> HTTPHandlerResult {
        let lookup: TagCacheService.Lookup
        do {
            lookup = try cache.lookup(reference, directives: directives)
        } catch {
            return .response(failure(error))
        }

        switch lookup {
        case .answer(let answer):
            return .response(render(answer))
        case .needsFetch(let stored):
            return .deferred {
                do throws(CacheError) {
                    let answer = try await cache.fetch(reference, fallback: stored)
                    return render(answer)
                } catch {
                    var response = failure(error)
                    response.headers += fetchFailureHeaders(
                        error, reference: reference, stored: stored, forward: nil, cache: cache)
                    return response
                }
            }
        }
    }

    /// Returns the `Cache-Status` of an error that a fetch just returned, and for a repository the registry
    /// reported unknown also the `Cache-Control` of the negative entry it stored, as a later hit on that entry has.
    ///
    /// - Parameter forward: The `fwd` value; nil derives it from `stored`, the entry the fetch was to replace.
    static func fetchFailureHeaders(
        _ error: CacheError, reference: ImageReference, stored: StoredEntry?, forward: String?,
        cache: TagCacheService
    ) -> [(name: String, value: String)] {
        guard case .fetch(let fetchError) = error else { return [] }
        if fetchError.kind == .registryNotAllowed {
            // The access policy rejected the request before any registry was contacted.
            return [("Cache-Status", "tagcache; detail=\(fetchError.kind.rawValue)")]
        }
        let forwarded: String
        if let forward {
            forwarded = forward
        } else if let stored {
            forwarded = stored.expiresAt > cache.clock() ? "request" : "stale"
        } else {
            forwarded = "uri-miss"
        }
        guard fetchError.isNegative else {
            return [("Cache-Status", "tagcache; fwd=\(forwarded); detail=\(fetchError.kind.rawValue)")]
        }
        let ttl = cache.policyForRegistry(reference.registry).negativeTTL
        let stored = ttl > 0 ? "; stored; ttl=\(ttl)" : ""
        return [
            ("Cache-Control", "max-age=\(ttl)"),
            ("Cache-Status", "tagcache; fwd=\(forwarded); fwd-status=404\(stored); detail=negative"),
        ]
    }
}
