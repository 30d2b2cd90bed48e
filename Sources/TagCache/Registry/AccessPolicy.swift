import Glibc

/// Decides which addresses tagcache may connect to, so a reference cannot make it reach internal services.
///
/// The policy checks every address the host resolves to, and the client then connects only to those checked
/// addresses (`CURLOPT_RESOLVE`), so DNS cannot change the answer between the check and the connect.
enum AccessPolicy {
    /// The category of an address, which decides whether the policy permits it.
    enum AddressClass: String, Sendable, Equatable {
        case global = "global"
        case loopback = "loopback"
        case privateNetwork = "private"
        case linkLocal = "link-local"
        case unspecified = "unspecified"
        case metadata = "cloud metadata"
        case multicastOrReserved = "multicast or reserved"

        /// Whether no setting permits this class.
        var isAlwaysRejected: Bool {
            switch self {
            case .linkLocal, .unspecified, .metadata, .multicastOrReserved: true
            case .global, .loopback, .privateNetwork: false
            }
        }
    }

    /// Resolves `host` and checks every address it resolves to.
    ///
    /// - Parameters:
    ///   - registry: The registry as configured, for messages.
    ///   - allow: The registry's `allow` setting, which permits loopback and private addresses.
    /// - Returns: The resolved addresses, all permitted, in resolver order without duplicates.
    /// - Throws: `FetchError.registryNotAllowed` naming the first rejected address, or `.unreachable` when the
    ///   host does not resolve.
    static func checkedAddresses(
        host: String, port: Int, registry: String, allow: Bool
    ) throws(FetchError) -> [IPAddress] {
        let addresses = try resolve(host: host, port: port, registry: registry)
        try check(addresses, host: host, registry: registry, allow: allow)
        return addresses
    }

    /// Throws `FetchError.registryNotAllowed` when any of `addresses` is rejected.
    static func check(_ addresses: [IPAddress], host: String, registry: String, allow: Bool) throws(FetchError) {
        for address in addresses {
            let addressClass = classify(address)
            let location =
                IPAddress(host) == nil ? "host \(host) resolves to \(address), which" : "address \(address)"
            if addressClass.isAlwaysRejected {
                throw FetchError(
                    .registryNotAllowed,
                    "registry \(registry) is not allowed: \(location) is a \(addressClass.rawValue) address, "
                        + "which tagcache never contacts; use a name or address that reaches the registry's "
                        + "own network interface")
            }
            if (addressClass == .loopback || addressClass == .privateNetwork) && !allow {
                throw FetchError(
                    .registryNotAllowed,
                    "registry \(registry) is not allowed: \(location) is a \(addressClass.rawValue) address; "
                        + "if the registry is trusted, add \"\(registry)\" to the configuration's registries "
                        + "with \"allow\": true or pass --insecure-registry \(registry)")
            }
        }
    }

    static func classify(_ address: IPAddress) -> AddressClass {
        address.isIPv4 ? classifyIPv4(address.bytes) : classifyIPv6(address)
    }

    private static func classifyIPv4(_ bytes: [UInt8]) -> AddressClass {
        let address = IPAddress(bytes: bytes)
        // AWS, GCP and Azure serve metadata on 169.254.169.254, Alibaba Cloud on 100.100.100.200.
        if bytes == [169, 254, 169, 254] || bytes == [100, 100, 100, 200] {
            return .metadata
        }
        if address.hasPrefix([0, 0, 0, 0], length: 8) {
            return .unspecified
        }
        if address.hasPrefix([127, 0, 0, 0], length: 8) {
            return .loopback
        }
        if address.hasPrefix([169, 254, 0, 0], length: 16) {
            return .linkLocal
        }
        if address.hasPrefix([10, 0, 0, 0], length: 8) || address.hasPrefix([172, 16, 0, 0], length: 12)
            || address.hasPrefix([192, 168, 0, 0], length: 16) || address.hasPrefix([100, 64, 0, 0], length: 10)
        {
            return .privateNetwork
        }
        if address.hasPrefix([224, 0, 0, 0], length: 4) || address.hasPrefix([240, 0, 0, 0], length: 4) {
            return .multicastOrReserved
        }
        return .global
    }

    private static func classifyIPv6(_ address: IPAddress) -> AddressClass {
        let zero = [UInt8](repeating: 0, count: 16)
        // AWS serves metadata on fd00:ec2::254 over IPv6.
        if address == IPAddress("fd00:ec2::254") {
            return .metadata
        }
        if address.bytes == zero {
            return .unspecified
        }
        if address.bytes == zero.dropLast() + [1] {
            return .loopback
        }

        // IPv4-mapped (::ffff:0:0/96), NAT64 (64:ff9b::/96) and the deprecated IPv4-compatible form (::/96)
        // reach the embedded IPv4 address, so they take its class.
        let mapped: [UInt8] = zero.prefix(10) + [0xFF, 0xFF] + zero.prefix(4)
        let nat64: [UInt8] = [0x00, 0x64, 0xFF, 0x9B] + zero.prefix(12)
        if address.hasPrefix(mapped, length: 96) || address.hasPrefix(nat64, length: 96)
            || address.hasPrefix(zero, length: 96), let embedded = address.embeddedIPv4
        {
            return classifyIPv4(embedded.bytes)
        }

        if address.hasPrefix([0xFE, 0x80] + zero.prefix(14), length: 10) {
            return .linkLocal
        }
        // fc00::/7 is unique local; fec0::/10 is the deprecated site-local range.
        if address.hasPrefix([0xFC] + zero.prefix(15), length: 7)
            || address.hasPrefix([0xFE, 0xC0] + zero.prefix(14), length: 10)
        {
            return .privateNetwork
        }
        if address.hasPrefix([0xFF] + zero.prefix(15), length: 8) {
            return .multicastOrReserved
        }
        return .global
    }

    private static func resolve(host: String, port: Int, registry: String) throws(FetchError) -> [IPAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0 else {
            let reason = String(cString: gai_strerror(status))
            throw FetchError(
                .unreachable,
                "cannot resolve host \(host) of registry \(registry): \(reason); check the registry name "
                    + "and the DNS configuration")
        }
        defer { freeaddrinfo(list) }

        var addresses: [IPAddress] = []
        var entry = list
        while let info = entry?.pointee {
            if let address = ipAddress(of: info), !addresses.contains(address) {
                addresses.append(address)
            }
            entry = info.ai_next
        }
        guard !addresses.isEmpty else {
            throw FetchError(
                .unreachable,
                "host \(host) of registry \(registry) resolves to no IPv4 or IPv6 address; check the registry name")
        }
        return addresses
    }

    private static func ipAddress(of info: addrinfo) -> IPAddress? {
        guard let socketAddress = info.ai_addr else { return nil }
        switch info.ai_family {
        case AF_INET:
            let v4 = UnsafeRawPointer(socketAddress).load(as: sockaddr_in.self)
            return IPAddress(bytes: withUnsafeBytes(of: v4.sin_addr) { Array($0) })
        case AF_INET6:
            let v6 = UnsafeRawPointer(socketAddress).load(as: sockaddr_in6.self)
            return IPAddress(bytes: withUnsafeBytes(of: v6.sin6_addr) { Array($0) })
        default:
            return nil
        }
    }
}
