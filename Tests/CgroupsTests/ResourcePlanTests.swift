import LinuxCore
import OCISpec
import Testing
@testable import Cgroups

/// linux.resources turned into cgroup writes, on a pure v2 host and on a
/// hybrid one, without touching any cgroup.
@Suite struct ResourcePlanTests {
    let unified = CgroupHost(
        mode: .unified,
        hierarchies: [CgroupHierarchy(key: "", mountPoint: "/sys/fs/cgroup", mountRoot: "/",
                                      controllers: ["cpu", "cpuset", "memory", "pids", "io", "hugetlb", "rdma"])],
        ownPaths: ["": "/"])
    let hybrid = CgroupHost(
        mode: .hybrid,
        hierarchies: [
            CgroupHierarchy(key: "cpu,cpuacct", mountPoint: "/sys/fs/cgroup/cpu,cpuacct", mountRoot: "/", controllers: ["cpu", "cpuacct"]),
            CgroupHierarchy(key: "memory", mountPoint: "/sys/fs/cgroup/memory", mountRoot: "/", controllers: ["memory"]),
            CgroupHierarchy(key: "pids", mountPoint: "/sys/fs/cgroup/pids", mountRoot: "/", controllers: ["pids"]),
            CgroupHierarchy(key: "blkio", mountPoint: "/sys/fs/cgroup/blkio", mountRoot: "/", controllers: ["blkio"]),
            CgroupHierarchy(key: "devices", mountPoint: "/sys/fs/cgroup/devices", mountRoot: "/", controllers: ["devices"]),
            CgroupHierarchy(key: "", mountPoint: "/sys/fs/cgroup/unified", mountRoot: "/", controllers: ["hugetlb"]),
        ],
        ownPaths: [:])

    func writes(_ plan: ResourcePlan) -> [String: String] {
        var out: [String: String] = [:]
        for setting in plan.settings { out[setting.targets[0].file] = setting.targets[0].value }
        return out
    }

    func failure(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch { return "\(error)" }
    }

    @Test func sharesAndBlkioWeightConvertAsRuncDoes() {
        #expect(ResourcePlan.Builder.weight(fromShares: 2) == 1)
        #expect(ResourcePlan.Builder.weight(fromShares: 1024) == 39)
        #expect(ResourcePlan.Builder.weight(fromShares: 262_144) == 10_000)
        #expect(ResourcePlan.Builder.weight(fromShares: 1) == 1 && ResourcePlan.Builder.weight(fromShares: 1 << 30) == 10_000)
        #expect(ResourcePlan.Builder.ioWeight(fromBlkio: 10) == 1)
        #expect(ResourcePlan.Builder.ioWeight(fromBlkio: 500) == 4950)
        #expect(ResourcePlan.Builder.ioWeight(fromBlkio: 1000) == 10_000)
    }

    @Test func cpuOnV2() throws {
        let plan = try ResourcePlan.make(LinuxResources(cpu: LinuxCPU(shares: 1024, quota: 50_000, period: 200_000)), host: unified)
        #expect(writes(plan)["cpu.weight"] == "39")
        #expect(writes(plan)["cpu.max"] == "50000 200000")
        let periodOnly = try ResourcePlan.make(LinuxResources(cpu: LinuxCPU(period: 200_000)), host: unified)
        #expect(writes(periodOnly)["cpu.max"] == "max 200000")
    }

    @Test func cpuOnV1() throws {
        let plan = try ResourcePlan.make(LinuxResources(cpu: LinuxCPU(shares: 512, quota: 50_000, period: 100_000,
                                                                      realtimeRuntime: 1000, realtimePeriod: 10_000)), host: hybrid)
        #expect(writes(plan) == ["cpu.shares": "512", "cpu.cfs_quota_us": "50000", "cpu.cfs_period_us": "100000",
                                 "cpu.rt_runtime_us": "1000", "cpu.rt_period_us": "10000"])
    }

    @Test func pidsZeroIsALimitAndNegativeIsNone() throws {
        #expect(writes(try ResourcePlan.make(LinuxResources(pids: LinuxPids(limit: 0)), host: unified))["pids.max"] == "0")
        #expect(writes(try ResourcePlan.make(LinuxResources(pids: LinuxPids(limit: -1)), host: hybrid))["pids.max"] == "max")
        #expect(writes(try ResourcePlan.make(LinuxResources(pids: LinuxPids(limit: 42)), host: hybrid))["pids.max"] == "42")
    }

    @Test func memoryOnBothFlavors() throws {
        let v2 = try ResourcePlan.make(LinuxResources(memory: LinuxMemory(limit: 64 << 20, reservation: 32 << 20)), host: unified)
        #expect(writes(v2)["memory.max"] == String(64 << 20) && writes(v2)["memory.low"] == String(32 << 20))
        let v1 = try ResourcePlan.make(LinuxResources(memory: LinuxMemory(limit: -1)), host: hybrid)
        #expect(writes(v1)["memory.limit_in_bytes"] == "-1")
    }

    @Test func whatTheHostCannotApplyIsRefusedByField() {
        #expect(failure { _ = try ResourcePlan.make(LinuxResources(memory: LinuxMemory(kernel: 1 << 20)), host: unified) }
            == "linux.resources.memory.kernel: kernel memory limits do not exist with cgroup v2")
        #expect(failure { _ = try ResourcePlan.make(LinuxResources(cpu: LinuxCPU(realtimeRuntime: 10)), host: unified) }
            == "linux.resources.cpu.realtimeRuntime: real-time scheduling limits do not exist with cgroup v2")
        // cpuset is not mounted on the hybrid test host.
        #expect(failure { _ = try ResourcePlan.make(LinuxResources(cpu: LinuxCPU(cpus: "0")), host: hybrid) }
            == "linux.resources.cpu.cpus: the cpuset cgroup controller is not available on this host")
        #expect(failure { _ = try ResourcePlan.make(LinuxResources(cpu: LinuxCPU(cpus: "zero")), host: unified) }
            == #"linux.resources.cpu.cpus: "zero" is not a list like 0-3,7"#)
    }

    @Test func aNewContainerGetsDefaultDeviceRulesEvenWithoutAny() throws {
        let atCreate = try ResourcePlan.make(nil, host: hybrid, create: true)
        #expect(atCreate.devices == [DeviceRules.denyAll] + DeviceRules.defaultAllowed)
        #expect(atCreate.devicesFlavor == .v1)
        // An update writes device rules only when it has some.
        #expect(try ResourcePlan.make(LinuxResources(pids: LinuxPids(limit: 5)), host: hybrid).devices == nil)
        let configured = try ResourcePlan.make(LinuxResources(devices: [LinuxDeviceCgroup(allow: true, type: "c", major: 10, minor: 229,
                                                                                           access: "rw")]),
                                               host: unified, create: true)
        #expect(configured.devices?.first == DeviceRules.denyAll)
        #expect(configured.devices?[1] == DeviceRules.Rule(allow: true, type: "c", major: 10, minor: 229, access: "rw"))
        #expect(configured.devicesFlavor == .v2)
        // No devices controller at all: nothing to program, and no error.
        let bare = CgroupHost(mode: .hybrid, hierarchies: [hybrid.hierarchies[1]], ownPaths: [:])
        #expect(try ResourcePlan.make(nil, host: bare, create: true).devices == nil)
    }
}
