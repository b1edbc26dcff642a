/// Seccomp filter (`linux.seccomp`). (A new field here, in LinuxSyscall or in
/// LinuxSeccompArg must also join `SeccompCache.key`.) Action, architecture, flag and operator
/// names are libseccomp's (`SCMP_ACT_*`, `SCMP_ARCH_*`, `SECCOMP_FILTER_FLAG_*`, `SCMP_CMP_*`).
public struct LinuxSeccomp: Codable, Sendable, Equatable {
    public var defaultAction: String
    /// Errno for a default action of `SCMP_ACT_ERRNO`/`SCMP_ACT_TRACE`; EPERM when nil.
    public var defaultErrnoRet: UInt32?
    public var architectures: [String]?
    public var flags: [String]?
    /// Unix socket for `SCMP_ACT_NOTIFY`.
    public var listenerPath: String?
    /// Opaque data sent to the seccomp agent; requires `listenerPath`.
    public var listenerMetadata: String?
    public var syscalls: [LinuxSyscall]?

    public init(
        defaultAction: String, defaultErrnoRet: UInt32? = nil, architectures: [String]? = nil,
        flags: [String]? = nil, listenerPath: String? = nil, listenerMetadata: String? = nil,
        syscalls: [LinuxSyscall]? = nil
    ) {
        self.defaultAction = defaultAction
        self.defaultErrnoRet = defaultErrnoRet
        self.architectures = architectures
        self.flags = flags
        self.listenerPath = listenerPath
        self.listenerMetadata = listenerMetadata
        self.syscalls = syscalls
    }
}

/// A rule: `action` for the syscalls in `names` whose arguments match `args`.
public struct LinuxSyscall: Codable, Sendable, Equatable {
    public var names: [String]
    public var action: String
    /// Errno for `SCMP_ACT_ERRNO`/`SCMP_ACT_TRACE`; EPERM when nil.
    public var errnoRet: UInt32?
    public var args: [LinuxSeccompArg]?

    public init(names: [String], action: String, errnoRet: UInt32? = nil, args: [LinuxSeccompArg]? = nil) {
        self.names = names
        self.action = action
        self.errnoRet = errnoRet
        self.args = args
    }
}

/// A syscall argument comparison.
public struct LinuxSeccompArg: Codable, Sendable, Equatable {
    public var index: UInt32
    public var value: UInt64
    public var valueTwo: UInt64?
    public var op: String

    public init(index: UInt32, value: UInt64, valueTwo: UInt64? = nil, op: String) {
        self.index = index
        self.value = value
        self.valueTwo = valueTwo
        self.op = op
    }
}
