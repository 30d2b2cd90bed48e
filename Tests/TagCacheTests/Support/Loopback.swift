import Foundation

/// The hosts tests may send requests to: 127.0.0.0/8, ::1 and localhost.
enum Loopback {
    /// Tells whether the host of `url` is a loopback address. A URL without a host is not.
    static func isLoopbackURL(_ url: String) -> Bool {
        guard let host = URLComponents(string: url)?.host else {
            return false
        }
        if host == "localhost" || host == "::1" || host == "[::1]" {
            return true
        }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }
}
