/// The Features structure (features.md, features-linux.md) printed by `features`.
public struct Features: Codable, Sendable, Equatable {
    public var ociVersionMin: String
    public var ociVersionMax: String
    /// Recognised hook names.
    public var hooks: [String]?
    /// Recognised mount options.
    public var mountOptions: [String]?
    public var linux: Linux?
    public var annotations: [String: String]?
    /// Config annotations (or prefixes ending in ".") that may change runtime behaviour.
    public var potentiallyUnsafeConfigAnnotations: [String]?

    public init(
        ociVersionMin: String, ociVersionMax: String, hooks: [String]? = nil, mountOptions: [String]? = nil,
        linux: Linux? = nil, annotations: [String: String]? = nil, potentiallyUnsafeConfigAnnotations: [String]? = nil
    ) {
        self.ociVersionMin = ociVersionMin
        self.ociVersionMax = ociVersionMax
        self.hooks = hooks
        self.mountOptions = mountOptions
        self.linux = linux
        self.annotations = annotations
        self.potentiallyUnsafeConfigAnnotations = potentiallyUnsafeConfigAnnotations
    }

    /// Linux-specific features.
    public struct Linux: Codable, Sendable, Equatable {
        public var namespaces: [String]?
        public var capabilities: [String]?
        public var cgroup: Cgroup?
        public var seccomp: Seccomp?
        public var apparmor: Enabled?
        public var selinux: Enabled?
        public var intelRdt: IntelRdt?
        public var mountExtensions: MountExtensions?
        public var netDevices: Enabled?
        public var memoryPolicy: MemoryPolicy?

        public init(
            namespaces: [String]? = nil, capabilities: [String]? = nil, cgroup: Cgroup? = nil,
            seccomp: Seccomp? = nil, apparmor: Enabled? = nil, selinux: Enabled? = nil,
            intelRdt: IntelRdt? = nil, mountExtensions: MountExtensions? = nil,
            netDevices: Enabled? = nil, memoryPolicy: MemoryPolicy? = nil
        ) {
            self.namespaces = namespaces
            self.capabilities = capabilities
            self.cgroup = cgroup
            self.seccomp = seccomp
            self.apparmor = apparmor
            self.selinux = selinux
            self.intelRdt = intelRdt
            self.mountExtensions = mountExtensions
            self.netDevices = netDevices
            self.memoryPolicy = memoryPolicy
        }
    }

    /// Cgroup managers the runtime implements.
    public struct Cgroup: Codable, Sendable, Equatable {
        public var v1: Bool?
        public var v2: Bool?
        public var systemd: Bool?
        public var systemdUser: Bool?
        public var rdma: Bool?

        public init(v1: Bool? = nil, v2: Bool? = nil, systemd: Bool? = nil, systemdUser: Bool? = nil, rdma: Bool? = nil) {
            self.v1 = v1
            self.v2 = v2
            self.systemd = systemd
            self.systemdUser = systemdUser
            self.rdma = rdma
        }
    }

    /// Seccomp support and recognised names.
    public struct Seccomp: Codable, Sendable, Equatable {
        public var enabled: Bool?
        public var actions: [String]?
        public var operators: [String]?
        public var archs: [String]?
        public var knownFlags: [String]?
        public var supportedFlags: [String]?

        public init(
            enabled: Bool? = nil, actions: [String]? = nil, operators: [String]? = nil, archs: [String]? = nil,
            knownFlags: [String]? = nil, supportedFlags: [String]? = nil
        ) {
            self.enabled = enabled
            self.actions = actions
            self.operators = operators
            self.archs = archs
            self.knownFlags = knownFlags
            self.supportedFlags = supportedFlags
        }
    }

    /// `{"enabled": Bool}` objects: apparmor, selinux, netDevices, mountExtensions.idmap.
    public struct Enabled: Codable, Sendable, Equatable {
        public var enabled: Bool?

        public init(enabled: Bool? = nil) { self.enabled = enabled }
    }

    public struct IntelRdt: Codable, Sendable, Equatable {
        public var enabled: Bool?
        /// Whether `linux.intelRdt.schemata` is supported.
        public var schemata: Bool?
        /// Whether `linux.intelRdt.enableMonitoring` is supported.
        public var monitoring: Bool?

        public init(enabled: Bool? = nil, schemata: Bool? = nil, monitoring: Bool? = nil) {
            self.enabled = enabled
            self.schemata = schemata
            self.monitoring = monitoring
        }
    }

    public struct MountExtensions: Codable, Sendable, Equatable {
        /// Id-mapped mounts (`uidMappings`/`gidMappings` of mounts).
        public var idmap: Enabled?

        public init(idmap: Enabled? = nil) { self.idmap = idmap }
    }

    public struct MemoryPolicy: Codable, Sendable, Equatable {
        public var modes: [String]?
        public var flags: [String]?

        public init(modes: [String]? = nil, flags: [String]? = nil) {
            self.modes = modes
            self.flags = flags
        }
    }
}
