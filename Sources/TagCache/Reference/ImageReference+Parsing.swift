extension ImageReference {
    /// Registry of references that name none.
    static let dockerHubRegistry = "docker.io"

    /// Other names of Docker Hub that normalize to `docker.io`.
    static let dockerHubAliases: Set<String> = ["index.docker.io", "registry-1.docker.io"]

    /// Transport prefix that skopeo uses for registry references.
    static let dockerTransport = "docker://"

    /// Parses and normalizes a repository reference such as `debian`, `ghcr.io/org/app` or
    /// `docker://127.0.0.1:5000/team/app`.
    ///
    /// The first path component is the registry only when it contains `.` or `:`, is `localhost`, or starts
    /// with `[`, as in docker. Without a registry the reference is on Docker Hub, where a single component
    /// gets the `library/` prefix. The host keeps its case as written, as docker does.
    ///
    /// - Throws: `ReferenceError` naming the invalid part, also for a reference that carries a tag or digest,
    ///   because a tag list belongs to a repository.
    public static func parse(_ text: String) throws(ReferenceError) -> ImageReference {
        try rejectInvisibleCharacters(in: text)
        let name = try removeTransport(from: text)
        try rejectTagAndDigest(in: name, input: text)
        try rejectImageID(name, input: text)

        var registry = dockerHubRegistry
        var path = name[...]
        if let slash = name.firstIndex(of: "/"), isDomain(name[..<slash]) {
            let domain = name[..<slash]
            try ReferenceGrammar.checkDomain(domain, input: text)
            registry = String(domain)
            path = name[name.index(after: slash)...]

            if path.isEmpty {
                throw ReferenceError(
                    text,
                    "registry \(ReferenceGrammar.quoted(domain)) is followed by no repository path; "
                        + "add one, as in \(domain)/team/app"
                )
            }
        }
        try ReferenceGrammar.checkPath(path, input: text)

        return try normalized(registry: registry, path: String(path), input: text)
    }

    /// Returns whether the first component of a name is a registry rather than part of the repository path.
    private static func isDomain(_ component: Substring) -> Bool {
        component.contains(".") || component.contains(":") || component == "localhost" || component.hasPrefix("[")
    }

    private static func rejectInvisibleCharacters(in text: String) throws(ReferenceError) {
        if text.isEmpty {
            throw ReferenceError(text, "the reference is empty; give a repository such as debian or ghcr.io/org/app")
        }

        // Printable ASCII other than space has no whitespace or control characters, and is checked without the
        // Unicode property tables.
        if text.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) {
            return
        }
        for (offset, scalar) in text.unicodeScalars.enumerated() {
            if scalar.properties.isWhitespace {
                throw ReferenceError(
                    text,
                    "whitespace at character \(offset + 1); remove spaces, tabs and line breaks"
                )
            }
            let category = scalar.properties.generalCategory
            if category == .control || category == .format {
                throw ReferenceError(
                    text,
                    "control character U+\(hex(scalar)) at character \(offset + 1); remove it"
                )
            }
        }
    }

    private static func removeTransport(from text: String) throws(ReferenceError) -> Substring {
        var name = text[...]
        if name.hasPrefix(dockerTransport) {
            name = name.dropFirst(dockerTransport.count)
            if name.isEmpty {
                throw ReferenceError(text, "nothing follows \"docker://\"; add a repository, as in docker://debian")
            }
            return name
        }

        if let scheme = name.firstRange(of: "://") {
            let prefix = name[..<scheme.upperBound]
            throw ReferenceError(
                text,
                "the prefix \(ReferenceGrammar.quoted(prefix)) is not supported; remove it, "
                    + "because only \"docker://\" or no prefix is accepted"
            )
        }
        return name
    }

    /// Throws when `name` ends in `:tag`, `@digest` or both, naming the parts to remove.
    ///
    /// A colon counts as a tag separator only in the last path component, because in the first one it may
    /// separate a port.
    private static func rejectTagAndDigest(in name: Substring, input: String) throws(ReferenceError) {
        var repository = name
        var digest: Substring?
        if let at = name.firstIndex(of: "@") {
            repository = name[..<at]
            digest = name[at...]
        }

        var tag: Substring?
        let lastSlash = repository.lastIndex(of: "/")
        let lastComponent = repository[(lastSlash.map { repository.index(after: $0) } ?? repository.startIndex)...]
        if lastSlash == nil && lastComponent.hasPrefix("[") {
            if let close = lastComponent.firstIndex(of: "]") {
                throw ReferenceError(
                    input,
                    "registry \(ReferenceGrammar.quoted(lastComponent)) is followed by no repository path; "
                        + "add one, as in \(lastComponent[...close])/team/app"
                )
            }
        } else if let colon = lastComponent.firstIndex(of: ":") {
            tag = repository[colon...]
        }

        var parts: [String] = []
        if let tag {
            parts.append("the tag \(ReferenceGrammar.quoted(tag))")
        }
        if let digest {
            parts.append("the digest \(ReferenceGrammar.quoted(digest))")
        }
        if parts.isEmpty {
            return
        }

        var reason = "listing needs a repository without tag or digest; remove \(parts.joined(separator: " and "))"
        if let tag, digest == nil, lastSlash == nil,
           looksLikeRegistry(host: repository[..<tag.startIndex], port: tag.dropFirst()) {
            reason += ", or if \(ReferenceGrammar.quoted(repository)) is a registry, add a repository path, "
                + "as in \(repository)/team/app"
        }
        throw ReferenceError(input, reason)
    }

    /// Throws for a bare 64-digit lowercase hex string, which docker reads as an image ID.
    private static func rejectImageID(_ name: Substring, input: String) throws(ReferenceError) {
        let isHex = name.unicodeScalars.allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) }
        if name.unicodeScalars.count == 64 && isHex {
            throw ReferenceError(
                input,
                "a 64-digit hex string is an image ID, not a repository; give the repository name instead"
            )
        }
    }

    /// Returns whether `host:port` without a slash more likely means a registry than a Docker Hub repository and tag.
    private static func looksLikeRegistry(host: Substring, port: Substring) -> Bool {
        let isPort = !port.isEmpty && port.unicodeScalars.allSatisfy(ReferenceGrammar.isASCIIDigit)
        return isPort && (host == "localhost" || host.contains("."))
    }

    private static func normalized(
        registry: String,
        path: String,
        input: String
    ) throws(ReferenceError) -> ImageReference {
        var registry = registry
        if dockerHubAliases.contains(registry) {
            registry = dockerHubRegistry
        }

        var path = path
        if registry == dockerHubRegistry && !path.contains("/") {
            path = "library/" + path
        }

        if path.utf8.count > ReferenceGrammar.maximumPathLength {
            throw ReferenceError(
                input,
                "repository path \(ReferenceError.quoted(path)) is \(path.utf8.count) characters long; "
                    + "shorten it to at most \(ReferenceGrammar.maximumPathLength)"
            )
        }
        return ImageReference(registry: registry, path: path)
    }

    private static func hex(_ scalar: Unicode.Scalar) -> String {
        let digits = String(scalar.value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
