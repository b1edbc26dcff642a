#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import OCISpec

/// One cgroup file the config determines, and the value it must hold.
private struct CgroupExpectation {
    var section: String
    var field: String
    /// v1 controller, or "" for the unified hierarchy.
    var controller: String
    var file: String
    var want: String
    var matches: (String) -> Bool
}

/// The container's own cgroup as seen from inside.
private struct CgroupView {
    /// controller → hierarchy line path (v1); "" → the unified line's path.
    var paths: [String: String] = [:]
    var unifiedOnly = true

    init() {
        for line in (Sys.readText("/proc/self/cgroup") ?? "").split(separator: "\n") {
            let f = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            guard f.count == 3 else { continue }
            if f[1].isEmpty {
                paths[""] = f[2]
            } else {
                for c in f[1].split(separator: ",") { paths[String(c)] = f[2] }
                if !f[1].hasPrefix("name=") { unifiedOnly = false }
            }
        }
    }

    /// The directory of `controller` ("" = unified) inside the container, if mounted.
    func directory(_ controller: String, mounts: [MountInfo]) -> String? {
        guard let path = paths[controller] else { return nil }
        for m in mounts.reversed() {
            let fits = controller.isEmpty ? m.fsType == "cgroup2" : (m.fsType == "cgroup" && m.superSet.contains(controller))
            guard fits else { continue }
            let root = m.root == "/" ? "" : m.root
            guard root.isEmpty || path == root || path.hasPrefix(root + "/") else { continue }
            let rest = String(path.dropFirst(root.count))
            let dir = m.mountPoint == "/" ? rest : m.mountPoint + rest
            if Sys.statPath(dir) != nil { return dir.isEmpty ? "/" : dir }
        }
        return nil
    }
}

extension Checker {
    func checkCgroups() {
        let view = CgroupView()
        checkCgroupsPath(view)
        guard let resources = linux.resources else { return }
        for e in expectations(resources, unified: view.unifiedOnly) {
            let name = "config-linux.md#\(e.section): \(e.field)"
            guard let dir = view.directory(e.controller, mounts: mounts) else {
                tap.skip(name, "the \(e.controller.isEmpty ? "unified" : e.controller) hierarchy is not visible inside")
                continue
            }
            guard let text = Sys.readText(dir + "/" + e.file) else {
                tap.skip(name, "\(e.file) not readable inside (\(Sys.errnoName(errno)))")
                continue
            }
            let got = Sys.trimmed(text)
            tap.check(e.matches(got), name, got: "\(e.file)=\(got)", want: e.want)
        }
    }

    /// config-linux.md "Cgroups Path": an absolute path is taken from the
    /// hierarchy's root (seen as / inside a new cgroup namespace).
    fileprivate func checkCgroupsPath(_ view: CgroupView) {
        guard let path = linux.cgroupsPath, path.hasPrefix("/") else { return }
        let newNS = linux.namespaces?.contains { $0.type == "cgroup" && ($0.path ?? "").isEmpty } ?? false
        let want = newNS ? "/" : path
        var needed: [String] = []
        if let r = linux.resources {
            if !(r.devices ?? []).isEmpty { needed.append("devices") }
            if r.memory != nil { needed.append("memory") }
            if r.pids != nil { needed.append("pids") }
            if r.blockIO != nil { needed.append("blkio") }
            if let cpu = r.cpu {
                if cpu.cpus != nil || cpu.mems != nil { needed.append("cpuset") }
                if cpu.shares != nil || cpu.quota != nil || cpu.period != nil || cpu.idle != nil { needed.append("cpu") }
            }
        }
        if view.unifiedOnly { needed = [""] }
        if needed.isEmpty {
            // No resources: the container must still be placed there, in some hierarchy.
            let placed = view.paths.filter { !$0.key.hasPrefix("name=") && $0.value == want }.keys.sorted()
            tap.check(!placed.isEmpty, "config-linux.md#cgroups-path: the process is in \(want)",
                      got: view.paths.values.sorted().joined(separator: " "), want: want)
            return
        }
        for controller in needed {
            let got = view.paths[controller] ?? "not joined"
            tap.equal(got, want, "config-linux.md#cgroups-path: \(controller.isEmpty ? "unified" : controller) hierarchy")
        }
    }

