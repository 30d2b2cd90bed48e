/// The read-only part of the OCI distribution API that tag listing needs: `GET /v2/` and
/// `GET /v2/<name>/tags/list` with `n` and `last` pagination, served from the cache.
///
/// `<name>` is read as a reference. Its first component is the registry when it contains `.` or `:`, is
/// `localhost`, or is a configured alias. Otherwise the repository is on Docker Hub. Manifests and blobs are not
/// served, and every other `/v2/` route returns an error in the distribution specification's shape.
struct OCIRoutes {
    let cache: TagCacheService
    /// Tags per page when the request gives no `n`.
    let pageSize: Int
    /// Alias to registry, as in `Configuration.aliases`.
    let aliases: [String: String]

    static let versionHeader = (name: "Docker-Distribution-API-Version", value: "registry/2.0")

    /// Route segments of the specification that tagcache does not serve, after the repository name.
    static let unsupportedSegments = ["/manifests/", "/blobs/", "/referrers/"]

    /// Returns whether `path` belongs to this API.
    static func handles(_ path: String) -> Bool {
        path == "/v2" || path.hasPrefix("/v2/")
    }

    func handle(_ request: HTTPRequest) -> HTTPHandlerResult {
        guard request.method == "GET" || request.method == "HEAD" else {
            return .response(OCIError(
                status: 405, code: "UNSUPPORTED",
                message: "\(request.method) is not supported; tagcache serves GET and HEAD only",
                headers: [("Allow", "GET, HEAD")]
            ).response)
        }
        if request.path == "/v2" || request.path == "/v2/" {
            return .response(HTTPResponse(
                status: 200, headers: [("Content-Type", "application/json"), Self.versionHeader],
                body: Array("{}\n".utf8)))
        }

        let path = request.path.dropFirst("/v2/".count)
        if path.hasSuffix("/tags/list") {
            return tags(name: String(path.dropLast("/tags/list".count)), request: request)
        }
        if path == "_catalog" || Self.unsupportedSegments.contains(where: { path.contains($0) }) {
            return .response(OCIError(
                status: 405, code: "UNSUPPORTED",
                message: "tagcache serves tag lists only; fetch manifests and blobs from the registry itself"
            ).response)
        }
        return .response(OCIError(
            status: 404, code: "UNSUPPORTED",
            message: "no route for \(request.path); tagcache serves /v2/ and /v2/<name>/tags/list"
        ).response)
    }

    private func tags(name: String, request: HTTPRequest) -> HTTPHandlerResult {
        // A page depends on nothing but the name, `n`, `last` and the stored entry, so its fresh response may come
        // from the encoded responses without resolving the name or slicing the tag list.
        let key = EncodedTagListResponse.key(request, name: name)
        let generation: UInt64?
        switch cache.lookUpEncoded(key: key) {
        case .hit(let entry, _):
            return .response(EncodedTagListResponse.response(entry))
        case .miss(let current):
            generation = current
        case .disabled:
            generation = nil
        }

        let reference: ImageReference
        do {
            reference = try resolve(name)
        } catch {
            return .response(OCIError(status: 400, code: "NAME_INVALID", message: error.message, detail: name).response)
        }

        let page: TagPageRequest
        do {
            page = try TagPageRequest(query: request, defaultSize: pageSize)
        } catch {
            return .response(error.response)
        }

        let cache = self.cache
        return Routes.answer(
            reference, cache: cache,
            render: { answer in
                let response = page.response(name: name, tags: answer.entry.tags)
                if let generation {
                    cache.storeEncoded(answer, key: key, generation: generation) { servedUntil in
                        EncodedTagListResponse.entry(of: response, answer: answer, servedUntil: servedUntil)
                    }
                }
                return response
            },
            failure: { OCIError.from($0, name: name).response })
    }

    /// Returns the reference that the repository name `name` of a `/v2/` path stands for.
    func resolve(_ name: String) throws(ReferenceError) -> ImageReference {
        if let slash = name.firstIndex(of: "/"), let registry = aliases[String(name[..<slash])] {
            return try ImageReference.parse(registry + name[slash...])
        }
        // ImageReference.parse applies the same first-component rule as docker, and the docker:// prefix or a
        // tag cannot appear here because `:` and `//` do not survive the check of the path.
        return try ImageReference.parse(name)
    }
}
