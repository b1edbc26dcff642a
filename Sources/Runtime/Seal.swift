import CShim
import Glibc
import LinuxCore

/// CVE-2019-5736: a process that enters a container must not expose the
/// host's runtime binary as something a container can open for writing
/// through /proc/<pid>/exe.
///
/// Before create, run or exec, the runtime re-executes itself from a
/// read-only, detached bind mount of its own binary (open_tree +
/// mount_setattr + execveat). Nothing is copied; the mount is attached
/// nowhere, so no container can remount it, and it goes away with the
/// process. Writes through /proc/<pid>/exe then fail with EROFS.
public enum Seal {
    /// True when our executable is on a read-only mount already.
    public static var isSealed: Bool {
        var fs = statvfs()
        return statvfs("/proc/self/exe", &fs) == 0 && (fs.f_flag & UInt(ST_RDONLY)) != 0
    }

    /// Re-executes the current process sealed; returns only when that is not
    /// possible (then the reason is logged at debug level).
    public static func reexecIfNeeded() {
        if isSealed { return }
        let tree = sl_open_tree(AT_FDCWD, "/proc/self/exe", UInt32(SL_OPEN_TREE_CLONE) | UInt32(SL_OPEN_TREE_CLOEXEC))
        guard tree >= 0 else {
            log.debug("seal: open_tree(/proc/self/exe): \(errnoText(currentErrno()))")
            return
        }
        let attributes = SL_MOUNT_ATTR_RDONLY | SL_MOUNT_ATTR_NOSUID | SL_MOUNT_ATTR_NODEV
        guard sl_mount_setattr(tree, "", UInt32(SL_AT_EMPTY_PATH), attributes, 0, 0, 0) == 0 else {
            log.debug("seal: mount_setattr: \(errnoText(currentErrno()))")
            close(tree)
            return
        }
        var argv = CommandLine.arguments.map { strdup($0) }
        argv.append(nil)
        _ = sl_execveat(tree, "", &argv, environ, Int32(SL_AT_EMPTY_PATH))
        log.debug("seal: execveat: \(errnoText(currentErrno()))")
        close(tree)
    }
}
