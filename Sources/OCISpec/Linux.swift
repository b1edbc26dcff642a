/// Linux-specific configuration (`linux`).
public struct Linux: Codable, Sendable, Equatable {
    public var uidMappings: [LinuxIDMapping]?
    public var gidMappings: [LinuxIDMapping]?
    public var sysctl: [String: String]?
    public var resources: LinuxResources?
    public var cgroupsPath: String?
    public var namespaces: [LinuxNamespace]?
    public var devices: [LinuxDevice]?
    /// Host interface name → settings inside the container.
    public var netDevices: [String: LinuxNetDevice]?
    public var seccomp: LinuxSeccomp?
    /// One of `SpecConstants.rootfsPropagations`.
    public var rootfsPropagation: String?
    public var maskedPaths: [String]?
    public var readonlyPaths: [String]?
    public var mountLabel: String?
    public var intelRdt: LinuxIntelRdt?
    public var personality: LinuxPersonality?
    /// Clock name (`monotonic`, `boottime`) → offset.
    public var timeOffsets: [String: LinuxTimeOffset]?
    public var memoryPolicy: LinuxMemoryPolicy?

    public init(
        uidMappings: [LinuxIDMapping]? = nil, gidMappings: [LinuxIDMapping]? = nil,
        sysctl: [String: String]? = nil, resources: LinuxResources? = nil, cgroupsPath: String? = nil,
        namespaces: [LinuxNamespace]? = nil, devices: [LinuxDevice]? = nil,
        netDevices: [String: LinuxNetDevice]? = nil, seccomp: LinuxSeccomp? = nil,
        rootfsPropagation: String? = nil, maskedPaths: [String]? = nil, readonlyPaths: [String]? = nil,
        mountLabel: String? = nil, intelRdt: LinuxIntelRdt? = nil, personality: LinuxPersonality? = nil,
        timeOffsets: [String: LinuxTimeOffset]? = nil, memoryPolicy: LinuxMemoryPolicy? = nil
    ) {
        self.uidMappings = uidMappings
        self.gidMappings = gidMappings
        self.sysctl = sysctl
        self.resources = resources
        self.cgroupsPath = cgroupsPath
        self.namespaces = namespaces
        self.devices = devices
        self.netDevices = netDevices
        self.seccomp = seccomp
        self.rootfsPropagation = rootfsPropagation
        self.maskedPaths = maskedPaths
        self.readonlyPaths = readonlyPaths
        self.mountLabel = mountLabel
        self.intelRdt = intelRdt
        self.personality = personality
        self.timeOffsets = timeOffsets
        self.memoryPolicy = memoryPolicy
    }

    /// The entry of `namespaces` with the given type, if any.
    public func namespace(_ type: LinuxNamespaceType) -> LinuxNamespace? {
        namespaces?.first { $0.type == type.rawValue }
    }
}

/// The namespace kinds the spec defines.
public enum LinuxNamespaceType: String, CaseIterable, Sendable {
    case pid, network, mount, ipc, uts, user, cgroup, time
}

/// One `namespaces` entry: create a new namespace, or join the one at `path`.
public struct LinuxNamespace: Codable, Sendable, Equatable {
    /// Kept as a string so an unknown value gets a validation error naming the field.
    public var type: String
    /// Absolute path of a namespace file to join; nil (or empty) means create a new one.
    public var path: String?

    public init(type: String, path: String? = nil) {
        self.type = type
        self.path = path
    }

    public init(_ type: LinuxNamespaceType, path: String? = nil) {
        self.init(type: type.rawValue, path: path)
    }

    /// The typed kind, nil when `type` is not a known namespace.
    public var kind: LinuxNamespaceType? { LinuxNamespaceType(rawValue: type) }
}

/// A uid/gid range mapping (user namespace or id-mapped mount).
public struct LinuxIDMapping: Codable, Sendable, Equatable {
    public var containerID: UInt32
    public var hostID: UInt32
    public var size: UInt32

    public init(containerID: UInt32, hostID: UInt32, size: UInt32) {
        self.containerID = containerID
        self.hostID = hostID
        self.size = size
    }
}

/// Clock offset for a time namespace.
public struct LinuxTimeOffset: Codable, Sendable, Equatable {
    public var secs: Int64?
    public var nanosecs: UInt32?

    public init(secs: Int64? = nil, nanosecs: UInt32? = nil) {
        self.secs = secs
        self.nanosecs = nanosecs
    }
}

/// A device node to create in the container (`linux.devices`).
public struct LinuxDevice: Codable, Sendable, Equatable {
    /// `c`, `b`, `u` or `p`.
    public var type: String
    public var path: String
    /// Required unless `type` is `p`.
    public var major: Int64?
    public var minor: Int64?
    /// Permission bits, a decimal number in JSON.
    public var fileMode: UInt32?
    public var uid: UInt32?
    public var gid: UInt32?

    public init(
        type: String, path: String, major: Int64? = nil, minor: Int64? = nil,
        fileMode: UInt32? = nil, uid: UInt32? = nil, gid: UInt32? = nil
    ) {
        self.type = type
        self.path = path
        self.major = major
        self.minor = minor
        self.fileMode = fileMode
        self.uid = uid
        self.gid = gid
    }
}

/// A host network device moved into the container (`linux.netDevices` value).
public struct LinuxNetDevice: Codable, Sendable, Equatable {
    /// Name inside the container; the host name when nil.
    public var name: String?

    public init(name: String? = nil) { self.name = name }
}

/// Intel RDT (resctrl) settings.
public struct LinuxIntelRdt: Codable, Sendable, Equatable {
    public var closID: String?
    public var l3CacheSchema: String?
    public var memBwSchema: String?
    public var schemata: [String]?
    public var enableMonitoring: Bool?

    public init(
        closID: String? = nil, l3CacheSchema: String? = nil, memBwSchema: String? = nil,
        schemata: [String]? = nil, enableMonitoring: Bool? = nil
    ) {
        self.closID = closID
        self.l3CacheSchema = l3CacheSchema
        self.memBwSchema = memBwSchema
        self.schemata = schemata
        self.enableMonitoring = enableMonitoring
    }
}

/// NUMA memory policy (set_mempolicy(2)).
public struct LinuxMemoryPolicy: Codable, Sendable, Equatable {
    /// `MPOL_*` mode.
    public var mode: String
    /// Node list such as "0-3,7".
    public var nodes: String?
    /// `MPOL_F_*` flags.
    public var flags: [String]?

    public init(mode: String, nodes: String? = nil, flags: [String]? = nil) {
        self.mode = mode
        self.nodes = nodes
        self.flags = flags
    }
}

/// Execution domain (personality(2)).
public struct LinuxPersonality: Codable, Sendable, Equatable {
    /// `LINUX` or `LINUX32`.
    public var domain: String
    public var flags: [String]?

    public init(domain: String, flags: [String]? = nil) {
        self.domain = domain
        self.flags = flags
    }
}
