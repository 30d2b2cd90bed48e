import Foundation

/// A docker credential helper, `docker-credential-NAME`, found on `PATH` and run as `docker-credential-NAME get`
/// with the server URL on standard input. It prints `{"ServerURL": …, "Username": …, "Secret": …}`.
struct CredentialHelper {
    var name: String
    /// Seconds the helper may run before it is killed.
    var timeout: Double

    var executableName: String { "docker-credential-\(name)" }

    /// Runs the helper for `registry` and returns its credential, or nil when it has none for the registry.
    ///
    /// - Throws: `CredentialError` naming the helper when it is missing, times out, fails or prints something
    ///   other than the expected JSON. Its output is never quoted, because it may contain the secret.
    func credential(for registry: String) throws(CredentialError) -> RegistryCredential? {
        guard let executable = Self.findExecutable(executableName) else {
            throw CredentialError(
                "credential helper \(executableName) is configured for registry \(registry) but is not on PATH; "
                    + "install it or remove it from credHelpers or credsStore")
        }
        // Docker keeps Docker Hub's credentials under its legacy index URL.
        let serverURL = registry == "docker.io" ? "https://index.docker.io/v1/" : registry
        let result = try run(executable, input: serverURL, registry: registry)

        guard result.status == 0 else {
            if String(decoding: result.output, as: UTF8.self).lowercased().contains("credentials not found") {
                return nil
            }
            throw CredentialError(
                "credential helper \(executableName) failed for registry \(registry) with exit status "
                    + "\(result.status); run '\(executableName) get' by hand to see why")
        }

        struct Output: Decodable {
            var Username: String?
            var Secret: String?
        }
        guard let decoded = try? JSONDecoder().decode(Output.self, from: result.output) else {
            throw CredentialError(
                "credential helper \(executableName) printed output that is not its JSON document for registry "
                    + "\(registry); check the helper's version")
        }
        guard let secret = decoded.Secret, !secret.isEmpty else { return nil }
        let source = "credential helper \(executableName)"
        // Helpers store an identity token under the user name "<token>".
        if decoded.Username == "<token>" {
            return RegistryCredential(username: "", secret: .identityToken(secret), source: source)
        }
        return RegistryCredential(username: decoded.Username ?? "", secret: .password(secret), source: source)
    }

    private func run(
        _ executable: String, input: String, registry: String
    ) throws(CredentialError) -> (status: Int32, output: Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["get"]
        let standardInput = Pipe()
        let standardOutput = Pipe()
        process.standardInput = standardInput
        process.standardOutput = standardOutput
        process.standardError = FileHandle.nullDevice
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        do {
            try process.run()
        } catch {
            throw CredentialError(
                "credential helper \(executable) failed to start for registry \(registry): "
                    + "\(error.localizedDescription); check that it is executable")
        }
        BrokenPipe.ignore()
        try? standardInput.fileHandleForWriting.write(contentsOf: Data(input.utf8))
        try? standardInput.fileHandleForWriting.close()

        // The output is read on another thread, so a helper that fills the pipe cannot block its own exit.
        let output = OutputCollector(standardOutput.fileHandleForReading)
        if exited.wait(timeout: .now() + timeout) == .timedOut {
            // NOTE: only the helper is killed. A child it started that keeps the output pipe open delays the
            // return until that child exits (seen with a shell script running `sleep`).
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw CredentialError(
                "credential helper \(executableName) timed out for registry \(registry) within "
                    + "\(timeout) s and was killed; check whether it waits for a password prompt or a locked "
                    + "keychain")
        }
        process.waitUntilExit()
        return (process.terminationStatus, output.wait())
    }

    static func findExecutable(_ name: String, environment: [String: String] = ProcessInfo.processInfo.environment)
        -> String?
    {
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) {
                return candidate
            }
        }
        return nil
    }
}

/// Reads a pipe to its end on a thread of its own.
final class OutputCollector: @unchecked Sendable {
    // `data` is written once by the reading thread before `done` is signalled, and read only after `wait()`.
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    func wait() -> Data {
        done.wait()
        return data
    }
}
