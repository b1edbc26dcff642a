import CShim
import Glibc
import LinuxCore

/// Opens paths inside a container's root through a root fd, with
/// RESOLVE_IN_ROOT: symlinks and ".." are resolved as if the root were "/",
/// so a container-controlled symlink can never point a mount or a write
/// outside its root.
public struct RootedPath: Sendable {
    public enum Kind: Sendable { case directory, file }

    public let rootFD: Int32
    /// For error messages: where the root is.
    public let rootName: String

    public init(rootFD: Int32, rootName: String) {
        self.rootFD = rootFD
        self.rootName = rootName
    }

    /// Opens `path` (absolute inside the root) with `flags`; nil when it does
    /// not exist.
    public func open(_ path: String, flags: Int32 = SL_O_PATH, noSymlinks: Bool = false) throws(RuntimeError) -> Int32? {
        var resolve = SL_RESOLVE_IN_ROOT | SL_RESOLVE_NO_MAGICLINKS
        if noSymlinks { resolve |= SL_RESOLVE_NO_SYMLINKS }
        let relative = path.hasPrefix("/") ? String(path.drop { $0 == "/" }) : path
        let target = relative.isEmpty ? "." : relative
        while true {
            let fd = sl_openat2(rootFD, target, UInt64(flags | O_CLOEXEC), 0, resolve)
            if fd >= 0 { return fd }
            let code = currentErrno()
            if code == EINTR || code == EAGAIN { continue }
            if code == ENOENT { return nil }
            throw RuntimeError.sys("open \(path) in \(rootName)", code)
        }
    }

    /// Opens `path` as an O_PATH fd, creating missing directories on the way
    /// and the last component as `kind` when missing. A symlink on the way
    /// whose target is missing is followed, inside the root, and its target
    /// created there.
    public func openOrCreate(_ path: String, as kind: Kind, mode: mode_t = 0o755) throws(RuntimeError) -> Int32 {
        var target = path
        for _ in 0..<40 {
            switch try createStep(target, as: kind, mode: mode) {
            case .opened(let fd):
                return fd
            case .followLink(let next):
                target = next
            }
        }
        throw RuntimeError.sys("create \(path) in \(rootName)", ELOOP)
    }

    private enum StepResult {
        case opened(Int32)
        case followLink(String)
    }

    /// One pass over the components of `path`; stops at a dangling symlink
    /// and says which path to try instead.
    private func createStep(_ path: String, as kind: Kind, mode: mode_t) throws(RuntimeError) -> StepResult {
        if let fd = try open(path) { return .opened(fd) }
        let components = path.split(separator: "/").map(String.init).filter { $0 != "." && !$0.isEmpty }
        guard !components.isEmpty else { return .opened(try existing("/")) }
        var parentFD = try existing("/")
        var prefix = ""
        for (index, name) in components.enumerated() {
            let current = prefix + "/" + name
            if let fd = try open(current) {
                close(parentFD)
                parentFD = fd
                prefix = current
                continue
            }
            if name == ".." {
                close(parentFD)
                throw RuntimeError("create \(path) in \(rootName): \"..\" leads to a missing directory")
            }
            // parentFD is the resolved parent: a single name made under it
            // cannot escape the root.
            let last = index == components.count - 1
            let dirFD: Int32
            do throws(RuntimeError) {
                dirFD = try reopenDirectory(parentFD, name: prefix.isEmpty ? "/" : prefix)
            } catch {
                close(parentFD)
                throw error
            }
            close(parentFD)
            defer { close(dirFD) }
            if let link = readLink(dirFD, name) {
                // A dangling symlink: continue from its target, inside the root.
                let rest = components[(index + 1)...].joined(separator: "/")
                let base = link.hasPrefix("/") ? link : (prefix.isEmpty ? "/" : prefix) + "/" + link
                return .followLink(rest.isEmpty ? base : base + "/" + rest)
            }
            if last && kind == .file {
                let fd = sl_openat_mode(dirFD, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o644)
                if fd >= 0 { close(fd) } else if currentErrno() != EEXIST {
                    throw RuntimeError.sys("create file \(current) in \(rootName)", currentErrno())
                }
            } else if mkdirat(dirFD, name, last ? mode : 0o755) != 0 && currentErrno() != EEXIST {
                throw RuntimeError.sys("mkdir \(current) in \(rootName)", currentErrno())
            }
            guard let fd = try open(current) else {
                throw RuntimeError.sys("create \(current) in \(rootName)", ENOENT)
            }
            parentFD = fd
            prefix = current
        }
        return .opened(parentFD)
    }

    /// The target of `name` in `dirFD` when it is a symlink.
    private func readLink(_ dirFD: Int32, _ name: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlinkat(dirFD, name, &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private func existing(_ path: String) throws(RuntimeError) -> Int32 {
        guard let fd = try open(path) else { throw RuntimeError.sys("open \(path) in \(rootName)", ENOENT) }
        return fd
    }

    /// Turns an O_PATH directory fd into one usable with *at() calls that
    /// create entries.
    private func reopenDirectory(_ fd: Int32, name: String) throws(RuntimeError) -> Int32 {
        try sys("open directory \(name) in \(rootName)") {
            sl_openat_mode(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0)
        }
    }
}

/// `stat` of an open fd.
public func fileStat(_ fd: Int32, name: String) throws(RuntimeError) -> stat {
    var st = stat()
    try sys("stat \(name)") { fstat(fd, &st) }
    return st
}
