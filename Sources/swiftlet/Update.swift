import ArgumentParser
import Glibc
import LinuxCore
import OCISpec
import Runtime

struct Update: Verb {
    static let configuration = CommandConfiguration(
        abstract: "Change the resource limits of a running container.",
        discussion: "--resources FILE (or - for stdin) takes LinuxResources JSON; the other flags override it.")

    @OptionGroup var global: GlobalOptions
    @Option(name: [.customShort("r"), .long], help: "LinuxResources JSON file, or - for stdin.") var resources: String?
    @Option(name: .customLong("blkio-weight")) var blkioWeight: UInt16?
    @Option(name: .customLong("cpu-period")) var cpuPeriod: UInt64?
    @Option(name: .customLong("cpu-quota")) var cpuQuota: Int64?
    @Option(name: .customLong("cpu-share")) var cpuShare: UInt64?
    @Option(name: .customLong("cpu-rt-period")) var cpuRtPeriod: UInt64?
    @Option(name: .customLong("cpu-rt-runtime")) var cpuRtRuntime: Int64?
    @Option(name: .customLong("cpu-burst")) var cpuBurst: UInt64?
    @Option(name: .customLong("cpu-idle")) var cpuIdle: Int64?
    @Option(name: .customLong("cpuset-cpus")) var cpusetCpus: String?
    @Option(name: .customLong("cpuset-mems")) var cpusetMems: String?
    @Option(name: .customLong("memory"), help: "Memory limit (bytes, or with k/m/g; -1 for none).") var memory: String?
    @Option(name: .customLong("memory-reservation")) var memoryReservation: String?
    @Option(name: .customLong("memory-swap"), help: "Memory plus swap limit.") var memorySwap: String?
    @Option(name: .customLong("kernel-memory")) var kernelMemory: String?
    @Option(name: .customLong("kernel-memory-tcp")) var kernelMemoryTCP: String?
    @Option(name: .customLong("pids-limit")) var pidsLimit: Int64?
    @Argument(help: "The container id.") var id: String

    func execute() throws(RuntimeError) -> Int32 {
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
        let bytes = source == "-" ? try FileIO.read(fd: 0, name: "stdin") : try FileIO.read(source)
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
