import Foundation
import Glibc

/// Fresh directories for the files of servers and images that tests start.
///
/// The root is `$TAGCACHE_TEST_TMPDIR` when set. Otherwise it is `/dev/shm` when that tmpfs is writable and has
/// `minimumSharedMemoryBytes` free, because a registry seeded with 10,000 tags contains about 70,000 small files and
/// directories. Creating that tree took about 1 s on tmpfs and about 20 s on the ext4 disk of a 2-core test VM,
/// measured with a Python loop of mkdir and open. Without either, it is the system temporary
/// directory (`$TMPDIR` or /tmp).
enum ScratchDirectory {
    /// Free bytes `/dev/shm` needs before tests use it: 10,000 seeded tags take about 80 MB there, because tmpfs
    /// gives each small file a 4 KiB page.
    static let minimumSharedMemoryBytes: UInt64 = 256 * 1024 * 1024

    static let root: URL = {
        if let configured = ProcessInfo.processInfo.environment["TAGCACHE_TEST_TMPDIR"], !configured.isEmpty {
            return URL(fileURLWithPath: configured, isDirectory: true)
        }
        if sharedMemoryIsUsable() {
            return URL(fileURLWithPath: "/dev/shm", isDirectory: true)
        }
        return FileManager.default.temporaryDirectory
    }()

    /// Creates an empty directory named `PREFIX-UUID` under `root` and returns it. The caller removes it.
    /// - Throws: `TestSupportError` when the directory cannot be created.
    static func create(prefix: String) throws -> URL {
        let directory = root.appendingPathComponent("\(prefix)-\(UUID().uuidString)", isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw TestSupportError(
                "creating scratch directory \(directory.path) failed: \(error). "
                    + "Set TAGCACHE_TEST_TMPDIR to a writable directory."
            )
        }
        return directory
    }

    private static func sharedMemoryIsUsable() -> Bool {
        let path = "/dev/shm"
        guard access(path, W_OK) == 0 else {
            return false
        }
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else {
            return false
        }
        let freeBytes = UInt64(stats.f_bavail) * UInt64(stats.f_frsize)
        return freeBytes >= minimumSharedMemoryBytes
    }
}
