import CShim
import Glibc
import LinuxCore

/// linux.sysctl: which keys a container may set, and writing them through
/// a verified handle on the container's own /proc/sys.
public enum Sysctl {
    static let ipcKeys: Set<String> = [
        "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall", "kernel.shmmax",
        "kernel.shmmni", "kernel.shm_rmid_forced",
    ]
    static let procMagic: Int = 0x9fa0

    /// Refuses keys outside the namespaces the container owns, as runc does:
    /// a sysctl there would change the host.
    public static func check(_ sysctl: [String: String], namespaces: NamespacePlan, hostname: String?) throws(RuntimeError) {
        for key in sysctl.keys.sorted() {
            let name = key.replacingSlashes
            if ipcKeys.contains(name) || name.hasPrefix("fs.mqueue.") {
                guard namespaces.has(.ipc) else {
                    throw RuntimeError("linux.sysctl: \(key.debugDescription) needs an IPC namespace")
                }
            } else if name == "kernel.hostname" || name == "kernel.domainname" {
                guard namespaces.has(.uts) else {
                    throw RuntimeError("linux.sysctl: \(key.debugDescription) needs a UTS namespace")
                }
                if name == "kernel.hostname", let hostname, !hostname.isEmpty {
                    throw RuntimeError("linux.sysctl: \(key.debugDescription) conflicts with the hostname field")
                }
            } else if name.hasPrefix("net.") {
                if namespaces.isNew(.network) { continue }
                guard let join = namespaces.join(.network) else {
                    throw RuntimeError("linux.sysctl: \(key.debugDescription) needs a network namespace")
                }
                if isHostNetwork(join.fd) {
                    throw RuntimeError("linux.sysctl: \(key.debugDescription) is not allowed in the host's network namespace")
                }
            } else {
                throw RuntimeError("linux.sysctl: \(key.debugDescription) is not in a namespace of the container")
            }
        }
    }

    private static func isHostNetwork(_ fd: Int32) -> Bool {
        var joined = stat()
        var own = stat()
        guard fstat(fd, &joined) == 0, stat("/proc/self/ns/net", &own) == 0 else { return false }
        return joined.st_ino == own.st_ino && joined.st_dev == own.st_dev
    }

    /// Writes the values, inside the new root, before /proc/sys is made
    /// read-only. /proc/sys must be procfs, and no key may leave it through
    /// a symlink or another mount.
    public static func apply(_ sysctl: [String: String]) throws(RuntimeError) {
        if sysctl.isEmpty { return }
        let rootFD = try sys("open /") { sl_open_mode("/", SL_O_PATH | O_DIRECTORY | O_CLOEXEC, 0) }
        defer { close(rootFD) }
        let rooted = RootedPath(rootFD: rootFD, rootName: "/")
        guard let sysFD = try rooted.open("/proc/sys", flags: O_RDONLY | O_DIRECTORY, noSymlinks: true) else {
            throw RuntimeError("linux.sysctl: /proc/sys is missing in the container (mount proc on /proc)")
        }
        defer { close(sysFD) }
        guard sl_fstatfs_type(sysFD) == procMagic else {
            throw RuntimeError("linux.sysctl: /proc/sys in the container is not procfs")
        }
        for (key, value) in sysctl.sorted(by: { $0.key < $1.key }) {
            let relative = key.contains("/") ? key : key.replacingOccurrences(of: ".", with: "/")
            let resolve = SL_RESOLVE_BENEATH | SL_RESOLVE_NO_SYMLINKS | SL_RESOLVE_NO_XDEV | SL_RESOLVE_NO_MAGICLINKS
            let fd = sl_openat2(sysFD, relative, UInt64(O_WRONLY | O_CLOEXEC), 0, resolve)
            if fd < 0 {
                throw RuntimeError.sys("linux.sysctl: open /proc/sys/\(relative)", currentErrno())
            }
            defer { close(fd) }
            let bytes = Array(value.utf8)
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                throw RuntimeError.sys("linux.sysctl: write \(value.debugDescription) to \(key)", currentErrno())
            }
        }
    }
}

extension String {
    var replacingSlashes: String { replacingOccurrences(of: "/", with: ".") }

    func replacingOccurrences(of target: Character, with replacement: Character) -> String {
        String(map { $0 == target ? replacement : $0 })
    }

    func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard let t = target.first, target.count == 1, let r = replacement.first, replacement.count == 1 else { return self }
        return replacingOccurrences(of: t, with: r)
    }
}
