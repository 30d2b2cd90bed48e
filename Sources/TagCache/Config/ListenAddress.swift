/// A listening address, `HOST:PORT` or `[IPv6]:PORT`, with the host as an IP literal or `localhost`.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    /// Host without brackets: `127.0.0.1`, `::1`, `0.0.0.0`, `localhost`.
    public var host: String
    public var port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Parses `text`. `source` names where the value came from in the error message.
    public static func parse(_ text: String, source: String = "--listen") throws(ConfigurationError) -> ListenAddress {
        let invalid = ConfigurationError(
            "\(source): invalid listen address \"\(text)\"; write HOST:PORT with an IP address, such as "
                + "127.0.0.1:8780, 0.0.0.0:8780 or [::1]:8780")

        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw invalid
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else { throw invalid }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, let port = UInt16(portText) else { throw invalid }
        return ListenAddress(host: String(host), port: port)
    }

    /// Whether only this machine can reach the address.
    public var isLoopback: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
