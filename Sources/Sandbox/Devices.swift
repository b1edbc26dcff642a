import CShim
import Glibc
import LinuxCore
import OCISpec

/// Device nodes and the standard symlinks in the container's /dev.
struct DeviceSetup {
    let rooted: RootedPath
    let userNamespace: Bool

    /// The devices every container gets (runtime-spec "Default Devices").
    static let defaults: [(name: String, major: UInt32, minor: UInt32)] = [
        ("null", 1, 3), ("zero", 1, 5), ("full", 1, 7), ("random", 1, 8), ("urandom", 1, 9), ("tty", 5, 0),
    ]

    static let symlinks: [(name: String, target: String)] = [
        ("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"), ("ptmx", "pts/ptmx"),
    ]

    /// The default devices and symlinks, then `linux.devices`. When the
    /// config bind-mounts /dev (the host's, usually), nothing is created in
    /// it: the defaults are skipped, and a configured device under /dev must
    /// already be there as that device; configured devices elsewhere are
    /// created as usual.
    func create(configured: [LinuxDevice], devIsBound: Bool) throws(RuntimeError) {
        if !devIsBound { try createDefaults(except: configured) }
        try createConfigured(configured, devIsBound: devIsBound)
    }

    private func createDefaults(except extra: [LinuxDevice]) throws(RuntimeError) {
        let devFD = try directory("/dev")
        defer { close(devFD) }
        let configured = Set(extra.map { Path.clean($0.path) })
        for device in Self.defaults where !configured.contains("/dev/" + device.name) {
            try makeNode(in: devFD, name: device.name, path: "/dev/" + device.name, type: S_IFCHR,
                         major: device.major, minor: device.minor, mode: 0o666, uid: 0, gid: 0, verifyExisting: false)
        }
        for link in Self.symlinks {
            if link.name == "ptmx" { _ = unlinkat(devFD, link.name, 0) }
            if symlinkat(link.target, devFD, link.name) != 0 && currentErrno() != EEXIST {
                throw RuntimeError.sys("symlink /dev/\(link.name)", currentErrno())
            }
        }
    }

    private func createConfigured(_ devices: [LinuxDevice], devIsBound: Bool) throws(RuntimeError) {
        for device in devices {
            // config-linux.md: the path MAY be anywhere in the container.
            let path = Path.clean("/" + device.path)
            guard path != "/" else { throw RuntimeError("linux.devices: \(device.path.debugDescription) is not a device path") }
            let type: mode_t
            switch device.type {
            case "c", "u": type = S_IFCHR
            case "b": type = S_IFBLK
            case "p": type = S_IFIFO
            default: throw RuntimeError("linux.devices: \(device.path): unknown device type \(device.type.debugDescription)")
            }
            let major = UInt32(truncatingIfNeeded: device.major ?? 0), minor = UInt32(truncatingIfNeeded: device.minor ?? 0)
            if devIsBound && path.hasPrefix("/dev/") {
                try requireExisting(path: path, type: type, major: major, minor: minor)
                continue
            }
            let parentFD = try directory(Path.dirname(path))
            defer { close(parentFD) }
            try makeNode(in: parentFD, name: Path.basename(path), path: path, type: type,
                         major: major, minor: minor, mode: mode_t(device.fileMode ?? 0o666) & 0o7777, uid: device.uid ?? 0, gid: device.gid ?? 0,
                         verifyExisting: true)
        }
    }

    /// A configured device inside a bind-mounted /dev: it must be there.
    private func requireExisting(path: String, type: mode_t, major: UInt32, minor: UInt32) throws(RuntimeError) {
        let parentPath = Path.dirname(path)
        guard let parentFD = try rooted.open(parentPath, flags: O_RDONLY | O_DIRECTORY) else { throw Self.notInBoundDev(path) }
        defer { close(parentFD) }
        var st = stat()
        guard fstatat(parentFD, Path.basename(path), &st, Int32(SL_AT_SYMLINK_NOFOLLOW)) == 0 else { throw Self.notInBoundDev(path) }
        try Self.requireDevice(st, path: path, type: type, major: major, minor: minor)
    }

    static func notInBoundDev(_ path: String) -> RuntimeError {
        RuntimeError("linux.devices: \(path) is not in the bind-mounted /dev, and Swiftlet does not create nodes in a bind-mounted /dev")
    }

    /// An fd usable with mknodat/symlinkat for a directory inside the root.
    private func directory(_ path: String) throws(RuntimeError) -> Int32 {
        let pathFD = try rooted.openOrCreate(path, as: .directory)
        defer { close(pathFD) }
        return try sys("open \(path)") { sl_openat_mode(pathFD, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0) }
    }

    private func makeNode(in dirFD: Int32, name: String, path: String, type: mode_t, major: UInt32, minor: UInt32,
                          mode: mode_t, uid: UInt32, gid: UInt32, verifyExisting: Bool) throws(RuntimeError) {
        if !userNamespace {
            let dev = dev_t(sl_makedev(major, minor))
            if mknodat(dirFD, name, type | mode, dev) == 0 {
                try sys("chown \(path)") { fchownat(dirFD, name, uid, gid, Int32(SL_AT_SYMLINK_NOFOLLOW)) }
                return
            }
            let code = currentErrno()
            if code == EEXIST {
                if verifyExisting { try checkExisting(in: dirFD, name: name, path: path, type: type, major: major, minor: minor) }
                return
            }
            if code != EPERM { throw RuntimeError.sys("mknod \(path)", code) }
        }
        try bindHostNode(in: dirFD, name: name, path: path)
    }

    /// A file already at a device's path must be that device
    /// (config-linux.md: else the runtime MUST generate an error).
    private func checkExisting(in dirFD: Int32, name: String, path: String, type: mode_t, major: UInt32, minor: UInt32) throws(RuntimeError) {
        var st = stat()
        try sys("stat \(path)") { fstatat(dirFD, name, &st, Int32(SL_AT_SYMLINK_NOFOLLOW)) }
        try Self.requireDevice(st, path: path, type: type, major: major, minor: minor)
    }

    private static func requireDevice(_ st: stat, path: String, type: mode_t, major: UInt32, minor: UInt32) throws(RuntimeError) {
        let sameType = (st.st_mode & S_IFMT) == type
        let sameNumber = type == S_IFIFO || (sl_major(UInt(st.st_rdev)) == major && sl_minor(UInt(st.st_rdev)) == minor)
        if !sameType || !sameNumber {
            throw RuntimeError("linux.devices: \(path) already exists and is not the requested device")
        }
    }

    /// In a user namespace mknod is refused: bind the host's node instead.
    private func bindHostNode(in dirFD: Int32, name: String, path: String) throws(RuntimeError) {
        let created = sl_openat_mode(dirFD, name, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0)
        if created < 0 && currentErrno() != EEXIST { throw RuntimeError.sys("create \(path)", currentErrno()) }
        if created >= 0 { close(created) }
        let target = try sys("open \(path)") { sl_openat_mode(dirFD, name, SL_O_PATH | O_NOFOLLOW | O_CLOEXEC, 0) }
        defer { close(target) }
        let tree = try MountAPI.cloneTree(path: path, recursive: false, for: path)
        defer { close(tree) }
        try MountAPI.attach(tree, onto: target, for: path)
    }
}
