#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

import CShim

/// A raw syscall (the C shim wraps glibc's variadic syscall(2)).
func rawSyscall(_ number: Int, _ a1: Int, _ a2: Int, _ a3: Int, _ a4: Int, _ a5: Int) -> Int {
    sl_syscall5(number, a1, a2, a3, a4, a5)
}

/// Syscall numbers the checker needs (x86_64 and aarch64).
enum SyscallNumber {
    #if arch(x86_64)
    static let getcwd = 79, uname = 63, mkdir = 83, mkdirat = 258, chmod = 90, fchmodat = 268, getppid = 110
    static let ioprioGet = 252, getMempolicy = 239, personality = 135
    #elseif arch(arm64)
    static let getcwd = 17, uname = 160, mkdir = -1, mkdirat = 34, chmod = -1, fchmodat = 53, getppid = 173
    static let ioprioGet = 31, getMempolicy = 236, personality = 92
    #endif
}

/// Small wrappers over libc that return Swift values.
enum Sys {
    static func errnoName(_ code: Int32) -> String {
        let names: [Int32: String] = [
            EPERM: "EPERM", ENOENT: "ENOENT", EIO: "EIO", ENXIO: "ENXIO", EBADF: "EBADF", EACCES: "EACCES",
            EEXIST: "EEXIST", EXDEV: "EXDEV", ENODEV: "ENODEV", ENOTDIR: "ENOTDIR", EISDIR: "EISDIR",
            EINVAL: "EINVAL", EROFS: "EROFS", ENOSYS: "ENOSYS", EOPNOTSUPP: "EOPNOTSUPP", EBUSY: "EBUSY",
            ENOTTY: "ENOTTY", ENOSPC: "ENOSPC", ELOOP: "ELOOP", ENAMETOOLONG: "ENAMETOOLONG",
        ]
        return names[code] ?? "errno \(code)"
    }

    /// The whole file, or nil (errno kept) when it cannot be opened or read.
    static func readBytes(_ path: String, limit: Int = 4 << 20) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while out.count < limit {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }

    static func readText(_ path: String) -> String? {
        readBytes(path).map { String(decoding: $0, as: UTF8.self) }
    }

    static func trimmed(_ text: String) -> String {
        var s = Substring(text)
        while let c = s.last, c == "\n" || c == " " || c == "\t" { s.removeLast() }
        while let c = s.first, c == "\n" || c == " " || c == "\t" { s.removeFirst() }
        return String(s)
    }

