import LinuxCore
import OCISpec

/// Which kind of cgroup file system backs a controller on this host.
public enum CgroupFlavor: Sendable, Equatable {
    case v1, v2
}

/// One value to write into a cgroup file. `targets` are alternatives: the
/// first whose file exists is written (io.bfq.weight vs io.weight).
public struct CgroupSetting: Sendable, Equatable {
    public struct Target: Sendable, Equatable {
        public var file: String
        public var value: String
    }

    public var controller: String
    public var flavor: CgroupFlavor
    public var targets: [Target]
    /// The config field it comes from, for errors.
    public var field: String
    /// A companion file written only where the kernel has it (the reserved
    /// hugetlb limit next to the hugetlb limit).
    public var onlyIfPresent = false
}

/// linux.resources turned into cgroup writes for this host, checked before
/// anything is created. A field the host cannot apply is an error naming
/// the field, never skipped.
public struct ResourcePlan: Sendable, Equatable {
    public var settings: [CgroupSetting] = []
    /// Device rules (config order, defaults appended), nil when the config
    /// sets none.
    public var devices: [DeviceRules.Rule]? = nil
    public var devicesFlavor: CgroupFlavor = .v1
    /// memory.checkBeforeUpdate: refuse an update below current usage.
    public var checkMemoryBeforeUpdate = false
    public var memoryLimit: Int64? = nil

    public init() {}

    public var isEmpty: Bool { settings.isEmpty && devices == nil }

    /// `create`: a new container's devices are denied but for the default
    /// allow-list and the config's rules, whether or not the config has any
    /// (as runc does). `update` writes only what it is given.
    public static func make(_ resources: LinuxResources?, host: CgroupHost, create: Bool = false) throws(RuntimeError) -> ResourcePlan {
        var plan = ResourcePlan()
        var builder = Builder(host: host)
        let devices = resources?.devices ?? []
        if !devices.isEmpty || (create && host.flavor(of: "devices") != nil) {
            let rules = try DeviceRules.rules(devices)
            plan.devices = create ? [DeviceRules.denyAll] + rules : rules
            plan.devicesFlavor = try builder.flavor("devices", field: "linux.resources.devices")
        }
        guard let r = resources else { return plan }
        if let memory = r.memory { try builder.memory(memory) }
        if let cpu = r.cpu { try builder.cpu(cpu) }
        if let pids = r.pids {
            let flavor = try builder.flavor("pids", field: "linux.resources.pids")
            // 0 is a limit (config-linux.md); a negative one means none.
            builder.add("pids", flavor, ["pids.max"], pids.limit >= 0 ? String(pids.limit) : "max", "linux.resources.pids.limit")
        }
        if let blockIO = r.blockIO { try builder.blockIO(blockIO) }
        for (index, limit) in (r.hugepageLimits ?? []).enumerated() { try builder.hugepage(limit, index: index) }
        if let network = r.network { try builder.network(network) }
        for (device, limit) in (r.rdma ?? [:]).sorted(by: { $0.key < $1.key }) { try builder.rdma(device, limit) }
        for (key, value) in (r.unified ?? [:]).sorted(by: { $0.key < $1.key }) { try builder.unified(key, value) }
        plan.settings = builder.settings
        plan.checkMemoryBeforeUpdate = r.memory?.checkBeforeUpdate ?? false
        plan.memoryLimit = r.memory?.limit
        return plan
    }

    /// Accumulates settings for one host.
    struct Builder {
        let host: CgroupHost
        var settings: [CgroupSetting] = []

        mutating func add(_ controller: String, _ flavor: CgroupFlavor, _ files: [String], _ value: String, _ field: String) {
            add(controller, flavor, files.map { CgroupSetting.Target(file: $0, value: value) }, field)
        }

        mutating func add(_ controller: String, _ flavor: CgroupFlavor, _ targets: [CgroupSetting.Target], _ field: String) {
            settings.append(CgroupSetting(controller: controller, flavor: flavor, targets: targets, field: field))
        }

        func flavor(_ controller: String, field: String) throws(RuntimeError) -> CgroupFlavor {
            if let flavor = host.flavor(of: controller) { return flavor }
            throw RuntimeError("\(field): the \(controller) cgroup controller is not available on this host")
        }

        func refuse(_ field: String, _ why: String) -> RuntimeError {
            RuntimeError("\(field): \(why)")
        }

