import Glibc

/// An IPv4 or IPv6 address as 4 or 16 bytes in network byte order.
struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    let bytes: [UInt8]

    init(bytes: [UInt8]) {
        precondition(bytes.count == 4 || bytes.count == 16, "an IP address has 4 or 16 bytes, not \(bytes.count)")
        self.bytes = bytes
    }

    /// Parses a dotted-quad IPv4 or an RFC 4291 IPv6 literal without brackets or zone. Returns nil otherwise.
    init?(_ text: String) {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            self.init(bytes: withUnsafeBytes(of: &v4) { Array($0) })
            return
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            self.init(bytes: withUnsafeBytes(of: &v6) { Array($0) })
            return
        }
        return nil
    }

    var isIPv4: Bool { bytes.count == 4 }

    /// The IPv4 address in the last 4 bytes of an IPv6 address, which IPv4-mapped, IPv4-compatible and NAT64
    /// addresses carry.
    var embeddedIPv4: IPAddress? {
        guard !isIPv4 else { return nil }
        return IPAddress(bytes: Array(bytes[12..<16]))
    }

    /// Returns whether the first `length` bits equal those of `prefix`.
    func hasPrefix(_ prefix: [UInt8], length: Int) -> Bool {
        precondition(prefix.count == bytes.count, "prefix and address differ in family")
        for bit in 0..<length {
            let mask = UInt8(0x80) >> UInt8(bit % 8)
            if bytes[bit / 8] & mask != prefix[bit / 8] & mask {
                return false
            }
        }
        return true
    }

    /// Standard text form: dotted quad, or RFC 5952 compressed IPv6.
    var description: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = isIPv4 ? AF_INET : AF_INET6
        let converted = bytes.withUnsafeBytes { raw in
            inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count))
        }
        precondition(converted != nil, "inet_ntop failed on a 4 or 16 byte address")
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
