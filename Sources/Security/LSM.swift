import CShim
import Glibc
import LinuxCore

/// AppArmor and SELinux: applied when the host has the LSM, and a clear
/// error naming it when a config asks for one the host lacks.
public enum LSM {
    public static var appArmorEnabled: Bool {
        ((try? FileIO.readString("/sys/module/apparmor/parameters/enabled")) ?? "").hasPrefix("Y")
            && FileIO.isDirectory("/sys/kernel/security/apparmor")
    }

    public static var selinuxEnabled: Bool {
        FileIO.exists("/sys/fs/selinux/enforce")
    }

    /// Refuses, before anything is created, labels the host cannot apply.
    public static func check(apparmorProfile: String?, selinuxLabel: String?, mountLabel: String?) throws(RuntimeError) {
        if let profile = apparmorProfile, !profile.isEmpty, !appArmorEnabled {
            throw RuntimeError("process.apparmorProfile: \(profile.debugDescription) asks for AppArmor, which this host does not have enabled")
        }
        if let label = selinuxLabel, !label.isEmpty, !selinuxEnabled {
            throw RuntimeError("process.selinuxLabel: \(label.debugDescription) asks for SELinux, which this host does not have enabled")
        }
        if let label = mountLabel, !label.isEmpty, !selinuxEnabled {
            throw RuntimeError("linux.mountLabel: \(label.debugDescription) asks for SELinux, which this host does not have enabled")
        }
    }

    /// What to write to attr/apparmor/exec: the profile for the next exec.
    public static func appArmorExecValue(_ profile: String) -> String { "exec \(profile)" }

    /// Sets the profile (AppArmor) or label (SELinux) the process gets at
    /// its next execve, through the container's verified /proc.
    public static func applyOnExec(apparmorProfile: String?, selinuxLabel: String?) throws(RuntimeError) {
        let wantsAppArmor = !(apparmorProfile ?? "").isEmpty
        let wantsSELinux = !(selinuxLabel ?? "").isEmpty
        guard wantsAppArmor || wantsSELinux else { return }
        let proc = try ProcHandle.open()
        defer { close(proc) }
        if let profile = apparmorProfile, wantsAppArmor {
            let value = appArmorExecValue(profile)
            do {
                try writeAttribute(under: proc, "self/attr/apparmor/exec", value)
            } catch where error.errno == ENOENT {
                try writeAttribute(under: proc, "self/attr/exec", value)
            }
        }
        if let label = selinuxLabel, wantsSELinux {
            try writeAttribute(under: proc, "self/attr/exec", label)
        }
    }

    /// Writes an attribute file below `directory` without following
    /// symlinks or crossing into another mount (a container could have put
    /// either there to redirect the write).
    public static func writeAttribute(under directory: Int32, _ relative: String, _ value: String) throws(RuntimeError) {
        let resolve = SL_RESOLVE_BENEATH | SL_RESOLVE_NO_SYMLINKS | SL_RESOLVE_NO_XDEV | SL_RESOLVE_NO_MAGICLINKS
        let fd = sl_openat2(directory, relative, UInt64(O_WRONLY | O_CLOEXEC), 0, resolve)
        if fd < 0 { throw RuntimeError.sys("open /proc/\(relative)", currentErrno()) }
        defer { close(fd) }
        let bytes = Array(value.utf8)
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n < 0 { throw RuntimeError.sys("write \(value.debugDescription) to /proc/\(relative)", currentErrno()) }
    }
}

/// The container's /proc, opened and checked to be procfs.
public enum ProcHandle {
    static let procMagic = 0x9fa0

    public static func open() throws(RuntimeError) -> Int32 {
        let fd = try sys("open /proc") { sl_open_mode("/proc", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0) }
        guard sl_fstatfs_type(fd) == procMagic else {
            close(fd)
            throw RuntimeError("/proc in the container is not procfs")
        }
        return fd
    }
}