    static func words(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)
    }

    static func readLink(_ path: String) -> String? {
        var buf = [CChar](repeating: 0, count: 4097)
        let n = readlink(path, &buf, 4096)
        guard n >= 0 else { return nil }
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func lstatPath(_ path: String) -> stat? {
        var st = stat()
        return lstat(path, &st) == 0 ? st : nil
    }

    static func statPath(_ path: String) -> stat? {
        var st = stat()
        return stat(path, &st) == 0 ? st : nil
    }

    static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    /// Names in a directory, without "." and "..".
    static func listDirectory(_ path: String) -> [String]? {
        guard let dir = opendir(path) else { return nil }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Open file descriptors of this process (the listing's own excluded).
    static func openFDs() -> [Int32: String]? {
        guard let dir = opendir("/proc/self/fd") else { return nil }
        defer { closedir(dir) }
        let own = dirfd(dir)
        var fds: [Int32: String] = [:]
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            guard let fd = Int32(name), fd != own else { continue }
            fds[fd] = readLink("/proc/self/fd/\(name)") ?? "?"
        }
        return fds
    }

    static func major<T: BinaryInteger>(_ raw: T) -> UInt64 {
        let dev = UInt64(raw)
        return ((dev >> 8) & 0xfff) | ((dev >> 32) & ~UInt64(0xfff))
    }

    static func minor<T: BinaryInteger>(_ raw: T) -> UInt64 {
        let dev = UInt64(raw)
        return (dev & 0xff) | ((dev >> 12) & ~UInt64(0xff))
    }

    static func fileType(_ mode: mode_t) -> String {
        switch mode & 0o170000 {
        case 0o020000: return "c"
        case 0o060000: return "b"
        case 0o010000: return "p"
        case 0o040000: return "dir"
        case 0o100000: return "file"
        case 0o120000: return "symlink"
        case 0o140000: return "socket"
        default: return "?"
        }
    }

    /// A "Key:\tvalue" line of /proc/self/status.
    static func statusField(_ key: String) -> String? {
        guard let text = readText("/proc/self/status") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(key + ":") {
            return trimmed(String(line.dropFirst(key.count + 1)))
        }
        return nil
    }

    /// Tries to create a file in `dir` and removes it again; returns 0 or the errno.
    static func createProbe(inDirectory dir: String) -> Int32 {
        let path = (dir.hasSuffix("/") ? dir : dir + "/") + ".conformance-probe-\(getpid())"
        let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        if fd < 0 { return errno }
        close(fd)
        unlink(path)
        return 0
    }

    /// lchown to no owner change: fails with EROFS on a read-only mount and
    /// changes nothing else (ctime aside). Returns 0 or the errno.
    static func chownProbe(_ path: String) -> Int32 {
        lchown(path, uid_t.max, gid_t.max) == 0 ? 0 : errno
    }

    /// Opens a file for writing without writing; returns 0 or the errno.
    static func writeOpenProbe(_ path: String) -> Int32 {
        let fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        if fd < 0 { return errno }
        close(fd)
        return 0
    }

    /// "0-3,7" → [0, 1, 2, 3, 7].
    static func parseList(_ text: String) -> [Int]? {
        var out: [Int] = []
        for part in Sys.trimmed(text).split(separator: ",") {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
            if bounds.count == 1, let v = Int(bounds[0]) {
                out.append(v)
            } else if bounds.count == 2, let a = Int(bounds[0]), let b = Int(bounds[1]), a <= b {
                out.append(contentsOf: a...b)
            } else {
                return nil
            }
        }
        return out.sorted()
    }
}

/// One line of /proc/self/mountinfo.
struct MountInfo {
    var id: Int
    var parent: Int
    var root: String
    var mountPoint: String
    var options: Set<String>
    var optional: [String]
    var fsType: String
    var source: String
    var superOptions: [String]

    var superSet: Set<String> { Set(superOptions) }

    /// "key=value" super options as a dictionary.
    var superValues: [String: String] {
        var out: [String: String] = [:]
        for option in superOptions {
            if let eq = option.firstIndex(of: "=") {
                out[String(option[..<eq])] = String(option[option.index(after: eq)...])
            }
        }
        return out
    }

    var propagation: String {
        var kinds: [String] = []
        for field in optional {
            if field.hasPrefix("shared:") { kinds.append("shared") }
            if field.hasPrefix("master:") { kinds.append("slave") }
            if field == "unbindable" { kinds.append("unbindable") }
        }
        return kinds.isEmpty ? "private" : kinds.joined(separator: "+")
    }

    static func unescape(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        let raw = Array(text.utf8)
        var i = 0
        while i < raw.count {
            if raw[i] == UInt8(ascii: "\\"), i + 3 < raw.count,
               let v = UInt8(String(decoding: raw[(i + 1)...(i + 3)], as: UTF8.self), radix: 8) {
                bytes.append(v)
                i += 4
            } else {
                bytes.append(raw[i])
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func load() -> [MountInfo] {
        guard let text = Sys.readText("/proc/self/mountinfo") else { return [] }
        var out: [MountInfo] = []
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ")
            guard let dash = f.firstIndex(of: "-"), dash >= 6, f.count >= dash + 3 else { continue }
            out.append(MountInfo(
                id: Int(f[0]) ?? 0, parent: Int(f[1]) ?? 0, root: unescape(f[3]), mountPoint: unescape(f[4]),
                options: Set(f[5].split(separator: ",").map(String.init)),
                optional: f[6..<dash].map(String.init), fsType: String(f[dash + 1]),
                source: unescape(f[dash + 2]),
                superOptions: f.count > dash + 3 ? f[dash + 3].split(separator: ",").map(String.init) : []))
        }
        return out
    }
}

extension Array where Element == MountInfo {
    /// The mount visible at `path` (the last one stacked on that mount point).
    func top(at path: String) -> MountInfo? {
        let here = filter { $0.mountPoint == path }
        let ids = Set(here.map(\.id))
        return here.first { m in !here.contains { $0.parent == m.id && ids.contains($0.parent) } } ?? here.last
    }

    /// Mounts strictly below `path`.
    func below(_ path: String) -> [MountInfo] {
        let prefix = path == "/" ? "/" : path + "/"
        return filter { $0.mountPoint.hasPrefix(prefix) && $0.mountPoint != path }
    }

    /// The mount that contains `path` (longest mount point prefix, topmost).
    func containing(_ path: String) -> MountInfo? {
        var best: MountInfo?
        for m in self {
            let prefix = m.mountPoint == "/" ? "/" : m.mountPoint + "/"
            if path == m.mountPoint || path.hasPrefix(prefix) {
                if best == nil || m.mountPoint.count >= best!.mountPoint.count { best = m }
            }
        }
        return best.flatMap { top(at: $0.mountPoint) }
    }
}
