import CShim
import Glibc
import LinuxCore

/// linux.maskedPaths and linux.readonlyPaths, applied inside the new root.
struct PathHardening {
    let rooted: RootedPath

    /// A read-only bind of the path over itself (its whole subtree).
    func makeReadonly(_ path: String) throws(RuntimeError) {
        guard let fd = try rooted.open(path) else { return }
        defer { close(fd) }
        let tree = try MountAPI.cloneTree(dirFD: fd, path: "", recursive: true, for: path)
        defer { close(tree) }
        try MountAPI.setAttributes(tree, set: SL_MOUNT_ATTR_RDONLY, clear: 0, atime: nil, recursive: true, for: path)
        try MountAPI.attach(tree, onto: fd, for: path + " (readonly path)")
    }

    /// Hides a path: /dev/null over a file, an empty read-only tmpfs over a
    /// directory.
    func mask(_ path: String) throws(RuntimeError) {
        guard let fd = try rooted.open(path) else { return }
        defer { close(fd) }
        let st = try fileStat(fd, name: path)
        let cover: Int32
        if (st.st_mode & S_IFMT) == S_IFDIR {
            var options = MountOptions()
            options.set = SL_MOUNT_ATTR_RDONLY
            cover = try MountAPI.newFilesystem(type: "tmpfs", source: "tmpfs", options: options, for: path)
        } else {
            let null = try verifiedNull()
            defer { close(null) }
            cover = try MountAPI.cloneTree(dirFD: null, path: "", recursive: false, for: path)
        }
        defer { close(cover) }
        try MountAPI.attach(cover, onto: fd, for: path + " (masked path)")
    }

    /// The container's /dev/null, checked to be the real null device and not
    /// a symlink or a file a container image put there.
    func verifiedNull() throws(RuntimeError) -> Int32 {
        guard let fd = try rooted.open("/dev/null", noSymlinks: true) else {
            throw RuntimeError("mask paths: /dev/null is missing or a symlink in the container")
        }
        let st = try fileStat(fd, name: "/dev/null")
        if (st.st_mode & S_IFMT) != S_IFCHR || sl_major(UInt(st.st_rdev)) != 1 || sl_minor(UInt(st.st_rdev)) != 3 {
            close(fd)
            throw RuntimeError("mask paths: /dev/null in the container is not the null device (1:3)")
        }
        return fd
    }
}
