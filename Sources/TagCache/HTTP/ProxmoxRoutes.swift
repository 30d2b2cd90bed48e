/// Proxmox VE's `GET /api2/json/nodes/{node}/query-oci-repo-tags?reference=REF` method, served from the cache.
///
/// The response uses Proxmox VE's JSON envelope: `{"data": [tags]}` on success, `{"data": null, "errors":
/// {PARAMETER: MESSAGE}}` for a failed parameter check, and `{"data": null, "message": MESSAGE}` for any other
/// failure. Tags are sorted in byte order, as `/v1/tags` returns them.
struct ProxmoxRoutes {
    let cache: TagCacheService

    static let pathPrefix = "/api2/json/nodes/"
    static let pathSuffix = "/query-oci-repo-tags"

    /// Proxmox VE's messages for a failed check of a parameter.
    static let missingMessage = "property is missing and it is not optional"
    static let patternMessage = "value does not match the regex pattern"
    // NOTE: This wording of Proxmox VE's node-name check is unverified: neither pve-common's source nor a running
    // Proxmox VE was compared.
    static let nodeMessage = "invalid format - value does not look like a valid node name"

    /// Returns the `{node}` segment when `path` is this method's path, or nil for any other path.
    static func node(inPath path: String) -> Substring? {
        guard path.hasPrefix(pathPrefix), path.hasSuffix(pathSuffix),
            path.count > pathPrefix.count + pathSuffix.count
        else {
            return nil
        }
        let node = path.dropFirst(pathPrefix.count).dropLast(pathSuffix.count)
        return node.contains("/") ? nil : node
    }

    func handle(_ request: HTTPRequest, node: Substring) -> HTTPHandlerResult {
        guard request.method == "GET" || request.method == "HEAD" else {
            return .response(Self.message(
                "\(request.method) is not allowed on \(request.path); use GET", status: 405,
                headers: [("Allow", "GET, HEAD")]))
        }
        guard Self.isNodeName(node) else {
            return .response(Self.parameterError(["node": Self.nodeMessage]))
        }
        guard let text = request.queryValue("reference") else {
            return .response(Self.parameterError(["reference": Self.missingMessage]))
        }
        guard Self.isAcceptedReference(text) else {
            return .response(Self.parameterError(["reference": Self.patternMessage]))
        }

        // The pattern accepts a few names the docker grammar rejects, such as `Foo/bar`, where docker reads the
        // uppercase first component as a path. Proxmox VE hands those to skopeo, which fails.
        let reference: ImageReference
        do {
            reference = try ImageReference.parse(text)
        } catch {
            return .response(Self.message(error.message, status: 400))
        }

        return Routes.answer(
            reference, cache: cache,
            render: { answer in
                HTTPResponse(
                    status: 200, headers: [("Content-Type", Self.contentType)],
                    body: Array("{\"data\":\(JSONText.array(answer.entry.tags))}\n".utf8))
            },
            failure: { error in
                let status = APIError.gatewayStatus(error)
                return Self.message(error.description, status: status)
            })
    }

    /// Returns whether Proxmox VE's check of `reference` accepts `text`: its pattern, and a repository path of
    /// at most 255 characters as in the docker grammar.
    static func isAcceptedReference(_ text: String) -> Bool {
        guard ProxmoxReferencePattern.matches(text) else {
            return false
        }

        // The docker grammar reads the first component as the registry when it contains "." or ":" or is
        // "localhost"; the path is what follows.
        var path = Substring(text)
        if let slash = text.firstIndex(of: "/") {
            let first = text[..<slash]
            if first.contains(".") || first.contains(":") || first == "localhost" {
                path = text[text.index(after: slash)...]
            }
        }
        return path.count <= ReferenceGrammar.maximumPathLength
    }

    /// Returns whether `node` is a node name as Proxmox VE's `pve-node` format accepts it: ASCII letters and
    /// digits with inner hyphens.
    static func isNodeName(_ node: Substring) -> Bool {
        let scalars = node.unicodeScalars
        guard let first = scalars.first, let last = scalars.last, first != "-", last != "-" else {
            return false
        }
        return scalars.allSatisfy { scalar in
            scalar.isASCII && (scalar == "-" || scalar.properties.isAlphabetic || ("0"..."9").contains(scalar))
        }
    }

    static let contentType = "application/json;charset=UTF-8"

    static func parameterError(_ errors: [String: String]) -> HTTPResponse {
        let members = errors.keys.sorted().map { "\(JSONText.string($0)):\(JSONText.string(errors[$0]!))" }
        let body = "{\"data\":null,\"errors\":{\(members.joined(separator: ","))}}\n"
        return HTTPResponse(status: 400, headers: [("Content-Type", contentType)], body: Array(body.utf8))
    }

    static func message(
        _ message: String, status: Int, headers: [(name: String, value: String)] = []
    ) -> HTTPResponse {
        let body = "{\"data\":null,\"message\":\(JSONText.string(message))}\n"
        return HTTPResponse(
            status: status, headers: [("Content-Type", contentType)] + headers, body: Array(body.utf8))
    }
}
