/// What a config mount of type "cgroup" shows inside the container. The
/// runtime's cgroup manager decides it; the rootfs code only mounts it.
public enum CgroupMountSource: Sendable, Equatable {
    /// The container has no cgroup to show (cgroups disabled).
    case none
    /// cgroup v2: a fresh cgroup2 mount (own cgroup namespace) or a bind of
    /// the container's cgroup directory.
    case unified(hostPath: String, namespaced: Bool)
    /// cgroup v1 / hybrid: a tmpfs holding one directory per hierarchy.
    case hybrid([CgroupHierarchyMount], namespaced: Bool)
}

public struct CgroupHierarchyMount: Sendable, Equatable {
    /// Directory name under /sys/fs/cgroup ("cpu", "cpu,cpuacct", "systemd", "unified").
    public var name: String
    /// The container's cgroup directory in this hierarchy.
    public var hostPath: String
    /// File-system type ("cgroup" or "cgroup2") and its options for a fresh
    /// mount inside a cgroup namespace ("cpu", "name=systemd").
    public var fsType: String
    public var fsOptions: [String]
    /// Extra names that point at this hierarchy ("cpu" -> "cpu,cpuacct").
    public var aliases: [String]

    public init(name: String, hostPath: String, fsType: String, fsOptions: [String], aliases: [String] = []) {
        self.name = name
        self.hostPath = hostPath
        self.fsType = fsType
        self.fsOptions = fsOptions
        self.aliases = aliases
    }
}