        mutating func memory(_ m: LinuxMemory) throws(RuntimeError) {
            let f = "linux.resources.memory"
            let flavor = try self.flavor("memory", field: f)
            func bytes(_ value: Int64) -> String { value == -1 ? (flavor == .v2 ? "max" : "-1") : String(value) }
            switch flavor {
            case .v2:
                if m.kernel != nil { throw refuse("\(f).kernel", "kernel memory limits do not exist with cgroup v2") }
                if m.kernelTCP != nil { throw refuse("\(f).kernelTCP", "kernel TCP memory limits do not exist with cgroup v2") }
                if m.swappiness != nil { throw refuse("\(f).swappiness", "swappiness cannot be set per cgroup with cgroup v2") }
                if m.disableOOMKiller == true { throw refuse("\(f).disableOOMKiller", "the OOM killer cannot be disabled with cgroup v2") }
                if let limit = m.limit, limit != 0 { add("memory", .v2, ["memory.max"], bytes(limit), "\(f).limit") }
                if let reservation = m.reservation, reservation != 0 { add("memory", .v2, ["memory.low"], bytes(reservation), "\(f).reservation") }
                if let swap = m.swap, swap != 0 {
                    // runc's meaning: swap is memory + swap; v2 limits swap alone.
                    let value: Int64
                    if swap == -1 {
                        value = -1
                    } else if let limit = m.limit, limit > 0 {
                        guard swap >= limit else { throw refuse("\(f).swap", "memory+swap (\(swap)) must be at least the memory limit (\(limit))") }
                        value = swap - limit
                    } else if m.limit == -1 {
                        value = swap
                    } else {
                        throw refuse("\(f).swap", "a swap limit needs a memory limit")
                    }
                    add("memory", .v2, ["memory.swap.max"], bytes(value), "\(f).swap")
                }
            case .v1:
                if let limit = m.limit, limit != 0 { add("memory", .v1, ["memory.limit_in_bytes"], bytes(limit), "\(f).limit") }
                if let swap = m.swap, swap != 0 {
                    if let limit = m.limit, limit > 0, swap != -1, swap < limit {
                        throw refuse("\(f).swap", "memory+swap (\(swap)) must be at least the memory limit (\(limit))")
                    }
                    add("memory", .v1, ["memory.memsw.limit_in_bytes"], bytes(swap), "\(f).swap")
                }
                if let reservation = m.reservation, reservation != 0 { add("memory", .v1, ["memory.soft_limit_in_bytes"], bytes(reservation), "\(f).reservation") }
                if let kernel = m.kernel, kernel != 0 { add("memory", .v1, ["memory.kmem.limit_in_bytes"], bytes(kernel), "\(f).kernel") }
                if let tcp = m.kernelTCP, tcp != 0 { add("memory", .v1, ["memory.kmem.tcp.limit_in_bytes"], bytes(tcp), "\(f).kernelTCP") }
                if let swappiness = m.swappiness {
                    guard swappiness <= 100 else { throw refuse("\(f).swappiness", "\(swappiness) is above 100") }
                    add("memory", .v1, ["memory.swappiness"], String(swappiness), "\(f).swappiness")
                }
                if m.disableOOMKiller == true { add("memory", .v1, ["memory.oom_control"], "1", "\(f).disableOOMKiller") }
            }
        }

        mutating func cpu(_ c: LinuxCPU) throws(RuntimeError) {
            let f = "linux.resources.cpu"
            let needsCPU = c.shares != nil || c.quota != nil || c.period != nil || c.burst != nil || c.idle != nil
                || c.realtimeRuntime != nil || c.realtimePeriod != nil
            if needsCPU {
                let flavor = try self.flavor("cpu", field: f)
                switch flavor {
                case .v2:
                    if c.realtimeRuntime != nil || c.realtimePeriod != nil {
                        throw refuse("\(f).realtimeRuntime", "real-time scheduling limits do not exist with cgroup v2")
                    }
                    if let shares = c.shares, shares != 0 {
                        add("cpu", .v2, ["cpu.weight"], String(Self.weight(fromShares: shares)), "\(f).shares")
                    }
                    if (c.quota ?? 0) != 0 || (c.period ?? 0) != 0 {
                        let quota = (c.quota ?? -1) > 0 ? String(c.quota ?? 0) : "max"
                        add("cpu", .v2, ["cpu.max"], "\(quota) \(c.period.flatMap { $0 > 0 ? $0 : nil } ?? 100_000)", "\(f).quota")
                    }
                    if let burst = c.burst { add("cpu", .v2, ["cpu.max.burst"], String(burst), "\(f).burst") }
                case .v1:
                    if let shares = c.shares, shares != 0 { add("cpu", .v1, ["cpu.shares"], String(shares), "\(f).shares") }
                    if let period = c.period, period != 0 { add("cpu", .v1, ["cpu.cfs_period_us"], String(period), "\(f).period") }
                    if let quota = c.quota, quota != 0 { add("cpu", .v1, ["cpu.cfs_quota_us"], String(quota), "\(f).quota") }
                    if let burst = c.burst { add("cpu", .v1, ["cpu.cfs_burst_us"], String(burst), "\(f).burst") }
                    if let period = c.realtimePeriod, period != 0 { add("cpu", .v1, ["cpu.rt_period_us"], String(period), "\(f).realtimePeriod") }
                    if let runtime = c.realtimeRuntime, runtime != 0 { add("cpu", .v1, ["cpu.rt_runtime_us"], String(runtime), "\(f).realtimeRuntime") }
                }
                if let idle = c.idle { add("cpu", flavor, ["cpu.idle"], String(idle), "\(f).idle") }
            }
            if let cpus = c.cpus, !cpus.isEmpty {
                add("cpuset", try flavor("cpuset", field: "\(f).cpus"), ["cpuset.cpus"], try Self.cpuList(cpus, "\(f).cpus"), "\(f).cpus")
            }
            if let mems = c.mems, !mems.isEmpty {
                add("cpuset", try flavor("cpuset", field: "\(f).mems"), ["cpuset.mems"], try Self.cpuList(mems, "\(f).mems"), "\(f).mems")
            }
        }