    private func expectations(_ r: LinuxResources, unified: Bool) -> [CgroupExpectation] {
        var out: [CgroupExpectation] = []
        func add(_ section: String, _ field: String, _ controller: String, _ file: String, _ want: String,
                 _ matches: ((String) -> Bool)? = nil) {
            out.append(CgroupExpectation(section: section, field: field, controller: unified ? "" : controller, file: file,
                                         want: want, matches: matches ?? { $0 == want }))
        }
        func lines(_ got: String) -> Set<String> {
            Set(got.split(separator: "\n").map { Sys.words(String($0)).joined(separator: " ") })
        }
        func containsLines(_ want: [String]) -> (String) -> Bool {
            { got in Set(want).isSubset(of: lines(got)) }
        }
        func sameList(_ want: String) -> (String) -> Bool {
            { got in Sys.parseList(got) == Sys.parseList(want) }
        }
        // Unlimited memory shows as a huge page-aligned number on v1.
        func v1Bytes(_ value: Int64) -> (String) -> Bool {
            { got in value < 0 ? (UInt64(got) ?? 0) >= 1 << 62 : got == String(value) }
        }
        if let pids = r.pids {
            add("pids", "pids.limit \(pids.limit)", "pids", "pids.max", pids.limit < 0 ? "max" : String(pids.limit))
        }
        if let m = r.memory {
            if unified {
                if let v = m.limit { add("memory", "memory.limit \(v)", "", "memory.max", v < 0 ? "max" : String(v)) }
                if let v = m.reservation { add("memory", "memory.reservation \(v)", "", "memory.low", v < 0 ? "max" : String(v)) }
                if let v = m.swap, let l = m.limit, l > 0, v > 0 {
                    add("memory", "memory.swap \(v)", "", "memory.swap.max", String(v - l))
                }
            } else {
                if let v = m.limit { add("memory", "memory.limit \(v)", "memory", "memory.limit_in_bytes", String(v), v1Bytes(v)) }
                if let v = m.reservation {
                    add("memory", "memory.reservation \(v)", "memory", "memory.soft_limit_in_bytes", String(v), v1Bytes(v))
                }
                if let v = m.swap { add("memory", "memory.swap \(v)", "memory", "memory.memsw.limit_in_bytes", String(v), v1Bytes(v)) }
                if let v = m.swappiness { add("memory", "memory.swappiness \(v)", "memory", "memory.swappiness", String(v)) }
                if let v = m.disableOOMKiller {
                    add("memory", "memory.disableOOMKiller \(v)", "memory", "memory.oom_control", "oom_kill_disable \(v ? 1 : 0)",
                        containsLines(["oom_kill_disable \(v ? 1 : 0)"]))
                }
            }
        }
        if let c = r.cpu {
            if unified {
                if let v = c.shares, v >= 2 { add("cpu", "cpu.shares \(v)", "", "cpu.weight", String(1 + ((v - 2) * 9999) / 262142)) }
                if c.quota != nil || c.period != nil {
                    let quota = c.quota.map { $0 < 0 ? "max" : String($0) } ?? "max"
                    let period = c.period.map(String.init) ?? "100000"
                    add("cpu", "cpu.quota/period", "", "cpu.max", "\(quota) \(period)")
                }
                if let v = c.burst { add("cpu", "cpu.burst \(v)", "", "cpu.max.burst", String(v)) }
            } else {
                if let v = c.shares { add("cpu", "cpu.shares \(v)", "cpu", "cpu.shares", String(v)) }
                if let v = c.quota { add("cpu", "cpu.quota \(v)", "cpu", "cpu.cfs_quota_us", String(v)) }
                if let v = c.period { add("cpu", "cpu.period \(v)", "cpu", "cpu.cfs_period_us", String(v)) }
                if let v = c.burst { add("cpu", "cpu.burst \(v)", "cpu", "cpu.cfs_burst_us", String(v)) }
                if let v = c.realtimeRuntime { add("cpu", "cpu.realtimeRuntime \(v)", "cpu", "cpu.rt_runtime_us", String(v)) }
                if let v = c.realtimePeriod { add("cpu", "cpu.realtimePeriod \(v)", "cpu", "cpu.rt_period_us", String(v)) }
            }
            if let v = c.idle { add("cpu", "cpu.idle \(v)", "cpu", "cpu.idle", String(v)) }
            if let v = c.cpus, !v.isEmpty { add("cpu", "cpu.cpus \(v)", "cpuset", "cpuset.cpus", v, sameList(v)) }
            if let v = c.mems, !v.isEmpty { add("cpu", "cpu.mems \(v)", "cpuset", "cpuset.mems", v, sameList(v)) }
        }
        if let b = r.blockIO {
            if let v = b.weight {
                add("block-io", "blockIO.weight \(v)", "blkio", unified ? "io.weight" : "blkio.weight",
                    unified ? "default \(v)" : String(v), unified ? containsLines(["default \(v)"]) : nil)
            }
            if !unified {
                let throttles: [(String, [LinuxThrottleDevice]?, String)] = [
                    ("throttleReadBpsDevice", b.throttleReadBpsDevice, "blkio.throttle.read_bps_device"),
                    ("throttleWriteBpsDevice", b.throttleWriteBpsDevice, "blkio.throttle.write_bps_device"),
                    ("throttleReadIOPSDevice", b.throttleReadIOPSDevice, "blkio.throttle.read_iops_device"),
                    ("throttleWriteIOPSDevice", b.throttleWriteIOPSDevice, "blkio.throttle.write_iops_device"),
                ]
                for (field, list, file) in throttles {
                    guard let list, !list.isEmpty else { continue }
                    let want = list.map { "\($0.major):\($0.minor) \($0.rate)" }
                    add("block-io", "blockIO.\(field)", "blkio", file, want.joined(separator: "; "), containsLines(want))
                }
                if let list = b.weightDevice, !list.isEmpty {
                    let want = list.compactMap { d in d.weight.map { "\(d.major):\(d.minor) \($0)" } }
                    add("block-io", "blockIO.weightDevice", "blkio", "blkio.weight_device", want.joined(separator: "; "), containsLines(want))
                }
            }
        }
        for h in r.hugepageLimits ?? [] {
            add("huge-page-limits", "hugepageLimits \(h.pageSize)", "hugetlb",
                unified ? "hugetlb.\(h.pageSize).max" : "hugetlb.\(h.pageSize).limit_in_bytes", String(h.limit))
        }
        if let n = r.network, !unified {
            if let id = n.classID { add("network", "network.classID \(id)", "net_cls", "net_cls.classid", String(id)) }
            if let prios = n.priorities, !prios.isEmpty {
                let want = prios.map { "\($0.name) \($0.priority)" }
                add("network", "network.priorities", "net_prio", "net_prio.ifpriomap", want.joined(separator: "; "), containsLines(want))
            }
        }
        for (key, value) in (r.unified ?? [:]).sorted(by: { $0.key < $1.key }) {
            out.append(CgroupExpectation(section: "unified", field: "unified \(key)", controller: "", file: key, want: value,
                                         matches: { Sys.words($0) == Sys.words(value) }))
        }
        return out
    }
}
