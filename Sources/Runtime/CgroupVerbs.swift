import Cgroups
import CShim
import Glibc
import LinuxCore
import OCISpec

/// The verbs that live on the container's cgroup.
extension Lifecycle {
    /// Freezes every process of a running container.
    public func pause(id: String) throws(RuntimeError) {
        let lock = try store.lock(id: id)
        defer { lock.release() }
        let container = try Container.load(store, id: id)
        guard container.status == .running else {
            throw RuntimeError("container not running (it is \(container.status.rawValue))")
        }
        try CgroupFreezer.freeze(container.cgroups)
    }

    /// Thaws a paused container.
    public func resume(id: String) throws(RuntimeError) {
        let lock = try store.lock(id: id)
        defer { lock.release() }
        let container = try Container.load(store, id: id)
        guard container.status == .paused else {
            throw RuntimeError("container not paused (it is \(container.status.rawValue))")
        }
        try CgroupFreezer.thaw(container.cgroups)
    }

    /// The pids of every process in the container's cgroup.
    public func pids(id: String) throws(RuntimeError) -> [Int32] {
        let container = try Container.load(store, id: id)
        return try container.cgroups.pids().sorted()
    }

    /// Changes the resources of a live container (runc update): the fields
    /// given replace the container's current ones (the config's, as changed
    /// by earlier updates) and the result is applied, so that `--cpu-period`
    /// alone keeps the quota and `--memory` alone keeps the swap limit.
    /// Device rules are written only when the update has some.
    public func update(id: String, resources: LinuxResources) throws(RuntimeError) {
        let lock = try store.lock(id: id)
        defer { lock.release() }
        let container = try Container.load(store, id: id)
        let status = container.status
        guard status != .stopped && status != .creating else { throw RuntimeError("container not running") }
        let merged = try currentResources(container).overlaid(with: resources)
        do {
            try merged.validate(document: "resources")
        } catch {
            throw RuntimeError("\(error)")
        }
        var applied = merged
        applied.devices = resources.devices
        let host = try CgroupHost.detect()
        let plan = try ResourcePlan.make(applied, host: host)
        try CgroupManager(host: host, paths: container.record.cgroupPaths).apply(plan, update: true)
        do {
            try FileIO.writeAtomic(store.resourcesPath(id), try OCIJSON.encode(merged, pretty: false))
        } catch {
            throw RuntimeError("save the updated resources of \(id): \(error)")
        }
    }

    /// The resources last applied: the last update's, else the config's.
    private func currentResources(_ container: Container) throws(RuntimeError) -> LinuxResources {
        if let bytes = try FileIO.readIfExists(store.resourcesPath(container.id)) {
            do {
                return try OCIJSON.decode(LinuxResources.self, from: bytes, name: "resources.json")
            } catch {
                throw RuntimeError("\(error)")
            }
        }
        return try container.config().linux?.resources ?? LinuxResources()
    }

    /// runc's events: stats every `interval` and an `oom` event when the
    /// OOM killer hits the container, as JSON lines, until it stops. With
    /// `statsOnce`, one stats event.
    public func events(id: String, interval: Int32, statsOnce: Bool, emit: (String) -> Void) throws(RuntimeError) {
        let container = try Container.load(store, id: id)
        guard container.status != .stopped else { throw RuntimeError("container not running") }
        let cgroups = CgroupManager(host: try CgroupHost.detect(), paths: container.record.cgroupPaths)
        func stats() -> String {
            JSONOut.render(.object([("type", .string("stats")), ("id", .string(id)), ("data", CgroupStats.read(cgroups))]))
        }
        if statsOnce {
            emit(stats())
            return
        }
        let source = CgroupStats.oomEventSource(cgroups)
        defer { if let source { close(source) } }
        let pidfd = ProcessControl.open(pid: container.record.pid, startTime: container.record.pidStartTime)
        defer { if let pidfd { close(pidfd) } }
        var kills = CgroupStats.oomKills(cgroups)
        var next = monotonicMillis() + Int64(interval)
        while true {
            var fds = [pollfd]()
            if let pidfd { fds.append(pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)) }
            if let source { fds.append(pollfd(fd: source, events: Int16(POLLIN), revents: 0)) }
            let wait = Int32(clamping: max(0, next - monotonicMillis()))
            let ready = poll(&fds, nfds_t(fds.count), wait)
            if ready < 0 && currentErrno() != EINTR { throw RuntimeError.sys("events: poll", currentErrno()) }
            for entry in fds where entry.revents != 0 && entry.fd == source {
                var buffer = [UInt8](repeating: 0, count: 4096)
                _ = read(entry.fd, &buffer, buffer.count)
            }
            let now = CgroupStats.oomKills(cgroups)
            if now > kills {
                kills = now
                emit(JSONOut.render(.object([("type", .string("oom")), ("id", .string(id))])))
            }
            if let pidfd, fds.contains(where: { $0.fd == pidfd && $0.revents != 0 }) {
                return
            }
            if monotonicMillis() >= next {
                emit(stats())
                next = monotonicMillis() + Int64(interval)
            }
        }
    }
}

func monotonicMillis() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
}
