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

    /// Opens `path` as an SL_O_PATH fd, creating missing directories on the way
    /// and the last component as `kind` when missing.
    public func openOrCreate(_ path: String, as kind: Kind, mode: mode_t = 0o755) throws(RuntimeError) -> Int32 {
        if let fd = try open(path) { return fd }
        let components = path.split(separator: "/").map(String.init).filter { $0 != "." && !$0.isEmpty }
        guard !components.isEmpty else { return try existing("/") }
        var parentFD = try existing("/")
        var prefix = ""
        for (index, name) in components.enumerated() {
            let current = prefix + "/" + name
            defer { prefix = current }
            if let fd = try open(current) {
                close(parentFD)
                parentFD = fd
                continue
            }
            if name == ".." {
                throw RuntimeError("create \(path) in \(rootName): \"..\" leads to a missing directory")
            }
            // parentFD is the resolved parent: creating a single name under it
            // cannot escape the root.
            let last = index == components.count - 1
            let dirFD = try reopenDirectory(parentFD, name: prefix.isEmpty ? "/" : prefix)
            close(parentFD)
            defer { close(dirFD) }
            if last && kind == .file {
                let fd = sl_openat_mode(dirFD, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o644)
                if fd >= 0 { close(fd) } else if currentErrno() != EEXIST {
                    throw RuntimeError.sys("create file \(current) in \(rootName)", currentErrno())
                }
            } else if mkdirat(dirFD, name, last ? mode : 0o755) != 0 && currentErrno() != EEXIST {
                throw RuntimeError.sys("mkdir \(current) in \(rootName)", currentErrno())
            }
            guard let fd = try open(current) else {
                // It exists (EEXIST) but does not resolve: a dangling symlink.
                throw RuntimeError("create \(current) in \(rootName): it is a symlink to a missing target")
            }
            parentFD = fd
        }
        return parentFD
    }

    private func existing(_ path: String) throws(RuntimeError) -> Int32 {
        guard let fd = try open(path) else { throw RuntimeError.sys("open \(path) in \(rootName)", ENOENT) }
        return fd
    }

    /// Turns an SL_O_PATH directory fd into one usable with *at() calls that
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
