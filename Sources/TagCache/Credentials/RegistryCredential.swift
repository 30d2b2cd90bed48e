import Foundation

/// A user name with a password or an identity token for one registry, and where it came from.
///
/// `description` and `debugDescription` name only the source, so interpolating a credential into a log line or
/// an error message cannot reveal the secret.
public struct RegistryCredential: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    public enum Secret: Sendable, Equatable, CustomStringConvertible {
        /// Sent as HTTP Basic credentials, to the registry or its token realm.
        case password(String)
        /// An OAuth2 refresh token (`identitytoken` in auth.json), exchanged at the token realm for a token.
        case identityToken(String)

        public var description: String { "<redacted>" }
    }

    public var username: String
    public var secret: Secret

    /// The origin of the credential, for error messages: `--creds`, a file path, or a credential helper.
    public var source: String

    public init(username: String, secret: Secret, source: String) {
        self.username = username
        self.secret = secret
        self.source = source
    }

    public var description: String { "credentials from \(source)" }
    public var debugDescription: String { description }

    /// The `Authorization` value for HTTP Basic with the user name and the password or identity token.
    var basicAuthorization: String {
        let secretText = switch secret {
        case .password(let password): password
        case .identityToken(let token): token
        }
        return "Basic " + Data("\(username):\(secretText)".utf8).base64EncodedString()
    }

    /// A digest of the user name and secret, so cached tokens are kept apart per credential without keeping the
    /// secret itself as a key.
    var fingerprint: String {
        let secretText = switch secret {
        case .password(let password): "p:" + password
        case .identityToken(let token): "t:" + token
        }
        return SHA256.hexDigest(of: username + "\u{0}" + secretText)
    }
}
