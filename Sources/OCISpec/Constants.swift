/// Value lists the spec enumerates, shared by validation and by other modules.
public enum SpecConstants {
    /// Version written into specs, states and features we produce.
    public static let ociVersion = "1.3.0"
    /// Oldest config version accepted (features `ociVersionMin`).
    public static let ociVersionMin = "1.0.0"
    /// Newest config version accepted (features `ociVersionMax`); any 1.3.x is accepted.
    public static let ociVersionMax = "1.3.0"

    public static let namespaceTypes: [String] = LinuxNamespaceType.allCases.map(\.rawValue)

    public static let hookNames = [
        "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
    ]

    /// Resource limits of getrlimit(2) on Linux.
    public static let rlimitTypes = [
        "RLIMIT_AS", "RLIMIT_CORE", "RLIMIT_CPU", "RLIMIT_DATA", "RLIMIT_FSIZE", "RLIMIT_LOCKS",
        "RLIMIT_MEMLOCK", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_NOFILE", "RLIMIT_NPROC",
        "RLIMIT_RSS", "RLIMIT_RTPRIO", "RLIMIT_RTTIME", "RLIMIT_SIGPENDING", "RLIMIT_STACK",
    ]

    /// `rootfsPropagation` values: the spec's four plus their recursive forms.
    public static let rootfsPropagations = [
        "private", "rprivate", "shared", "rshared", "slave", "rslave", "unbindable", "runbindable",
    ]

    public static let deviceTypes = ["c", "b", "u", "p"]
    public static let deviceCgroupTypes = ["a", "c", "b"]

    public static let seccompActions = [
        "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
        "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY",
    ]
    /// Actions that take an errno (`errnoRet`, `defaultErrnoRet`).
    public static let seccompErrnoActions = ["SCMP_ACT_ERRNO", "SCMP_ACT_TRACE"]

    public static let seccompOperators = [
        "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",
        "SCMP_CMP_MASKED_EQ",
    ]

    public static let seccompArchitectures = [
        "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64",
        "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL",
        "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64",
        "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC",
        "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",
        "SCMP_ARCH_SH", "SCMP_ARCH_SHEB",
    ]

    public static let seccompFlags = [
        "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
        "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
    ]

    public static let schedulerPolicies = [
        "SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH", "SCHED_ISO", "SCHED_IDLE", "SCHED_DEADLINE",
    ]

    public static let schedulerFlags = [
        "SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM", "SCHED_FLAG_DL_OVERRUN", "SCHED_FLAG_KEEP_POLICY",
        "SCHED_FLAG_KEEP_PARAMS", "SCHED_FLAG_UTIL_CLAMP_MIN", "SCHED_FLAG_UTIL_CLAMP_MAX",
    ]

    public static let ioPriorityClasses = ["IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE"]

    public static let memoryPolicyModes = [
        "MPOL_DEFAULT", "MPOL_BIND", "MPOL_INTERLEAVE", "MPOL_WEIGHTED_INTERLEAVE", "MPOL_PREFERRED",
        "MPOL_PREFERRED_MANY", "MPOL_LOCAL",
    ]

    public static let memoryPolicyFlags = ["MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES", "MPOL_F_STATIC_NODES"]

    public static let personalityDomains = ["LINUX", "LINUX32"]

    /// Clocks a time namespace can offset.
    public static let timeNamespaceClocks = ["monotonic", "boottime"]
}
