import CShim
import Glibc
import LinuxCore

/// Resource usage of a container's cgroup, in the shape of runc's
/// `events --stats` data (cpu, memory, pids, blkio, hugetlb).
public enum CgroupStats {
    public static func read(_ cgroups: CgroupManager) -> JSONOut.Value {
        var fields: [(String, JSONOut.Value)] = []
        fields.append(("cpu", cpu(cgroups)))
        fields.append(("memory", memory(cgroups)))
        fields.append(("pids", pids(cgroups)))
        fields.append(("blkio", blkio(cgroups)))
        fields.append(("hugetlb", hugetlb(cgroups)))
        return .object(fields)
    }

    /// The OOM-kill counter (v1 memory.oom_control, v2 memory.events).
    public static func oomKills(_ cgroups: CgroupManager) -> Int64 {
        if cgroups.host.flavor(of: "memory") == .v2, let dir = cgroups.unifiedPath {
            return keyed(dir + "/memory.events")["oom_kill"] ?? 0
        }
        guard let dir = cgroups.path(for: "memory") else { return 0 }
        return keyed(dir + "/memory.oom_control")["oom_kill"] ?? 0
    }

    /// A file to watch for OOM events (inotify on v2; v1 uses an eventfd).
    public static func oomEventSource(_ cgroups: CgroupManager) -> Int32? {
        if cgroups.host.flavor(of: "memory") == .v2, let dir = cgroups.unifiedPath {
            let fd = sl_inotify_watch(dir + "/memory.events", 0x2 /* IN_MODIFY */)
            return fd >= 0 ? fd : nil
        }
        guard let dir = cgroups.path(for: "memory") else { return nil }
        let event = sl_eventfd()
        guard event >= 0 else { return nil }
        let control = sl_open_mode(dir + "/memory.oom_control", O_RDONLY | O_CLOEXEC, 0)
        guard control >= 0, (try? FileIO.writeValue(dir + "/cgroup.event_control", "\(event) \(control)")) != nil else {
            close(event)
            if control >= 0 { close(control) }
            return nil
        }
        // The registration holds its own reference to memory.oom_control.
        close(control)
        return event
    }

    // MARK: - readers

    static func number(_ path: String) -> Int64? {
        guard let text = try? FileIO.readString(path) else { return nil }
        let trimmed = text.trimmed
        if trimmed == "max" { return 0 }
        return Int64(trimmed)
    }

