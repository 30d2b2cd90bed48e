import Foundation

/// A one-layer image in an OCI image layout in a scratch directory, built from local files only, which tests
/// push to a `DockerRegistry`.
///
/// The layer is a gzipped tar of one text file. Tar entries carry fixed times and owners and gzip stores no name
/// or time, so the same `layerText` gives the same digests on every build.
final class OCIImageLayout {
    static let manifestMediaType = "application/vnd.oci.image.manifest.v1+json"

    /// The tag of the one manifest in `index.json`.
    static let layoutTag = "latest"

    let directory: URL
    let manifest: Data

    /// `sha256:HEX` of `manifest`, the digest a registry reports for every tag pushed from this layout.
    let manifestDigest: String

    /// Builds the layout from a layer that contains one file with `layerText`.
    /// - Parameter layerText: the file's contents. A different text gives a different image digest.
    /// - Throws: `TestSupportError` when `tar`, `gzip` or `sha256sum` fails.
    init(layerText: String = "tagcache test layer\n") throws {
        directory = try ScratchDirectory.create(prefix: "tagcache-oci")
        let blobs = directory.appendingPathComponent("layout/blobs/sha256", isDirectory: true)
        let scratch = directory.appendingPathComponent("scratch", isDirectory: true)
        try FileManager.default.createDirectory(at: blobs, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)

        let layer = try Self.buildLayer(text: layerText, in: scratch)
        let layerDigest = try Self.addBlob(layer.compressed, to: blobs)

        // The config's diff_ids name the uncompressed layer, the manifest names the compressed blob.
        let configuration = Data("""
            {"architecture":"amd64","os":"linux","config":{},\
            "rootfs":{"type":"layers","diff_ids":["\(try Self.sha256Digest(of: layer.uncompressed))"]}}
            """.utf8)
        let configurationDigest = try Self.addBlob(configuration, to: blobs)

        manifest = Data("""
            {"schemaVersion":2,"mediaType":"\(Self.manifestMediaType)",\
            "config":{"mediaType":"application/vnd.oci.image.config.v1+json",\
            "digest":"\(configurationDigest)","size":\(configuration.count)},\
            "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip",\
            "digest":"\(layerDigest)","size":\(layer.compressed.count)}]}
            """.utf8)
        manifestDigest = try Self.addBlob(manifest, to: blobs)

        let index = """
            {"schemaVersion":2,"manifests":[{"mediaType":"\(Self.manifestMediaType)",\
            "digest":"\(manifestDigest)","size":\(manifest.count),\
            "annotations":{"org.opencontainers.image.ref.name":"\(Self.layoutTag)"}}]}
            """
        try Data(index.utf8).write(to: layoutDirectory.appendingPathComponent("index.json"))
        try Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8).write(to: layoutDirectory.appendingPathComponent("oci-layout"))
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    /// The OCI image layout directory, the `DIR` of `oci:DIR:latest`.
    var layoutDirectory: URL { directory.appendingPathComponent("layout", isDirectory: true) }

    /// Pushes the image to `repository` on `registry` under each of `tags`, with the registry's htpasswd
    /// credentials if it has them.
    ///
    /// The first tag goes through `skopeo copy oci:DIR:latest docker://…`, which uploads the blobs (about 45 ms on
    /// a 2-core test machine). Each further tag is one `PUT /v2/REPO/manifests/TAG` of the same manifest through
    /// curl (about 12 ms), because the repository then has the blobs already.
    /// - Throws: `TestSupportError` when skopeo fails or the registry does not return 201 Created.
    func push(to registry: DockerRegistry, repository: String, tags: [String]) throws {
        precondition(!tags.isEmpty, "push needs at least one tag")
        precondition(DockerRegistry.isRepositoryName(repository), "invalid repository name \(repository)")

        var credentialArguments: [String] = []
        if let credentials = registry.credentials {
            credentialArguments = ["--dest-creds", "\(credentials.user):\(credentials.password)"]
        }
        try Skopeo.copy(
            from: "oci:\(layoutDirectory.path):\(Self.layoutTag)",
            to: "docker://\(registry.host)/\(repository):\(tags[0])",
            extraArguments: credentialArguments
        )

        for tag in tags.dropFirst() {
            precondition(DockerRegistry.isTagName(tag), "invalid tag name \(tag)")
            let url = "\(registry.baseURL)/v2/\(repository)/manifests/\(tag)"
            let response = try Curl.request(
                "PUT", url,
                headers: ["Content-Type: \(Self.manifestMediaType)"],
                body: manifest,
                credentials: registry.credentials
            )
            guard response.status == 201 else {
                throw TestSupportError(
                    "PUT \(url) returned \(response.status) instead of 201: \(response.bodyText)"
                )
            }
        }
    }

    /// Writes `data` under its digest into `blobs` and returns the digest.
    private static func addBlob(_ data: Data, to blobs: URL) throws -> String {
        let digest = try sha256Digest(of: data)
        let hex = digest.dropFirst("sha256:".count)
        try data.write(to: blobs.appendingPathComponent(String(hex)))
        return digest
    }

    /// Returns the tar of one file containing `text` and its gzip compression.
    private static func buildLayer(text: String, in scratch: URL) throws -> (uncompressed: Data, compressed: Data) {
        let content = scratch.appendingPathComponent("content", isDirectory: true)
        try FileManager.default.createDirectory(at: content, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: content.appendingPathComponent("tagcache.txt"))

        let tarURL = scratch.appendingPathComponent("layer.tar")
        try Command.runChecked("/usr/bin/tar", [
            "--create", "--file", tarURL.path, "--directory", content.path,
            "--sort=name", "--mtime=@0", "--owner=0", "--group=0", "--numeric-owner",
            "tagcache.txt",
        ])
        let compressed = try Command.runChecked("/usr/bin/gzip", ["--no-name", "--stdout", tarURL.path])
        return (try Data(contentsOf: tarURL), compressed.standardOutput)
    }

    /// Returns `sha256:HEX` of `data`, computed by `sha256sum` because Foundation on Linux has no SHA-256.
    private static func sha256Digest(of data: Data) throws -> String {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("tagcache-digest-\(UUID().uuidString)")
        try data.write(to: scratch)
        defer { try? FileManager.default.removeItem(at: scratch) }

        let result = try Command.runChecked("/usr/bin/sha256sum", [scratch.path])
        let hex = result.standardOutputText.prefix { $0 != " " }
        guard hex.count == 64 else {
            throw TestSupportError("sha256sum printed \(result.standardOutputText) instead of a 64-digit hex digest")
        }
        return "sha256:\(hex)"
    }
}
