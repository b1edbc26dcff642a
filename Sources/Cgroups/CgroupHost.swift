import CShim
import Glibc
import LinuxCore

/// One cgroup hierarchy mounted on the host.
public struct CgroupHierarchy: Sendable, Equatable {
    /// Key used in state and in /proc/<pid>/cgroup: the controller list
    /// ("cpu", "cpu,cpuacct", "name=systemd") or "" for cgroup v2.
    public var key: String
    public var mountPoint: String
    /// The mount's root within the hierarchy (usually "/").
    public var mountRoot: String
    public var controllers: [String]

    public var isUnified: Bool { key.isEmpty }

    /// Name of the state map entry: "unified" for v2.
    public var name: String { isUnified ? "unified" : key }
}

/// How the host's cgroups are mounted.
public struct CgroupHost: Sendable {
    public enum Mode: String, Sendable {
        /// Pure cgroup v2 at /sys/fs/cgroup.
        case unified
        /// v1 controllers plus a cgroup2 mount at /sys/fs/cgroup/unified.
        case hybrid
        /// v1 only.
        case legacy
    }

    public var mode: Mode
    public var hierarchies: [CgroupHierarchy]
    /// This process's own cgroup in each hierarchy (from /proc/self/cgroup),
    /// keyed like `CgroupHierarchy.key`.
    public var ownPaths: [String: String]

    public static let root = "/sys/fs/cgroup"
    static let cgroup2Magic: Int = 0x6367_7270

    public var unified: CgroupHierarchy? { hierarchies.first { $0.isUnified } }
    public var v1: [CgroupHierarchy] { hierarchies.filter { !$0.isUnified } }

    public static func detect() throws(RuntimeError) -> CgroupHost {
        let own = try parseProcCgroup(try FileIO.readString("/proc/self/cgroup"))
        if sl_statfs_type(root) == cgroup2Magic {
            let hierarchy = CgroupHierarchy(key: "", mountPoint: root, mountRoot: "/", controllers: try unifiedControllers(root))
            return CgroupHost(mode: .unified, hierarchies: [hierarchy], ownPaths: own)
        }
        let hierarchies = try parseMountInfo(try FileIO.readString("/proc/self/mountinfo"))
        let mode: Mode = hierarchies.contains { $0.isUnified } ? .hybrid : .legacy
        return CgroupHost(mode: mode, hierarchies: hierarchies, ownPaths: own)
    }

    static func unifiedControllers(_ path: String) throws(RuntimeError) -> [String] {
        let text = (try? FileIO.readString(path + "/cgroup.controllers")) ?? ""
        return text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
    }

    /// "4:memory:/a/b" lines to ["memory": "/a/b"]; "0::/x" to ["": "/x"].
    public static func parseProcCgroup(_ text: String) throws(RuntimeError) -> [String: String] {
        var out = [String: String]()
        for line in text.split(byte: UInt8(ascii: "\n")) {
            // The path may itself hold colons: split at the first two only.
            guard let first = line.utf8.firstIndex(of: UInt8(ascii: ":")) else { continue }
            let afterFirst = line.utf8.index(after: first)
            guard let second = line.utf8[afterFirst...].firstIndex(of: UInt8(ascii: ":")) else { continue }
            out[String(Substring(line.utf8[afterFirst..<second]))] = String(Substring(line.utf8[line.utf8.index(after: second)...]))
        }
        return out
    }

    /// cgroup and cgroup2 mounts under /sys/fs/cgroup, from mountinfo.
    static func parseMountInfo(_ text: String) throws(RuntimeError) -> [CgroupHierarchy] {
        var out = [CgroupHierarchy]()
        for line in text.split(byte: UInt8(ascii: "\n")) {
            let parts = line.split(byte: UInt8(ascii: " "), omittingEmpty: false)
            guard let dash = parts.firstIndex(where: { $0.isBytes("-") }), dash >= 6, parts.count > dash + 3,
                  parts[dash + 1].isBytes("cgroup") || parts[dash + 1].isBytes("cgroup2") else { continue }
            let mountPoint = String(parts[4])
            guard mountPoint.hasPrefix(root + "/") || mountPoint == root else { continue }
            let fsType = parts[dash + 1]
            if fsType.isBytes("cgroup2") {
                out.append(CgroupHierarchy(key: "", mountPoint: mountPoint, mountRoot: String(parts[3]),
                                           controllers: try unifiedControllers(mountPoint)))
            } else {
                let superOptions = parts[dash + 3].split(byte: UInt8(ascii: ",")).map(String.init)
                let known: Set<String> = ["cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "net_cls", "blkio",
                                          "perf_event", "net_prio", "hugetlb", "pids", "rdma", "misc"]
                var controllers = superOptions.filter { known.contains($0) }
                if let name = superOptions.first(where: { $0.hasPrefix("name=") }) { controllers.append(name) }
                guard !controllers.isEmpty else { continue }
                // The key is how /proc/self/cgroup names the hierarchy.
                let key = controllers.joined(separator: ",")
                if out.contains(where: { $0.key == key }) { continue }
                out.append(CgroupHierarchy(key: key, mountPoint: mountPoint, mountRoot: String(parts[3]), controllers: controllers))
            }
        }
        return out
    }
}