    /// "key value" lines.
    static func keyed(_ path: String) -> [String: Int64] {
        var out = [String: Int64]()
        for line in ((try? FileIO.readString(path)) ?? "").split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let value = Int64(parts[1]) { out[String(parts[0])] = value }
        }
        return out
    }

    static func object(_ pairs: [(String, Int64?)]) -> JSONOut.Value {
        .object(pairs.map { ($0.0, .int($0.1 ?? 0)) })
    }

    static func cpu(_ c: CgroupManager) -> JSONOut.Value {
        if c.host.flavor(of: "cpu") == .v2 || (c.host.mode == .unified), let dir = c.unifiedPath {
            let stat = keyed(dir + "/cpu.stat")
            let usage = object([("total", (stat["usage_usec"] ?? 0) * 1000), ("kernel", (stat["system_usec"] ?? 0) * 1000),
                                ("user", (stat["user_usec"] ?? 0) * 1000)])
            let throttling = object([("periods", stat["nr_periods"]), ("throttled_periods", stat["nr_throttled"]),
                                     ("throttled_time", (stat["throttled_usec"] ?? 0) * 1000)])
            return .object([("usage", usage), ("throttling", throttling)])
        }
        var usageFields: [(String, JSONOut.Value)] = []
        if let dir = c.path(for: "cpuacct") {
            usageFields.append(("total", .int(number(dir + "/cpuacct.usage") ?? 0)))
            let percpu = ((try? FileIO.readString(dir + "/cpuacct.usage_percpu")) ?? "").split(separator: " ").compactMap { Int64($0.trimmed) }
            usageFields.append(("percpu", .array(percpu.map { .int($0) })))
            let ticks = keyed(dir + "/cpuacct.stat")
            let nanosPerTick = Int64(1_000_000_000) / Int64(max(1, sysconf(Int32(_SC_CLK_TCK))))
            usageFields.append(("kernel", .int((ticks["system"] ?? 0) * nanosPerTick)))
            usageFields.append(("user", .int((ticks["user"] ?? 0) * nanosPerTick)))
        }
        var throttling = object([])
        if let dir = c.path(for: "cpu") {
            let stat = keyed(dir + "/cpu.stat")
            throttling = object([("periods", stat["nr_periods"]), ("throttled_periods", stat["nr_throttled"]), ("throttled_time", stat["throttled_time"])])
        }
        return .object([("usage", .object(usageFields)), ("throttling", throttling)])
    }

    static func memory(_ c: CgroupManager) -> JSONOut.Value {
        if c.host.flavor(of: "memory") == .v2, let dir = c.unifiedPath {
            let stat = keyed(dir + "/memory.stat")
            let usage = object([("usage", number(dir + "/memory.current")), ("max", number(dir + "/memory.peak")),
                                ("limit", number(dir + "/memory.max")), ("failcnt", keyed(dir + "/memory.events")["max"])])
            let swap = object([("usage", number(dir + "/memory.swap.current")), ("limit", number(dir + "/memory.swap.max"))])
            return .object([("cache", .int(stat["file"] ?? 0)), ("usage", usage), ("swap", swap),
                            ("raw", .object(stat.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) }))])
        }
        guard let dir = c.path(for: "memory") else { return .object([]) }
        func entry(_ prefix: String) -> JSONOut.Value {
            object([("usage", number(dir + "/\(prefix).usage_in_bytes")), ("max", number(dir + "/\(prefix).max_usage_in_bytes")),
                    ("failcnt", number(dir + "/\(prefix).failcnt")), ("limit", number(dir + "/\(prefix).limit_in_bytes"))])
        }
        let stat = keyed(dir + "/memory.stat")
        return .object([("cache", .int(stat["cache"] ?? 0)), ("usage", entry("memory")), ("swap", entry("memory.memsw")),
                        ("kernel", entry("memory.kmem")), ("kernelTCP", entry("memory.kmem.tcp")),
                        ("raw", .object(stat.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) }))])
    }

    static func pids(_ c: CgroupManager) -> JSONOut.Value {
        let dir = c.host.flavor(of: "pids") == .v2 ? c.unifiedPath : c.path(for: "pids")
        guard let dir else { return .object([]) }
        return object([("current", number(dir + "/pids.current")), ("limit", number(dir + "/pids.max"))])
    }

    static func blkio(_ c: CgroupManager) -> JSONOut.Value {
        if c.host.flavor(of: "blkio") == .v2 || c.host.mode == .unified, let dir = c.unifiedPath {
            var bytes = [JSONOut.Value]()
            var ios = [JSONOut.Value]()
            for line in ((try? FileIO.readString(dir + "/io.stat")) ?? "").split(separator: "\n") {
                let parts = line.split(separator: " ")
                guard let device = parts.first else { continue }
                let numbers = device.split(separator: ":").compactMap { Int64($0) }
                guard numbers.count == 2 else { continue }
                var values = [String: Int64]()
                for kv in parts.dropFirst() {
                    let pair = kv.split(separator: "=")
                    if pair.count == 2, let v = Int64(pair[1]) { values[String(pair[0])] = v }
                }
                func item(_ op: String, _ value: Int64?) -> JSONOut.Value {
                    .object([("major", .int(numbers[0])), ("minor", .int(numbers[1])), ("op", .string(op)), ("value", .int(value ?? 0))])
                }
                bytes += [item("Read", values["rbytes"]), item("Write", values["wbytes"])]
                ios += [item("Read", values["rios"]), item("Write", values["wios"])]
            }
            return .object([("ioServiceBytesRecursive", .array(bytes)), ("ioServicedRecursive", .array(ios))])
        }
        guard let dir = c.path(for: "blkio") else { return .object([]) }
        func entries(_ file: String) -> JSONOut.Value {
            var out = [JSONOut.Value]()
            for line in ((try? FileIO.readString(dir + "/" + file)) ?? "").split(separator: "\n") {
                let parts = line.split(separator: " ")
                guard parts.count == 3 else { continue }
                let numbers = parts[0].split(separator: ":").compactMap { Int64($0) }
                guard numbers.count == 2, let value = Int64(parts[2]) else { continue }
                out.append(.object([("major", .int(numbers[0])), ("minor", .int(numbers[1])), ("op", .string(String(parts[1]))), ("value", .int(value))]))
            }
            return .array(out)
        }
        return .object([("ioServiceBytesRecursive", entries("blkio.throttle.io_service_bytes_recursive")),
                        ("ioServicedRecursive", entries("blkio.throttle.io_serviced_recursive"))])
    }

    static func hugetlb(_ c: CgroupManager) -> JSONOut.Value {
        let flavor = c.host.flavor(of: "hugetlb")
        let dir = flavor == .v2 ? c.unifiedPath : c.path(for: "hugetlb")
        guard let dir, let names = try? FileIO.listDirectory(dir) else { return .object([]) }
        var sizes = Set<String>()
        for name in names where name.hasPrefix("hugetlb.") {
            let parts = name.split(separator: ".")
            if parts.count >= 3 { sizes.insert(String(parts[1])) }
        }
        return .object(sizes.sorted().map { size in
            let stats: JSONOut.Value
            if flavor == .v2 {
                stats = object([("usage", number(dir + "/hugetlb.\(size).current")), ("max", number(dir + "/hugetlb.\(size).max")),
                                ("failcnt", keyed(dir + "/hugetlb.\(size).events")["max"])])
            } else {
                stats = object([("usage", number(dir + "/hugetlb.\(size).usage_in_bytes")), ("max", number(dir + "/hugetlb.\(size).max_usage_in_bytes")),
                                ("failcnt", number(dir + "/hugetlb.\(size).failcnt"))])
            }
            return (size, stats)
        })
    }
}
