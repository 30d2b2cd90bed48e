private import CCurl
import Synchronization

/// Idle curl easy handles by connection key. A handle keeps its connection cache, DNS cache and TLS sessions
/// between transfers, so the requests of one registry reuse open connections instead of opening one per request.
///
/// A handle belongs to one transfer at a time: `checkOut` removes it from the cache and `checkIn` returns it, so
/// no two threads use a handle at once.
final class CurlHandleCache: Sendable {
    /// Idle handles kept per key. More handles than this are only made while more transfers run at once.
    static let maxIdlePerKey = 8

    /// Handle addresses as integers, which are `Sendable`; each names a handle that no transfer uses.
    private let idle = Mutex<[String: [UInt]]>([:])

    init() {}

    deinit {
        idle.withLock { idle in
            for handles in idle.values {
                for address in handles {
                    curl_easy_cleanup(UnsafeMutableRawPointer(bitPattern: address))
                }
            }
            idle.removeAll()
        }
    }

    /// Returns an idle handle of `key` with its options reset, or a new handle. Nil when curl cannot make one.
    func checkOut(key: String?) -> UnsafeMutableRawPointer? {
        if let key, let address = idle.withLock({ $0[key]?.popLast() }),
            let handle = UnsafeMutableRawPointer(bitPattern: address)
        {
            // Reset clears every option but keeps the connections, the DNS cache and the TLS session cache.
            curl_easy_reset(handle)
            return handle
        }
        return curl_easy_init()
    }

    /// Keeps `handle` for later transfers of `key`, or cleans it up when `key` is nil or enough are idle.
    func checkIn(_ handle: UnsafeMutableRawPointer, key: String?) {
        let address = UInt(bitPattern: handle)
        let kept = key.map { key in
            idle.withLock { idle in
                guard idle[key, default: []].count < Self.maxIdlePerKey else { return false }
                idle[key, default: []].append(address)
                return true
            }
        } ?? false
        if !kept {
            curl_easy_cleanup(handle)
        }
    }
}
