/// Name → number tables (linux/capability.h, sys/resource.h, sched.h).
enum Tables {
    static let capabilities: [String: Int] = [
        "CAP_CHOWN": 0, "CAP_DAC_OVERRIDE": 1, "CAP_DAC_READ_SEARCH": 2, "CAP_FOWNER": 3, "CAP_FSETID": 4,
        "CAP_KILL": 5, "CAP_SETGID": 6, "CAP_SETUID": 7, "CAP_SETPCAP": 8, "CAP_LINUX_IMMUTABLE": 9,
        "CAP_NET_BIND_SERVICE": 10, "CAP_NET_BROADCAST": 11, "CAP_NET_ADMIN": 12, "CAP_NET_RAW": 13,
        "CAP_IPC_LOCK": 14, "CAP_IPC_OWNER": 15, "CAP_SYS_MODULE": 16, "CAP_SYS_RAWIO": 17, "CAP_SYS_CHROOT": 18,
        "CAP_SYS_PTRACE": 19, "CAP_SYS_PACCT": 20, "CAP_SYS_ADMIN": 21, "CAP_SYS_BOOT": 22, "CAP_SYS_NICE": 23,
        "CAP_SYS_RESOURCE": 24, "CAP_SYS_TIME": 25, "CAP_SYS_TTY_CONFIG": 26, "CAP_MKNOD": 27, "CAP_LEASE": 28,
        "CAP_AUDIT_WRITE": 29, "CAP_AUDIT_CONTROL": 30, "CAP_SETFCAP": 31, "CAP_MAC_OVERRIDE": 32,
        "CAP_MAC_ADMIN": 33, "CAP_SYSLOG": 34, "CAP_WAKE_ALARM": 35, "CAP_BLOCK_SUSPEND": 36,
        "CAP_AUDIT_READ": 37, "CAP_PERFMON": 38, "CAP_BPF": 39, "CAP_CHECKPOINT_RESTORE": 40,
    ]

    static func capabilityNames(_ mask: UInt64) -> [String] {
        capabilities.filter { mask & (1 << UInt64($0.value)) != 0 }.sorted { $0.value < $1.value }.map(\.key)
            + (41..<64).filter { mask & (1 << UInt64($0)) != 0 }.map { "cap\($0)" }
    }

    static let rlimits: [String: Int32] = [
        "RLIMIT_CPU": 0, "RLIMIT_FSIZE": 1, "RLIMIT_DATA": 2, "RLIMIT_STACK": 3, "RLIMIT_CORE": 4,
        "RLIMIT_RSS": 5, "RLIMIT_NPROC": 6, "RLIMIT_NOFILE": 7, "RLIMIT_MEMLOCK": 8, "RLIMIT_AS": 9,
        "RLIMIT_LOCKS": 10, "RLIMIT_SIGPENDING": 11, "RLIMIT_MSGQUEUE": 12, "RLIMIT_NICE": 13,
        "RLIMIT_RTPRIO": 14, "RLIMIT_RTTIME": 15,
    ]

    static let schedulerPolicies: [String: Int] = [
        "SCHED_OTHER": 0, "SCHED_FIFO": 1, "SCHED_RR": 2, "SCHED_BATCH": 3, "SCHED_ISO": 4,
        "SCHED_IDLE": 5, "SCHED_DEADLINE": 6,
    ]

    static let ioPriorityClasses: [String: Int] = ["IOPRIO_CLASS_RT": 1, "IOPRIO_CLASS_BE": 2, "IOPRIO_CLASS_IDLE": 3]

    static let memoryPolicyModes: [String: Int] = [
        "MPOL_DEFAULT": 0, "MPOL_PREFERRED": 1, "MPOL_BIND": 2, "MPOL_INTERLEAVE": 3, "MPOL_LOCAL": 4,
        "MPOL_PREFERRED_MANY": 5, "MPOL_WEIGHTED_INTERLEAVE": 6,
    ]

    static let memoryPolicyFlags: [String: Int] = [
        "MPOL_F_STATIC_NODES": 1 << 15, "MPOL_F_RELATIVE_NODES": 1 << 14, "MPOL_F_NUMA_BALANCING": 1 << 13,
    ]

    /// namespaces[].type → the name of its /proc/self/ns file.
    static let namespaceFiles: [(type: String, file: String)] = [
        ("pid", "pid"), ("network", "net"), ("mount", "mnt"), ("ipc", "ipc"), ("uts", "uts"),
        ("user", "user"), ("cgroup", "cgroup"), ("time", "time"),
    ]

    /// The devices every container gets (config-linux.md "Default Devices").
    static let defaultDevices: [(path: String, major: UInt64, minor: UInt64)] = [
        ("/dev/null", 1, 3), ("/dev/zero", 1, 5), ("/dev/full", 1, 7), ("/dev/random", 1, 8),
        ("/dev/urandom", 1, 9), ("/dev/tty", 5, 0),
    ]
}
