/// The container process (`process`), also the document of `exec --process`.
public struct Process: Codable, Sendable, Equatable {
    public var terminal: Bool?
    /// Ignored unless `terminal` is true.
    public var consoleSize: Box?
    /// The schema does not require it; when absent the process runs as uid 0, gid 0.
    public var user: User?
    /// REQUIRED on Linux, with at least one entry (checked by validation).
    public var args: [String]
    public var env: [String]?
    /// Absolute working directory.
    public var cwd: String
    public var capabilities: LinuxCapabilities?
    public var rlimits: [POSIXRlimit]?
    public var noNewPrivileges: Bool?
    public var apparmorProfile: String?
    public var oomScoreAdj: Int?
    public var selinuxLabel: String?
    public var ioPriority: IOPriority?
    public var scheduler: Scheduler?
    public var execCPUAffinity: CPUAffinity?

    public init(
        terminal: Bool? = nil, consoleSize: Box? = nil, user: User? = nil, args: [String],
        env: [String]? = nil, cwd: String, capabilities: LinuxCapabilities? = nil,
        rlimits: [POSIXRlimit]? = nil, noNewPrivileges: Bool? = nil, apparmorProfile: String? = nil,
        oomScoreAdj: Int? = nil, selinuxLabel: String? = nil, ioPriority: IOPriority? = nil,
        scheduler: Scheduler? = nil, execCPUAffinity: CPUAffinity? = nil
    ) {
        self.terminal = terminal
        self.consoleSize = consoleSize
        self.user = user
        self.args = args
        self.env = env
        self.cwd = cwd
        self.capabilities = capabilities
        self.rlimits = rlimits
        self.noNewPrivileges = noNewPrivileges
        self.apparmorProfile = apparmorProfile
        self.oomScoreAdj = oomScoreAdj
        self.selinuxLabel = selinuxLabel
        self.ioPriority = ioPriority
        self.scheduler = scheduler
        self.execCPUAffinity = execCPUAffinity
    }
}

/// Terminal size in characters (`consoleSize`).
public struct Box: Codable, Sendable, Equatable {
    public var height: UInt64
    public var width: UInt64

    public init(height: UInt64, width: UInt64) {
        self.height = height
        self.width = width
    }
}

/// POSIX user of the process, ids in the container's user namespace.
public struct User: Codable, Sendable, Equatable {
    public var uid: UInt32
    public var gid: UInt32
    /// When absent the umask is left unchanged.
    public var umask: UInt32?
    public var additionalGids: [UInt32]?

    public init(uid: UInt32, gid: UInt32, umask: UInt32? = nil, additionalGids: [UInt32]? = nil) {
        self.uid = uid
        self.gid = gid
        self.umask = umask
        self.additionalGids = additionalGids
    }
}

/// One `rlimits` entry; `type` is an `RLIMIT_*` name.
public struct POSIXRlimit: Codable, Sendable, Equatable {
    public var type: String
    public var hard: UInt64
    public var soft: UInt64

    public init(type: String, hard: UInt64, soft: UInt64) {
        self.type = type
        self.hard = hard
        self.soft = soft
    }
}

/// Capability sets, each a list of `CAP_*` names.
public struct LinuxCapabilities: Codable, Sendable, Equatable {
    public var bounding: [String]?
    public var effective: [String]?
    public var inheritable: [String]?
    public var permitted: [String]?
    public var ambient: [String]?

    public init(
        bounding: [String]? = nil, effective: [String]? = nil, inheritable: [String]? = nil,
        permitted: [String]? = nil, ambient: [String]? = nil
    ) {
        self.bounding = bounding
        self.effective = effective
        self.inheritable = inheritable
        self.permitted = permitted
        self.ambient = ambient
    }
}

/// Scheduling policy of the process (sched_setattr(2)).
public struct Scheduler: Codable, Sendable, Equatable {
    /// `SCHED_*` policy name.
    public var policy: String
    public var nice: Int32?
    public var priority: Int32?
    /// `SCHED_FLAG_*` names.
    public var flags: [String]?
    public var runtime: UInt64?
    public var deadline: UInt64?
    public var period: UInt64?

    public init(
        policy: String, nice: Int32? = nil, priority: Int32? = nil, flags: [String]? = nil,
        runtime: UInt64? = nil, deadline: UInt64? = nil, period: UInt64? = nil
    ) {
        self.policy = policy
        self.nice = nice
        self.priority = priority
        self.flags = flags
        self.runtime = runtime
        self.deadline = deadline
        self.period = period
    }
}

/// I/O priority (ioprio_set(2)).
public struct IOPriority: Codable, Sendable, Equatable {
    /// `IOPRIO_CLASS_RT`, `IOPRIO_CLASS_BE` or `IOPRIO_CLASS_IDLE`.
    public var `class`: String
    /// 0 (highest) to 7 (lowest). The spec text requires it, the schema does not.
    public var priority: Int32?

    public init(class: String, priority: Int32? = nil) {
        self.class = `class`
        self.priority = priority
    }
}

/// CPU affinity for `exec`: `initial` before joining the cgroup, `final` after; lists like "0-3,7".
public struct CPUAffinity: Codable, Sendable, Equatable {
    public var initial: String?
    public var final: String?

    public init(initial: String? = nil, final: String? = nil) {
        self.initial = initial
        self.final = final
    }
}
