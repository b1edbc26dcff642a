import CShim
import Glibc
import LinuxCore
import OCISpec

/// process.scheduler, process.ioPriority and linux.personality: resolved
/// from their names when the runtime plans, applied by init.
public struct ProcessDetails: Sendable, Equatable {
    public struct SchedulerSetting: Sendable, Equatable {
        var policy: UInt32
        var flags: UInt64
        var nice: Int32
        var priority: UInt32
        var runtime: UInt64
        var deadline: UInt64
        var period: UInt64
    }

    public var scheduler: SchedulerSetting?
    /// ioprio value: class << 13 | level.
    public var ioPriority: Int32?
    public var personality: UInt?
    /// set_mempolicy's mode (with its flags) and nodes.
    public var memoryPolicy: MemoryPolicySetting?

    public struct MemoryPolicySetting: Sendable, Equatable {
        var mode: Int32
        var nodes: [Int32]
    }

    public init() {}

    static let policies: [String: UInt32] = [
        "SCHED_OTHER": 0, "SCHED_FIFO": 1, "SCHED_RR": 2, "SCHED_BATCH": 3, "SCHED_ISO": 4, "SCHED_IDLE": 5, "SCHED_DEADLINE": 6,
    ]
    static let schedulerFlags: [String: UInt64] = [
        "SCHED_FLAG_RESET_ON_FORK": 0x01, "SCHED_FLAG_RECLAIM": 0x02, "SCHED_FLAG_DL_OVERRUN": 0x04,
        "SCHED_FLAG_KEEP_POLICY": 0x08, "SCHED_FLAG_KEEP_PARAMS": 0x10, "SCHED_FLAG_UTIL_CLAMP_MIN": 0x20,
        "SCHED_FLAG_UTIL_CLAMP_MAX": 0x40,
    ]
    static let ioClasses: [String: Int32] = ["IOPRIO_CLASS_RT": 1, "IOPRIO_CLASS_BE": 2, "IOPRIO_CLASS_IDLE": 3]
    static let personalities: [String: UInt] = ["LINUX": 0x0000, "LINUX32": 0x0008]
    public static var memoryModeNames: [String] { memoryModes.keys.sorted() }
    public static var memoryFlagNames: [String] { memoryFlags.keys.sorted() }

    static let memoryModes: [String: Int32] = [
        "MPOL_DEFAULT": 0, "MPOL_PREFERRED": 1, "MPOL_BIND": 2, "MPOL_INTERLEAVE": 3, "MPOL_LOCAL": 4,
        "MPOL_PREFERRED_MANY": 5, "MPOL_WEIGHTED_INTERLEAVE": 6,
    ]
    static let memoryFlags: [String: Int32] = [
        "MPOL_F_NUMA_BALANCING": 1 << 13, "MPOL_F_RELATIVE_NODES": 1 << 14, "MPOL_F_STATIC_NODES": 1 << 15,
    ]

    /// "0-3,7" to [0, 1, 2, 3, 7].
    public static func parseList(_ text: String, field: String) throws(RuntimeError) -> [Int32] {
        var out = [Int32]()
        for part in text.split(separator: ",", omittingEmptySubsequences: true) {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(bounds.count), let low = Int32(bounds[0].trimmed),
                  let high = Int32(bounds[bounds.count - 1].trimmed), low >= 0, low <= high, high < 1024 else {
                throw RuntimeError("\(field): \(text.debugDescription) is not a list like 0-3,7")
            }
            out += Array(low...high)
        }
        return out
    }

    public init(process: Process?, personality: LinuxPersonality?, memoryPolicy: LinuxMemoryPolicy? = nil) throws(RuntimeError) {
        if let s = process?.scheduler {
            guard let policy = Self.policies[s.policy] else {
                throw RuntimeError("process.scheduler.policy: unknown policy \(s.policy.debugDescription)")
            }
            var flags: UInt64 = 0
            for name in s.flags ?? [] {
                guard let bit = Self.schedulerFlags[name] else {
                    throw RuntimeError("process.scheduler.flags: unknown flag \(name.debugDescription)")
                }
                flags |= bit
            }
            if let nice = s.nice, !(-20...19).contains(nice) {
                throw RuntimeError("process.scheduler.nice: \(nice) is outside -20...19")
            }
            scheduler = SchedulerSetting(policy: policy, flags: flags, nice: s.nice ?? 0, priority: UInt32(max(0, s.priority ?? 0)),
                                         runtime: s.runtime ?? 0, deadline: s.deadline ?? 0, period: s.period ?? 0)
        }
        if let io = process?.ioPriority {
            guard let ioClass = Self.ioClasses[io.class] else {
                throw RuntimeError("process.ioPriority.class: unknown class \(io.class.debugDescription)")
            }
            let level = io.priority ?? 0
            guard (0...7).contains(level) else {
                throw RuntimeError("process.ioPriority.priority: \(level) is outside 0...7")
            }
            ioPriority = ioClass << 13 | level
        }
        if let p = personality {
            guard let domain = Self.personalities[p.domain] else {
                throw RuntimeError("linux.personality.domain: unknown domain \(p.domain.debugDescription) (LINUX or LINUX32)")
            }
            if let flag = p.flags?.first {
                throw RuntimeError("linux.personality.flags: \(flag.debugDescription) is not supported (the spec defines no flags)")
            }
            self.personality = domain
        }
        if let policy = memoryPolicy {
            let f = "linux.memoryPolicy"
            guard var mode = Self.memoryModes[policy.mode] else {
                throw RuntimeError("\(f).mode: unknown mode \(policy.mode.debugDescription)")
            }
            for flag in policy.flags ?? [] {
                guard let bit = Self.memoryFlags[flag] else { throw RuntimeError("\(f).flags: unknown flag \(flag.debugDescription)") }
                mode |= bit
            }
            let nodes = try policy.nodes.map { text throws(RuntimeError) in try Self.parseList(text, field: "\(f).nodes") } ?? []
            self.memoryPolicy = MemoryPolicySetting(mode: mode, nodes: nodes)
        }
    }

    /// Applies them to the calling process (before capabilities are dropped:
    /// raising priority needs CAP_SYS_NICE).
    public func apply() throws(RuntimeError) {
        if let s = scheduler {
            try sys("sched_setattr (process.scheduler)") {
                sl_sched_setattr(0, s.policy, s.flags, s.nice, s.priority, s.runtime, s.deadline, s.period)
            }
        }
        if let value = ioPriority {
            try sys("ioprio_set (process.ioPriority)") { sl_ioprio_set(1 /* IOPRIO_WHO_PROCESS */, 0, value) }
        }
        if let persona = personality {
            try sys("personality (linux.personality)") { sl_personality(persona) }
        }
        if let policy = memoryPolicy {
            try sys("set_mempolicy (linux.memoryPolicy)") { policy.nodes.withUnsafeBufferPointer { sl_set_mempolicy(policy.mode, $0.baseAddress, Int32($0.count)) } }
        }
    }
}
