/// A normalized repository reference without tag or digest, such as `docker.io/library/debian`.
///
/// Create one with `ImageReference.parse(_:)`, which applies the docker reference grammar and the Docker Hub
/// normalization. The memberwise initializer does no checking and is for code that already holds a valid name.
public struct ImageReference: Hashable, Sendable, CustomStringConvertible {
    /// Registry as written in references and configuration keys: `docker.io`, `ghcr.io`, `127.0.0.1:5000`,
    /// `[::1]:5000`. Docker Hub is always `docker.io`.
    public let registry: String

    /// Repository path inside the registry, such as `library/debian`.
    public let path: String

    public init(registry: String, path: String) {
        self.registry = registry
        self.path = path
    }

    /// Full normalized name, `registry/path`.
    public var name: String { registry + "/" + path }

    public var description: String { name }
}
