/// What the runtime persists about a container in `<root>/<id>/state.json`.
///
/// Decoding is tolerant: every field may be missing (a newer runtime reads
/// an older state) and unknown fields are ignored (an older one reads a newer
/// state). `formatVersion` tells which writer made it.
public struct ContainerRecord: Codable, Sendable, Equatable {
    public static let currentFormat = 1

    public var formatVersion: Int
    public var ociVersion: String
    public var id: String
    /// Host pid of the container's init.
    public var pid: Int32
    /// Start time of `pid` (clock ticks since boot), against pid reuse.
    public var pidStartTime: UInt64
    public var bundle: String
    public var rootfs: String
    /// RFC 3339, nanoseconds.
    public var created: String
    public var owner: String
    public var annotations: [String: String]?
    /// cgroup directories of the container: hierarchy name ("unified",
    /// "memory", "name=systemd", ...) to its absolute path under /sys/fs/cgroup.
    public var cgroupPaths: [String: String]
    /// Namespaces of the container: type to the path it joined, or "" when
    /// it made a new one.
    public var namespaces: [String: String]
    /// True when the container has its own pid namespace.
    public var hasPidNamespace: Bool
    public var systemdCgroup: Bool

    public init(id: String, pid: Int32, pidStartTime: UInt64, bundle: String, rootfs: String, created: String,
                ociVersion: String, owner: String = "", annotations: [String: String]? = nil,
                cgroupPaths: [String: String] = [:], namespaces: [String: String] = [:],
                hasPidNamespace: Bool = true, systemdCgroup: Bool = false) {
        self.formatVersion = Self.currentFormat
        self.ociVersion = ociVersion
        self.id = id
        self.pid = pid
        self.pidStartTime = pidStartTime
        self.bundle = bundle
        self.rootfs = rootfs
        self.created = created
        self.owner = owner
        self.annotations = annotations
        self.cgroupPaths = cgroupPaths
        self.namespaces = namespaces
        self.hasPidNamespace = hasPidNamespace
        self.systemdCgroup = systemdCgroup
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        formatVersion = try c.decodeIfPresent(Int.self, forKey: .formatVersion) ?? 0
        ociVersion = try c.decodeIfPresent(String.self, forKey: .ociVersion) ?? ""
        id = try c.decodeIfPresent(String.self, forKey: .id) ?? ""
        pid = try c.decodeIfPresent(Int32.self, forKey: .pid) ?? 0
        pidStartTime = try c.decodeIfPresent(UInt64.self, forKey: .pidStartTime) ?? 0
        bundle = try c.decodeIfPresent(String.self, forKey: .bundle) ?? ""
        rootfs = try c.decodeIfPresent(String.self, forKey: .rootfs) ?? ""
        created = try c.decodeIfPresent(String.self, forKey: .created) ?? ""
        owner = try c.decodeIfPresent(String.self, forKey: .owner) ?? ""
        annotations = try c.decodeIfPresent([String: String].self, forKey: .annotations)
        cgroupPaths = try c.decodeIfPresent([String: String].self, forKey: .cgroupPaths) ?? [:]
        namespaces = try c.decodeIfPresent([String: String].self, forKey: .namespaces) ?? [:]
        hasPidNamespace = try c.decodeIfPresent(Bool.self, forKey: .hasPidNamespace) ?? true
        systemdCgroup = try c.decodeIfPresent(Bool.self, forKey: .systemdCgroup) ?? false
    }
}
