/// Body bytes stored once and sent many times, in memory that `HTTPServer` hands to libmicrohttpd without a copy.
///
/// `init` copies the bytes into memory this object allocates. That memory does not move or change until `deinit`
/// frees it, so `baseAddress` stays valid for as long as a strong reference exists. `HTTPServer` takes one for
/// every libmicrohttpd response that sends the bytes and drops it when libmicrohttpd destroys that response.
///
/// `@unchecked Sendable`: the memory is written only in `init` and only read afterwards.
final class ResponseBody: @unchecked Sendable {
    /// Number of body bytes.
    let count: Int
    private let storage: UnsafeMutableRawPointer

    init(copying bytes: [UInt8]) {
        count = bytes.count
        // One byte at least, so that an empty body also has an address to hand over.
        storage = UnsafeMutableRawPointer.allocate(byteCount: max(1, bytes.count), alignment: 1)
        bytes.withUnsafeBytes { source in
            if let start = source.baseAddress {
                storage.copyMemory(from: start, byteCount: source.count)
            }
        }
    }

    deinit {
        storage.deallocate()
    }

    /// The first body byte, valid while this object is alive.
    var baseAddress: UnsafeRawPointer {
        UnsafeRawPointer(storage)
    }

    /// A copy of the body bytes.
    var bytes: [UInt8] {
        Array(UnsafeRawBufferPointer(start: storage, count: count))
    }
}
