import Glibc
import LinuxCore
import OCISpec

/// Writes a user namespace's uid_map and gid_map from the parent side.
public enum IDMappings {
    public static func render(_ mappings: [LinuxIDMapping]) -> String {
        mappings.map { "\($0.containerID) \($0.hostID) \($0.size)\n" }.joined()
    }

    /// `setgroups` must be "deny" before an unprivileged writer may write a
    /// gid_map; root writes it as is and keeps setgroups usable.
    public static func write(pid: Int32, uid: [LinuxIDMapping], gid: [LinuxIDMapping], denySetgroups: Bool) throws(RuntimeError) {
        if denySetgroups {
            try FileIO.writeValue("/proc/\(pid)/setgroups", "deny")
        }
        if !uid.isEmpty { try step("write uid_map") { try FileIO.writeValue("/proc/\(pid)/uid_map", render(uid)) } }
        if !gid.isEmpty { try step("write gid_map") { try FileIO.writeValue("/proc/\(pid)/gid_map", render(gid)) } }
    }

    /// Maps an id inside the namespace to the host id, or nil when unmapped.
    public static func hostID(_ id: UInt32, in mappings: [LinuxIDMapping]) -> UInt32? {
        for m in mappings where id >= m.containerID && UInt64(id) < UInt64(m.containerID) + UInt64(m.size) {
            let host = UInt64(m.hostID) + UInt64(id - m.containerID)
            return host <= UInt64(UInt32.max) ? UInt32(host) : nil
        }
        return nil
    }
}