        /// runc's conversion of cpu.shares (2...262144) to cpu.weight (1...10000).
        static func weight(fromShares shares: UInt64) -> UInt64 {
            let clamped = min(max(shares, 2), 262_144)
            return 1 + ((clamped - 2) * 9999) / 262_142
        }

        /// runc's conversion of blkio weight (10...1000) to io.weight (1...10000).
        static func ioWeight(fromBlkio weight: UInt16) -> UInt64 {
            let clamped = UInt64(min(max(weight, 10), 1000))
            return 1 + (clamped - 10) * 9999 / 990
        }

        static func cpuList(_ text: String, _ field: String) throws(RuntimeError) -> String {
            let ok = !text.isEmpty && text.allSatisfy { $0.isNumber || $0 == "," || $0 == "-" }
            guard ok else { throw RuntimeError("\(field): \(text.debugDescription) is not a list like 0-3,7") }
            return text
        }

        mutating func blockIO(_ b: LinuxBlockIO) throws(RuntimeError) {
            let f = "linux.resources.blockIO"
            let flavor = try self.flavor(flavorName, field: f)
            switch flavor {
            case .v2:
                if b.leafWeight != nil || (b.weightDevice ?? []).contains(where: { $0.leafWeight != nil }) {
                    throw refuse("\(f).leafWeight", "leaf weights do not exist with cgroup v2")
                }
                // BFQ takes blkio's scale; io.weight has its own (runc's conversion).
                if let weight = b.weight, weight != 0 {
                    add("io", .v2, [.init(file: "io.bfq.weight", value: String(weight)),
                                    .init(file: "io.weight", value: "default \(Self.ioWeight(fromBlkio: weight))")], "\(f).weight")
                }
                for device in b.weightDevice ?? [] {
                    guard let weight = device.weight else { continue }
                    let id = "\(device.major):\(device.minor)"
                    add("io", .v2, [.init(file: "io.bfq.weight", value: "\(id) \(weight)"),
                                    .init(file: "io.weight", value: "\(id) \(Self.ioWeight(fromBlkio: weight))")], "\(f).weightDevice")
                }
                for (list, key, name) in [(b.throttleReadBpsDevice, "rbps", "throttleReadBpsDevice"), (b.throttleWriteBpsDevice, "wbps", "throttleWriteBpsDevice"),
                                          (b.throttleReadIOPSDevice, "riops", "throttleReadIOPSDevice"), (b.throttleWriteIOPSDevice, "wiops", "throttleWriteIOPSDevice")] {
                    for device in list ?? [] {
                        add("io", .v2, ["io.max"], "\(device.major):\(device.minor) \(key)=\(device.rate == 0 ? "max" : String(device.rate))", "\(f).\(name)")
                    }
                }
            case .v1:
                if let weight = b.weight, weight != 0 { add("blkio", .v1, ["blkio.weight", "blkio.bfq.weight"], String(weight), "\(f).weight") }
                if let leaf = b.leafWeight, leaf != 0 { add("blkio", .v1, ["blkio.leaf_weight"], String(leaf), "\(f).leafWeight") }
                for device in b.weightDevice ?? [] {
                    if let weight = device.weight {
                        add("blkio", .v1, ["blkio.weight_device", "blkio.bfq.weight_device"], "\(device.major):\(device.minor) \(weight)", "\(f).weightDevice")
                    }
                    if let leaf = device.leafWeight {
                        add("blkio", .v1, ["blkio.leaf_weight_device"], "\(device.major):\(device.minor) \(leaf)", "\(f).weightDevice")
                    }
                }
                for (list, file, name) in [(b.throttleReadBpsDevice, "blkio.throttle.read_bps_device", "throttleReadBpsDevice"),
                                           (b.throttleWriteBpsDevice, "blkio.throttle.write_bps_device", "throttleWriteBpsDevice"),
                                           (b.throttleReadIOPSDevice, "blkio.throttle.read_iops_device", "throttleReadIOPSDevice"),
                                           (b.throttleWriteIOPSDevice, "blkio.throttle.write_iops_device", "throttleWriteIOPSDevice")] {
                    for device in list ?? [] {
                        add("blkio", .v1, [file], "\(device.major):\(device.minor) \(device.rate)", "\(f).\(name)")
                    }
                }
            }
        }

