import Glibc

/// TCP ports on 127.0.0.1 that no socket is bound to at the moment of the call.
enum FreePort {
    /// Binds a socket to 127.0.0.1:0, reads the port the kernel chose, and closes the socket.
    ///
    /// NOTE: another process can take the port between this call and the caller's bind. On a test machine the
    /// window is a few milliseconds, and a server that then fails to bind reports it when it starts.
    static func allocate() -> UInt16 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        precondition(descriptor >= 0, "socket(AF_INET) failed with errno \(errno): the test machine has no IPv4 sockets")
        defer { close(descriptor) }

        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bindResult = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        precondition(bindResult == 0, "bind(127.0.0.1:0) failed with errno \(errno): loopback is not usable for tests")

        var boundAddress = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let nameResult = withUnsafeMutablePointer(to: &boundAddress) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                getsockname(descriptor, socketAddress, &length)
            }
        }
        precondition(nameResult == 0, "getsockname failed with errno \(errno) on a bound loopback socket")

        // sin_port is in network byte order.
        return UInt16(bigEndian: boundAddress.sin_port)
    }
}
