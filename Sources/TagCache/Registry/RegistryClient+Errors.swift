import Foundation

extension RegistryClient {
    /// Sends `request`, retrying as the registry's `RetryPolicy` allows, records rate-limit headers, and turns a
    /// transport failure into a `FetchError` naming the registry and the URL. Returns the last response whatever
    /// its status.
    func send(_ request: ClientRequest, for target: FetchTarget) async throws(FetchError) -> ClientResponse {
        let policy = target.settings.retry
        let started = Date()
        var attempt = 1
        while true {
            if let limiter, await !limiter.acquireRequest(registry: target.registry) {
                throw FetchError(
                    .unreachable,
                    "fetch from registry \(target.registry) was cancelled while \(request.method) \(request.url) "
                        + "waited for the registry's request rate")
            }
            let result: Result<ClientResponse, TransportError>
            let sent = ContinuousClock.now
            do {
                result = .success(try await http.send(request))
            } catch {
                result = .failure(error)
            }
            let elapsed = (ContinuousClock.now - sent) / .seconds(1)

            let delay: Double?
            switch result {
            case .success(let response):
                stats.recordRequest(registry: target.registry, status: response.status, seconds: elapsed)
                stats.recordHeaders(response.headers, registry: target.registry)
                if response.status == 429 {
                    limiter?.recordRateLimited(registry: target.registry)
                }
                delay = policy.delay(after: response, attempt: attempt)
            case .failure(let error):
                stats.recordRequest(registry: target.registry, status: nil, seconds: elapsed)
                delay = policy.delay(after: error, attempt: attempt)
            }
            guard let delay, attempt < policy.maxAttempts,
                Date().timeIntervalSince(started) + delay <= policy.maxTotalTime, !Task.isCancelled
            else {
                return try result.mapError { fetchError($0, request: request, target: target) }.get()
            }

            let outcome = switch result {
            case .success(let response): "HTTP \(response.status)"
            case .failure(let error): error.message
            }
            log.info(
                "registry.retry",
                [
                    "registry": target.registry, "url": "\(request.url.scheme)://\(request.url.authority)\(request.url.path)",
                    "attempt": String(attempt), "delay_ms": String(Int(delay * 1000)), "error": outcome,
                ])
            stats.recordRetry(registry: target.registry)
            try? await Task.sleep(nanoseconds: UInt64(delay * 1_000_000_000))
            attempt += 1
        }
    }

    private func fetchError(_ error: TransportError, request: ClientRequest, target: FetchTarget) -> FetchError {
        let registry = target.registry
        switch error.kind {
        case .timeout:
            return FetchError(
                .timeout,
                "request to registry \(registry) timed out (connect timeout \(target.settings.connectTimeout) s, "
                    + "request timeout \(target.settings.requestTimeout) s): \(error.message); check that the "
                    + "registry is up, or raise its timeouts in the configuration")
        case .connectionFailed:
            return FetchError(
                .unreachable,
                "cannot reach registry \(registry): \(error.message); check that the registry is up at "
                    + "\(target.baseURL) and whether its plain_http setting matches how it serves")
        case .tls:
            return FetchError(
                .unreachable,
                "TLS with registry \(registry) failed: \(error.message); for a certificate from a private CA set "
                    + "ca_file for the registry, for a registry that requires client certificates set client_cert "
                    + "and client_key, and for a registry that speaks plain HTTP set plain_http")
        case .tooLarge:
            return FetchError(
                .limitExceeded,
                "a response of registry \(registry) for repository \(target.repository) is larger than "
                    + "\(request.maxBodyBytes) bytes (\(request.method) \(request.url)); raise max_page_bytes for "
                    + "this registry in the configuration")
        case .cancelled:
            return FetchError(.unreachable, "fetch from registry \(registry) was cancelled: \(error.message)")
        case .other:
            return FetchError(
                .unreachable,
                "request to registry \(registry) failed: \(error.message); check the registry address in the "
                    + "reference and the configuration")
        }
    }

    /// Maps a `tags/list` response other than 200 to the `FetchError` its status means.
    func statusError(
        _ response: ClientResponse, request: ClientRequest, target: FetchTarget, sentToken: Bool,
        credential: RegistryCredential? = nil
    ) -> FetchError {
        let registry = target.registry
        let repository = target.repository
        let detail = registryMessageSuffix(response.body)
        switch response.status {
        case 404:
            return FetchError(
                .nameUnknown,
                "repository \(repository) not found on registry \(registry)\(detail); check the repository name")
        case 401:
            let sent = switch (credential, sentToken) {
            case (let credential?, _): "the credentials from \(credential.source)"
            case (nil, true): "an anonymous token"
            case (nil, false): "a request without credentials"
            }
            return FetchError(
                .unauthorized,
                "registry \(registry) rejected \(sent) for repository \(repository) (HTTP 401)\(detail); "
                    + Self.credentialAdvice(credential, registry: registry))
        case 403:
            return FetchError(
                .denied,
                "registry \(registry) denied access to repository \(repository) (HTTP 403)\(detail); check "
                    + (credential.map { "that the account in \($0.source) may pull it" }
                        ?? "that the registry permits anonymous pulls of it"))
        case 429:
            return FetchError(
                .invalidResponse,
                "registry \(registry) rate-limited \(request.method) \(request.url) (HTTP 429)\(detail), and "
                    + "retries did not get through; wait before asking again, or use credentials with a higher "
                    + "limit")
        default:
            return FetchError(
                .invalidResponse,
                "registry \(registry) returned HTTP \(response.status) to \(request.method) \(request.url)"
                    + "\(detail); retry later, or report this to the registry's operator if it persists")
        }
    }

    /// Formats the errors of an OCI error body (`{"errors": [{"code": …, "message": …}]}`) as ` (registry error CODE: message; …)`,
    /// at most 300 characters, or the empty string when the body is not one. Other bodies are never quoted,
    /// because an HTML error page would flood the message.
    func registryMessageSuffix(_ body: [UInt8]) -> String {
        struct ErrorBody: Decodable {
            struct Entry: Decodable {
                var code: String?
                var message: String?
            }
            var errors: [Entry]
        }
        guard let decoded = try? JSONDecoder().decode(ErrorBody.self, from: Data(body)), !decoded.errors.isEmpty
        else { return "" }

        let parts = decoded.errors.map { entry in
            [entry.code, entry.message].compactMap { $0 }.joined(separator: ": ")
        }
        var text = parts.joined(separator: "; ")
        if text.count > 300 {
            text = String(text.prefix(297)) + "..."
        }
        return " (registry error \(text))"
    }
}
