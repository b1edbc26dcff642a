import CLI
import Glibc
import LinuxCore
import OCISpec
import Runtime

struct Update: Verb {
    static let command = CommandSpec(
        "update", abstract: "Change the resource limits of a running container.",
        discussion: "--resources FILE (or - for stdin) takes LinuxResources JSON; the other flags override it.",
        options: [
            .option("resources", short: "r", value: "file", "LinuxResources JSON file, or - for stdin."),
            .option("blkio-weight", value: "weight", "Block IO weight (10-1000)."),
            .option("cpu-period", value: "us", "CPU CFS period."),
            .option("cpu-quota", value: "us", "CPU CFS quota."),
            .option("cpu-share", value: "shares", "CPU shares (relative weight)."),
            .option("cpu-rt-period", value: "us", "CPU realtime period."),
            .option("cpu-rt-runtime", value: "us", "CPU realtime runtime."),
            .option("cpu-burst", value: "us", "CPU burst."),
            .option("cpu-idle", value: "0|1", "SCHED_IDLE for the cgroup."),
            .option("cpuset-cpus", value: "list", "CPUs to run on (0-3,5)."),
            .option("cpuset-mems", value: "list", "Memory nodes to use."),
            .option("memory", value: "size", "Memory limit (bytes, or with k/m/g; -1 for none)."),
            .option("memory-reservation", value: "size", "Memory soft limit."),
            .option("memory-swap", value: "size", "Memory plus swap limit."),
            .option("kernel-memory", value: "size", "Kernel memory limit (cgroup v1)."),
            .option("kernel-memory-tcp", value: "size", "Kernel TCP buffer limit (cgroup v1)."),
            .option("pids-limit", value: "n", "Maximum number of processes."),
        ],
        arguments: [ArgumentHelp.id])

    let resources: String?
    let blkioWeight: UInt16?
    let cpuPeriod: UInt64?
    let cpuQuota: Int64?
    let cpuShare: UInt64?
    let cpuRtPeriod: UInt64?
    let cpuRtRuntime: Int64?
    let cpuBurst: UInt64?
    let cpuIdle: Int64?
    let cpusetCpus: String?
    let cpusetMems: String?
    let memory: String?
    let memoryReservation: String?
    let memorySwap: String?
    let kernelMemory: String?
    let kernelMemoryTCP: String?
    let pidsLimit: Int64?
    let id: String

    init(_ arguments: ParsedArguments) throws(UsageError) {
        resources = arguments.value("resources")
        blkioWeight = try arguments.integer("blkio-weight")
        cpuPeriod = try arguments.integer("cpu-period")
        cpuQuota = try arguments.integer("cpu-quota")
        cpuShare = try arguments.integer("cpu-share")
        cpuRtPeriod = try arguments.integer("cpu-rt-period")
        cpuRtRuntime = try arguments.integer("cpu-rt-runtime")
        cpuBurst = try arguments.integer("cpu-burst")
        cpuIdle = try arguments.integer("cpu-idle")
        cpusetCpus = arguments.value("cpuset-cpus")
        cpusetMems = arguments.value("cpuset-mems")
        memory = arguments.value("memory")
        memoryReservation = arguments.value("memory-reservation")
        memorySwap = arguments.value("memory-swap")
        kernelMemory = arguments.value("kernel-memory")
        kernelMemoryTCP = arguments.value("kernel-memory-tcp")
        pidsLimit = try arguments.integer("pids-limit")
        id = try arguments.required("id")
    }

    func execute(_ global: GlobalOptions) throws(RuntimeError) -> Int32 {
        var r = try loadResources()
        if let v = blkioWeight { r.blockIO = r.blockIO ?? LinuxBlockIO(); r.blockIO?.weight = v }
        var cpu = r.cpu ?? LinuxCPU()
        if let v = cpuPeriod { cpu.period = v }
        if let v = cpuQuota { cpu.quota = v }
        if let v = cpuShare { cpu.shares = v }
        if let v = cpuRtPeriod { cpu.realtimePeriod = v }
        if let v = cpuRtRuntime { cpu.realtimeRuntime = v }
        if let v = cpuBurst { cpu.burst = v }
        if let v = cpuIdle { cpu.idle = v }
        if let v = cpusetCpus { cpu.cpus = v }
        if let v = cpusetMems { cpu.mems = v }
        if cpu != LinuxCPU() { r.cpu = cpu }
        var mem = r.memory ?? LinuxMemory()
        if let v = memory { mem.limit = try ByteSize.parse(v, flag: "--memory") }
        if let v = memoryReservation { mem.reservation = try ByteSize.parse(v, flag: "--memory-reservation") }
        if let v = memorySwap { mem.swap = try ByteSize.parse(v, flag: "--memory-swap") }
        if let v = kernelMemory { mem.kernel = try ByteSize.parse(v, flag: "--kernel-memory") }
        if let v = kernelMemoryTCP { mem.kernelTCP = try ByteSize.parse(v, flag: "--kernel-memory-tcp") }
        if mem != LinuxMemory() { r.memory = mem }
        if let v = pidsLimit { r.pids = LinuxPids(limit: v) }
        try Lifecycle(runtime: global.runtime).update(id: id, resources: r)
        return 0
    }

    private func loadResources() throws(RuntimeError) -> LinuxResources {
        guard let source = resources else { return LinuxResources() }
        let bytes: [UInt8]
        do {
            bytes = source == "-" ? try FileIO.read(fd: 0, name: "stdin") : try FileIO.read(source)
        } catch {
            throw error.context("--resources")
        }
        do {
            return try Spec.decodeResources(bytes, name: source == "-" ? "resources (stdin)" : source)
        } catch {
            throw RuntimeError("\(error)")
        }
    }
}

/// Sizes like docker's and runc's flags: 1024, 512k, 64m, 1g, -1.
enum ByteSize {
    static func parse(_ text: String, flag: String) throws(RuntimeError) -> Int64 {
        if text == "-1" { return -1 }
        let lower = text.lowercased()
        let digits = lower.prefix { $0.isNumber || $0 == "." }
        var unit = String(lower.dropFirst(digits.count))
        if unit.hasSuffix("ib") { unit.removeLast(2) } else if unit.hasSuffix("b") { unit.removeLast() }
        let multipliers: [String: Double] = ["": 1, "k": 1024, "m": 1_048_576, "g": 1_073_741_824, "t": 1_099_511_627_776, "p": 1_125_899_906_842_624]
        guard let value = Double(digits), let multiplier = multipliers[unit] else {
            throw RuntimeError("\(flag): invalid size \(text.debugDescription)")
        }
        return Int64(value * multiplier)
    }
}