        /// The block I/O controller is "blkio" on v1 and "io" on v2.
        var flavorName: String { host.flavor(of: "blkio") == .v1 ? "blkio" : "io" }

        mutating func hugepage(_ limit: LinuxHugepageLimit, index: Int) throws(RuntimeError) {
            let f = "linux.resources.hugepageLimits[\(index)]"
            let flavor = try self.flavor("hugetlb", field: f)
            let size = limit.pageSize
            let (file, reserved) = flavor == .v2
                ? ("hugetlb.\(size).max", "hugetlb.\(size).rsvd.max")
                : ("hugetlb.\(size).limit_in_bytes", "hugetlb.\(size).rsvd.limit_in_bytes")
            add("hugetlb", flavor, [file], String(limit.limit), "\(f).limit")
            // Reservations count too (kernel 5.7+), as runc sets them.
            add("hugetlb", flavor, [reserved], String(limit.limit), "\(f).limit")
            settings[settings.count - 1].onlyIfPresent = true
        }

        mutating func network(_ n: LinuxNetwork) throws(RuntimeError) {
            let f = "linux.resources.network"
            if let classID = n.classID {
                guard host.flavor(of: "net_cls") == .v1 else {
                    throw refuse("\(f).classID", "the net_cls controller is not mounted (it does not exist with cgroup v2)")
                }
                add("net_cls", .v1, ["net_cls.classid"], String(classID), "\(f).classID")
            }
            for priority in n.priorities ?? [] {
                guard host.flavor(of: "net_prio") == .v1 else {
                    throw refuse("\(f).priorities", "the net_prio controller is not mounted (it does not exist with cgroup v2)")
                }
                add("net_prio", .v1, ["net_prio.ifpriomap"], "\(priority.name) \(priority.priority)", "\(f).priorities")
            }
        }

        mutating func rdma(_ device: String, _ limit: LinuxRdma) throws(RuntimeError) {
            let f = "linux.resources.rdma[\(device.debugDescription)]"
            let flavor = try self.flavor("rdma", field: f)
            var parts = [device]
            if let handles = limit.hcaHandles { parts.append("hca_handle=\(handles)") }
            if let objects = limit.hcaObjects { parts.append("hca_object=\(objects)") }
            add("rdma", flavor, ["rdma.max"], parts.joined(separator: " "), f)
        }

        mutating func unified(_ key: String, _ value: String) throws(RuntimeError) {
            let f = "linux.resources.unified[\(key.debugDescription)]"
            guard host.unified != nil, host.mode == .unified else {
                throw refuse(f, "unified settings need cgroup v2 (this host uses cgroup v1 controllers)")
            }
            guard let dot = key.firstIndex(of: "."), dot != key.startIndex, !key.contains("/"), key != "." , !key.hasPrefix(".") else {
                throw refuse(f, "not a cgroup v2 file name like \"memory.high\"")
            }
            let controller = String(key[..<dot])
            if controller == "cgroup" {
                let allowed: Set<String> = ["cgroup.max.depth", "cgroup.max.descendants", "cgroup.freeze", "cgroup.type"]
                guard allowed.contains(key) else { throw refuse(f, "\(key) cannot be set") }
            } else {
                guard host.flavor(of: controller) == .v2 else {
                    throw refuse(f, "the \(controller) controller is not available on this host")
                }
            }
            add(controller, .v2, [key], value, f)
        }
    }
}

extension CgroupHost {
    /// Where a controller lives on this host: a v1 hierarchy, the v2 one, or
    /// nowhere (nil). Devices and freezer are built into cgroup v2.
    public func flavor(of controller: String) -> CgroupFlavor? {
        if mode != .unified, v1.contains(where: { $0.controllers.contains(controller) }) { return .v1 }
        guard let unified else { return nil }
        let name = controller == "blkio" ? "io" : controller
        if mode == .unified && (name == "devices" || name == "freezer") { return .v2 }
        return unified.controllers.contains(name) ? .v2 : nil
    }
}
