import Foundation

/// One `skopeo list-tags` process: its arguments, temporary credential and certificate files, and the mapping
/// of its failures to `FetchError`.
struct SkopeoRun: Sendable {
    var executable: String
    var reference: ImageReference
    var settings: RegistrySettings
    var credential: RegistryCredential?
    /// Seconds before the process is killed.
    var timeout: Double

    /// Runs skopeo and returns the tags it printed, in its order.
    func perform() throws(FetchError) -> [String] {
        let directory: URL
        do {
            directory = try makePrivateDirectory()
        } catch {
            throw FetchError(
                .unreachable, "cannot create a temporary directory for skopeo: \(error.localizedDescription)")
        }
        defer { try? FileManager.default.removeItem(at: directory) }

        let output: (status: Int32, standardOutput: Data, standardError: String)
        do {
            output = try execute(arguments(in: directory), in: directory)
        } catch let error as FetchError {
            throw error
        } catch {
            throw FetchError(
                .unreachable, "skopeo (\(executable)) failed to start: \(error.localizedDescription); check the "
                    + "installation")
        }
        guard output.status == 0 else {
            throw failure(standardError: output.standardError, status: output.status)
        }

        struct Listing: Decodable {
            var Tags: [String]?
        }
        guard let listing = try? JSONDecoder().decode(Listing.self, from: output.standardOutput) else {
            throw FetchError(
                .invalidResponse,
                "skopeo list-tags for \(reference.name) printed output that is not its JSON tag list; check the "
                    + "skopeo version")
        }
        return listing.Tags ?? []
    }

    /// Builds the command line, writing the credential and certificates into `directory`.
    private func arguments(in directory: URL) throws -> [String] {
        let verify = settings.tlsVerify && !settings.plainHTTP
        var arguments = [
            "--command-timeout", "\(Int(timeout.rounded(.up)))s", "list-tags", "--tls-verify=\(verify)",
        ]
        if let credential {
            let authFile = directory.appendingPathComponent("auth.json")
            try writePrivately(try authDocument(for: credential), to: authFile)
            arguments += ["--authfile", authFile.path]
        } else {
            arguments.append("--no-creds")
        }

        // skopeo's --cert-dir takes CA certificates as *.crt and a client pair as *.cert and *.key.
        let certificates = [
            (settings.caFile, "ca.crt"), (settings.clientCertificateFile, "client.cert"),
            (settings.clientKeyFile, "client.key"),
        ]
        if certificates.contains(where: { $0.0 != nil }) {
            let certificateDirectory = directory.appendingPathComponent("certs")
            try FileManager.default.createDirectory(at: certificateDirectory, withIntermediateDirectories: false)
            for case (let source?, let name) in certificates {
                try FileManager.default.createSymbolicLink(
                    atPath: certificateDirectory.appendingPathComponent(name).path, withDestinationPath: source)
            }
            arguments += ["--cert-dir", certificateDirectory.path]
        }
        return arguments + ["docker://\(reference.name)"]
    }

    private func authDocument(for credential: RegistryCredential) throws -> Data {
        var entry: [String: String] = [:]
        switch credential.secret {
        case .password(let password):
            entry["auth"] = Data("\(credential.username):\(password)".utf8).base64EncodedString()
        case .identityToken(let token):
            entry["auth"] = Data("\(credential.username):".utf8).base64EncodedString()
            entry["identitytoken"] = token
        }
        return try JSONSerialization.data(withJSONObject: ["auths": [reference.registry: entry]])
    }

    private func makePrivateDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tagcache-skopeo-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(
            at: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        return directory
    }

    private func writePrivately(_ data: Data, to url: URL) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: data, attributes: [.posixPermissions: 0o600])
        else {
            throw CocoaError(.fileWriteUnknown)
        }
    }

    /// Runs the process with output in files, so neither stream can fill a pipe and block it.
    private func execute(
        _ arguments: [String], in directory: URL
    ) throws -> (status: Int32, standardOutput: Data, standardError: String) {
        let outputURL = directory.appendingPathComponent("stdout")
        let errorURL = directory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        let outputHandle = try FileHandle(forWritingTo: outputURL)
        let errorHandle = try FileHandle(forWritingTo: errorURL)
        defer {
            try? outputHandle.close()
            try? errorHandle.close()
        }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = outputHandle
        process.standardError = errorHandle
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        try process.run()

        if exited.wait(timeout: .now() + timeout) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw FetchError(
                .timeout,
                "skopeo list-tags for \(reference.name) did not finish within \(timeout) s and was killed; check "
                    + "that registry \(reference.registry) is up, or raise its request_timeout")
        }
        process.waitUntilExit()
        return (
            process.terminationStatus, (try? Data(contentsOf: outputURL)) ?? Data(),
            (try? String(contentsOf: errorURL, encoding: .utf8)) ?? ""
        )
    }
}
