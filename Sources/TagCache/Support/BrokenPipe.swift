import Foundation

/// Turns SIGPIPE off for the whole process, once.
///
/// A write to a socket or pipe whose reader has gone raises SIGPIPE, which ends the process by default. libcurl's
/// `CURLOPT_NOSIGNAL` does not cover writes OpenSSL makes, and a credential helper can exit before it reads its
/// input. With the signal ignored, such writes fail with `EPIPE` and the caller reports an error instead.
public enum BrokenPipe {
    private static let ignored: Void = {
        signal(SIGPIPE, SIG_IGN)
    }()

    public static func ignore() {
        _ = ignored
    }
}
