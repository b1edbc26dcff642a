import CShim
import Glibc
import LinuxCore
import OCISpec

/// Id-mapped mounts (mounts[].uidMappings/gidMappings, options idmap and
/// ridmap). Id-mapping a mount needs privileges over the source file
/// system's user namespace, which a container's init in its own user
/// namespace lacks; so the runtime builds each such bind as a detached
/// tree before the clone (a user namespace with the mount's mappings,
/// open_tree, mount_setattr(MOUNT_ATTR_IDMAP) and the mount's flags), and
/// init only attaches it.
public enum IDMappedMounts {
    /// Detached, id-mapped mount trees, by index in config.json's mounts.
    public typealias Trees = [Int: Int32]

    /// Builds the tree of every id-mapped bind. Without mappings of its own,
    /// an "idmap" mount takes the container's user namespace mappings.
    public static func prepare(_ mounts: [Mount], bundle: String, containerUID: [LinuxIDMapping], containerGID: [LinuxIDMapping]) throws(RuntimeError) -> Trees {
        var out = Trees()
        do throws(RuntimeError) {
            for (index, mount) in mounts.enumerated() {
                let options = mount.options ?? []
                let asked = options.contains("idmap") || options.contains("ridmap")
                guard mount.uidMappings != nil || mount.gidMappings != nil || asked else { continue }
                let field = "mounts[\(index)]"
                let isBind = mount.type == "bind" || options.contains("bind") || options.contains("rbind")
                guard isBind else { throw RuntimeError("\(field): id-mapped mounts must be bind mounts") }
                let uid = mount.uidMappings ?? containerUID
                let gid = mount.gidMappings ?? containerGID
                guard !uid.isEmpty, !gid.isEmpty else {
                    throw RuntimeError("\(field): idmap needs uidMappings and gidMappings (or a user namespace with mappings)")
                }
                let userns = try userNamespace(uid: uid, gid: gid, field: field)
                defer { close(userns) }
                out[index] = try tree(for: mount, bundle: bundle, userns: userns)
            }
        } catch {
            for fd in out.values { close(fd) }
            throw error
        }
        return out
    }

    /// A user namespace with these mappings, held by an fd: a child enters
    /// it and waits while its maps are written and its namespace opened.
    static func userNamespace(uid: [LinuxIDMapping], gid: [LinuxIDMapping], field: String) throws(RuntimeError) -> Int32 {
        var hold: [Int32] = [-1, -1]
        try sys("\(field): pipe") { sl_pipe_cloexec(&hold) }
        let child = sl_clone(UInt64(SL_CLONE_NEWUSER), -1)
        if child == 0 {
            // Wait until the parent is done with us; no Swift code runs here.
            var byte: UInt8 = 0
            close(hold[1])
            _ = read(hold[0], &byte, 1)
            _exit(0)
        }
        close(hold[0])
        defer {
            close(hold[1])
            if child > 0 { reap(child) }
        }
        if child < 0 { throw RuntimeError.sys("\(field): make a user namespace for the id mapping", currentErrno()) }
        try step("\(field)") { try IDMappings.write(pid: child, uid: uid, gid: gid, denySetgroups: false) }
        return try sys("\(field): open the id mapping's user namespace") {
            sl_open_mode("/proc/\(child)/ns/user", O_RDONLY | O_CLOEXEC, 0)
        }
    }

    /// The detached bind, id-mapped and with its flags.
    static func tree(for mount: Mount, bundle: String, userns: Int32) throws(RuntimeError) -> Int32 {
        var options = MountOptions.parse(mount.options ?? [])
        options.bind = true
        let destination = Path.clean("/" + mount.destination)
        let source = try MountStep.bindSource(mount, bundle: bundle, destination: destination)
        let tree = try MountAPI.cloneTree(path: source, recursive: options.recursive, for: destination)
        do throws(RuntimeError) {
            try apply(userns, to: tree, recursive: options.recursiveIdmap, for: destination)
            try MountStep.shapeBind(tree, options, destination: destination)
        } catch {
            close(tree)
            throw error
        }
        return tree
    }

    /// Applies the mapping to a detached mount tree.
    static func apply(_ userns: Int32, to tree: Int32, recursive: Bool, for destination: String) throws(RuntimeError) {
        var flags = UInt32(SL_AT_EMPTY_PATH)
        if recursive { flags |= UInt32(SL_AT_RECURSIVE) }
        let r = sl_mount_setattr(tree, "", flags, SL_MOUNT_ATTR_IDMAP, 0, 0, UInt64(userns))
        if r != 0 {
            let code = currentErrno()
            var message = "mount \(destination): id-map the bind mount: \(errnoText(code))"
            if code == EINVAL { message += " (the source file system may not support id-mapped mounts)" }
            throw RuntimeError(message, errno: code)
        }
    }
}

/// waitpid for the helper child, retrying EINTR.
private func reap(_ pid: Int32) {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && currentErrno() == EINTR {}
}
