extension SkopeoRun {
    /// Maps a failed run to the `FetchError` kind its message means, from the messages skopeo 1.9.3 prints as
    /// `level=fatal msg="…"`.
    func failure(standardError: String, status: Int32) -> FetchError {
        let message = Self.fatalMessage(in: standardError)
        let text = message.lowercased()
        let registry = reference.registry
        let quoted = message.isEmpty ? "exit status \(status)" : message
        let name = reference.name

        // skopeo 1.9.3 reports a 404 on tags/list as "invalid status code from registry 404 (Not Found)".
        if text.contains("name unknown") || text.contains("name_unknown") || text.contains("not known to registry")
            || text.contains("registry 404")
        {
            return FetchError(
                .nameUnknown, "repository \(reference.path) not found on registry \(registry) (skopeo: \(quoted)); "
                    + "check the repository name")
        }
        if text.contains("requested access to the resource is denied") {
            return FetchError(
                .nameUnknownOrDenied,
                "registry \(registry) denied access to repository \(reference.path) (skopeo: \(quoted)): it does "
                    + "not exist or is private; check its name, then "
                    + RegistryClient.credentialAdvice(credential, registry: registry))
        }
        if text.contains("unauthorized") || text.contains("authentication required")
            || text.contains("invalid username/password") || text.contains("registry 401")
        {
            let sent = credential.map { "the credentials from \($0.source)" } ?? "anonymous access"
            return FetchError(
                .unauthorized, "registry \(registry) rejected \(sent) for repository \(reference.path) "
                    + "(skopeo: \(quoted)); " + RegistryClient.credentialAdvice(credential, registry: registry))
        }
        if text.contains("denied") || text.contains("registry 403") {
            return FetchError(
                .denied, "registry \(registry) denied access to repository \(reference.path) (skopeo: \(quoted)); "
                    + "check that the account may pull it")
        }
        if text.contains("timeout") || text.contains("deadline exceeded") || text.contains("timed out") {
            return FetchError(
                .timeout, "skopeo list-tags for \(name) timed out (skopeo: \(quoted)); check that the registry is "
                    + "up, or raise its request_timeout")
        }
        if text.contains("connection refused") || text.contains("no such host") || text.contains("connection reset")
            || text.contains("x509") || text.contains("certificate") || text.contains("tls")
        {
            return FetchError(
                .unreachable, "cannot reach registry \(registry) with skopeo (\(quoted)); check the address, "
                    + "tls_verify and ca_file for this registry")
        }
        return FetchError(
            .invalidResponse, "skopeo list-tags for \(name) failed with exit status \(status) (\(quoted)); run "
                + "skopeo list-tags docker://\(name) by hand to see why")
    }

    /// Returns the `msg` of skopeo's last `level=fatal` line, at most 300 characters, or the last non-empty line
    /// of `standardError`.
    static func fatalMessage(in standardError: String) -> String {
        let lines = standardError.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        var message = lines.last ?? ""
        if let fatal = lines.last(where: { $0.contains("level=fatal") }), let start = fatal.range(of: "msg=\"") {
            var text = fatal[start.upperBound...]
            if text.hasSuffix("\"") {
                text = text.dropLast()
            }
            message = text.replacingOccurrences(of: "\\\"", with: "\"")
        }
        if message.count > 300 {
            message = String(message.prefix(297)) + "..."
        }
        return message
    }
}
