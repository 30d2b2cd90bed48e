import Foundation

/// Runs `/usr/bin/skopeo` (1.9.3 on the test machine) against registries on loopback.
enum Skopeo {
    static let executablePath = "/usr/bin/skopeo"

    /// Runs `skopeo list-tags --tls-verify=false EXTRA docker://REFERENCE` and decodes its JSON output.
    /// - Parameters:
    ///   - reference: a repository reference without a tag, such as `127.0.0.1:5000/team/app`.
    ///   - extraArguments: options placed before the reference, such as `["--creds", "user:password"]`.
    /// - Returns: the normalized repository name skopeo prints, the tags in the registry's order, and the output
    ///   as printed.
    /// - Throws: `TestSupportError` with skopeo's stderr when it exits with a non-zero status or prints JSON
    ///   without `Repository` and `Tags`.
    static func listTags(
        reference: String,
        extraArguments: [String] = []
    ) throws -> (repository: String, tags: [String], rawOutput: String) {
        let result = try runListTags(reference: reference, extraArguments: extraArguments)
        guard result.status == 0 else {
            throw TestSupportError(
                "skopeo list-tags docker://\(reference) exited with status \(result.status). "
                    + "stderr: \(result.standardError)"
            )
        }

        do {
            let list = try JSONDecoder().decode(TagList.self, from: result.standardOutput)
            return (list.repository, list.tags, result.standardOutputText)
        } catch {
            throw TestSupportError(
                "skopeo list-tags docker://\(reference) printed output that is not a tag list (\(error)): "
                    + result.standardOutputText
            )
        }
    }

    /// Runs `skopeo list-tags` like `listTags` and returns the exit status and both streams undecoded, for tests
    /// that compare failures.
    static func runListTags(reference: String, extraArguments: [String] = []) throws -> CommandResult {
        precondition(Loopback.isLoopbackURL("http://\(reference)"), "tests list tags only on loopback, not \(reference)")
        let arguments = ["list-tags", "--tls-verify=false"] + extraArguments + ["docker://\(reference)"]
        return try Command.run(executablePath, arguments)
    }

    /// Runs `skopeo copy` from `source` to `destination` (transport-qualified, such as `oci:DIR:latest` and
    /// `docker://127.0.0.1:5000/team/app:v1`) without TLS verification on either side.
    /// - Throws: `TestSupportError` with skopeo's stderr when the copy fails.
    static func copy(from source: String, to destination: String, extraArguments: [String] = []) throws {
        for reference in [source, destination] where reference.hasPrefix("docker://") {
            let url = "http://" + reference.dropFirst("docker://".count)
            precondition(Loopback.isLoopbackURL(url), "tests copy images only on loopback, not \(reference)")
        }
        let arguments = ["copy", "--quiet", "--src-tls-verify=false", "--dest-tls-verify=false"]
            + extraArguments + [source, destination]
        try Command.runChecked(executablePath, arguments)
    }

    /// The JSON object `skopeo list-tags` prints.
    private struct TagList: Decodable {
        let repository: String
        let tags: [String]

        private enum CodingKeys: String, CodingKey {
            case repository = "Repository"
            case tags = "Tags"
        }
    }
}
