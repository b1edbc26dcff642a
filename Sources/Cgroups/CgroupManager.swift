import CShim
import Glibc
import LinuxCore

/// The container's cgroup: one directory per hierarchy.
///
/// `linux.cgroupsPath` follows runc's cgroupfs rules: an absolute path is
/// taken from each hierarchy's root; a relative one (and the default, the
/// container id) from the runtime's own cgroup in that hierarchy.
public struct CgroupManager: Sendable {
    public var host: CgroupHost
    /// Hierarchy name ("unified", "memory", "name=systemd"...) to directory.
    public var paths: [String: String]

    public init(host: CgroupHost, paths: [String: String]) {
        self.host = host
        self.paths = paths
    }

    /// Works out the directories for a cgroupsPath (nil = default).
    public static func plan(host: CgroupHost, cgroupsPath: String?, id: String) throws(RuntimeError) -> CgroupManager {
        let requested = cgroupsPath.flatMap { $0.isEmpty ? nil : $0 } ?? id
        if requested.contains(":") && !requested.hasPrefix("/") {
            throw RuntimeError("linux.cgroupsPath \(requested.debugDescription) looks like a systemd slice:prefix:name; use --systemd-cgroup (not supported yet) or a path")
        }
        var paths = [String: String]()
        for hierarchy in host.hierarchies {
            let inner: String
            if requested.hasPrefix("/") {
                inner = Path.clean(requested)
            } else {
                inner = Path.clean((host.ownPaths[hierarchy.key] ?? "/") + "/" + requested)
            }
            if inner == "/" {
                throw RuntimeError("linux.cgroupsPath \(requested.debugDescription): refusing to use the root cgroup")
            }
            // The mount may show only part of the hierarchy (mountRoot).
            var relative = inner
            if hierarchy.mountRoot != "/" && (inner == hierarchy.mountRoot || inner.hasPrefix(hierarchy.mountRoot + "/")) {
                relative = String(inner.dropFirst(hierarchy.mountRoot.count))
            }
            paths[hierarchy.name] = Path.clean(hierarchy.mountPoint + "/" + relative)
        }
        return CgroupManager(host: host, paths: paths)
    }

    public var unifiedPath: String? { paths["unified"] }

    /// The directory of a v1 controller ("memory", "freezer"...) or of v2.
    public func path(for controller: String) -> String? {
        if host.mode == .unified { return paths["unified"] }
        guard let hierarchy = host.v1.first(where: { $0.controllers.contains(controller) }) else { return nil }
        return paths[hierarchy.name]
    }

    /// Creates the directories. Returns the ones it made, deepest last, so a
    /// failed create can remove exactly those.
    public func create() throws(RuntimeError) -> [String] {
        var made = [String]()
        do throws(RuntimeError) {
            for hierarchy in host.hierarchies {
                guard let leaf = paths[hierarchy.name] else { continue }
                var missing = [String]()
                var dir = leaf
                while dir != hierarchy.mountPoint && dir.count > hierarchy.mountPoint.count && !FileIO.isDirectory(dir) {
                    missing.append(dir)
                    dir = Path.dirname(dir)
                }
                for path in missing.reversed() {
                    if mkdir(path, 0o755) != 0 && currentErrno() != EEXIST {
                        throw RuntimeError.sys("create cgroup \(path)", currentErrno())
                    }
                    made.append(path)
                    if !hierarchy.isUnified && hierarchy.controllers.contains("cpuset") {
                        try inheritCpuset(path)
                    }
                    // cgroup v2: a parent we made passes its controllers down
                    // to its child; a parent that existed is left as it is.
                    if hierarchy.isUnified && path != leaf {
                        try enableControllers(path)
                    }
                }
            }
        } catch {
            Self.remove(made)
            throw error
        }
        return made
    }

    /// Enables every available controller for the children of a v2 cgroup.
    private func enableControllers(_ path: String) throws(RuntimeError) {
        let available = (try? FileIO.readString(path + "/cgroup.controllers"))?.split(whereSeparator: { $0 == " " || $0 == "\n" }) ?? []
        if available.isEmpty { return }
        let value = available.map { "+" + $0 }.joined(separator: " ")
        try step("enable controllers in \(path)") { try FileIO.writeValue(path + "/cgroup.subtree_control", value) }
    }

    /// A new v1 cpuset cgroup starts with no cpus or mems and cannot take
    /// tasks; copy the parent's.
    private func inheritCpuset(_ path: String) throws(RuntimeError) {
        let parent = Path.dirname(path)
        for file in ["cpuset.cpus", "cpuset.mems"] {
            let current = (try? FileIO.readString(path + "/" + file))?.trimmed ?? ""
            if !current.isEmpty { continue }
            let value = try FileIO.readString(parent + "/" + file).trimmed
            try FileIO.writeValue(path + "/" + file, value)
        }
    }

    /// runc refuses to put a new container into a cgroup that already has
    /// processes or is frozen.
    public func checkUnused() throws(RuntimeError) {
        if let pid = try pids().first {
            throw RuntimeError("cgroup \(paths.values.sorted().first ?? ""): already holds processes (pid \(pid)); refusing to share it")
        }
        if try isFrozen() {
            throw RuntimeError("cgroup is frozen; refusing to create a container in it")
        }
    }

    /// Moves a process into every hierarchy.
    public func add(pid: Int32) throws(RuntimeError) {
        for hierarchy in host.hierarchies {
            guard let dir = paths[hierarchy.name] else { continue }
            try step("join cgroup \(dir)") { try FileIO.writeValue(dir + "/cgroup.procs", String(pid)) }
        }
    }

    /// An fd of the v2 directory, for clone3(CLONE_INTO_CGROUP).
    public func openUnifiedDirectory() -> Int32? {
        guard host.mode == .unified, let dir = unifiedPath else { return nil }
        let fd = sl_open_mode(dir, SL_O_PATH | O_DIRECTORY | O_CLOEXEC, 0)
        return fd >= 0 ? fd : nil
    }

    /// Pids in the container's cgroup (and below it).
    public func pids() throws(RuntimeError) -> [Int32] {
        guard let dir = pidsDirectory() else { return [] }
        var out = [Int32]()
        try collectPids(dir, into: &out)
        return out
    }

    private func pidsDirectory() -> String? {
        if host.mode == .unified { return unifiedPath }
        for controller in ["pids", "freezer", "devices", "memory", "cpu"] {
            if let dir = path(for: controller), FileIO.isDirectory(dir) { return dir }
        }
        return paths.values.sorted().first { FileIO.isDirectory($0) }
    }

    private func collectPids(_ dir: String, into out: inout [Int32]) throws(RuntimeError) {
        guard let text = try FileIO.readIfExists(dir + "/cgroup.procs") else { return }
        for line in String(decoding: text, as: UTF8.self).split(separator: "\n") {
            if let pid = Int32(line) { out.append(pid) }
        }
        for name in (try? FileIO.listDirectory(dir)) ?? [] where FileIO.isDirectory(dir + "/" + name) {
            try collectPids(dir + "/" + name, into: &out)
        }
    }

    public func isFrozen() throws(RuntimeError) -> Bool {
        if host.mode == .unified {
            guard let dir = unifiedPath, let text = try FileIO.readIfExists(dir + "/cgroup.freeze") else { return false }
            return String(decoding: text, as: UTF8.self).trimmed == "1"
        }
        guard let dir = path(for: "freezer"), let text = try FileIO.readIfExists(dir + "/freezer.state") else { return false }
        let state = String(decoding: text, as: UTF8.self).trimmed
        return state == "FROZEN" || state == "FREEZING"
    }

    /// Removes the container's directories (the leaves; parents are shared).
    /// Each must be empty of processes by now.
    public func destroy() throws(RuntimeError) {
        var failures = [String]()
        for dir in paths.values.sorted() {
            if let problem = Self.removeLeaf(dir) { failures.append(problem) }
        }
        if let first = failures.first { throw RuntimeError(first) }
    }

    /// Removes a cgroup directory and its child cgroups, deepest first.
    /// rmdir comes first: the usual cgroup is a leaf with no task left.
    static func removeLeaf(_ dir: String) -> String? {
        var code: Int32 = 0
        for _ in 0..<3 {
            if rmdir(dir) == 0 { return nil }
            code = currentErrno()
            if code == ENOENT { return nil }
            guard code == EBUSY || code == ENOTEMPTY else { break }
            // Busy: child cgroups (the container may have made some), or
            // tasks still on their way out.
            for child in (try? FileIO.listDirectory(dir, directoriesOnly: true)) ?? [] {
                if let problem = removeLeaf(dir + "/" + child) { return problem }
            }
            waitForTasks(in: dir)
        }
        return "remove cgroup \(dir): \(errnoText(code))"
    }

    /// Waits (through pidfds, up to a second each) for the tasks still in a
    /// cgroup to exit.
    static func waitForTasks(in dir: String) {
        let text = (try? FileIO.readString(dir + "/cgroup.procs")) ?? ""
        for line in text.split(separator: "\n") {
            guard let pid = Int32(line) else { continue }
            let pidfd = sl_pidfd_open(pid, 0)
            if pidfd < 0 { continue }
            var entry = pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)
            _ = poll(&entry, 1, 1000)
            close(pidfd)
        }
    }

    /// Removes directories made by `create`, deepest first.
    public static func remove(_ made: [String]) {
        for dir in made.sorted(by: { $0.count > $1.count }) { _ = removeLeaf(dir) }
    }
}

extension CgroupManager {
    /// A manager for directories recorded at create, without probing the
    /// host again (status checks stay cheap).
    public init(recordedPaths: [String: String]) {
        let onlyUnified = recordedPaths.keys.allSatisfy { $0 == "unified" } && !recordedPaths.isEmpty
        let hierarchies = recordedPaths.keys.sorted().map { key -> CgroupHierarchy in
            let dir = recordedPaths[key] ?? ""
            if key == "unified" {
                return CgroupHierarchy(key: "", mountPoint: "", mountRoot: "/", controllers: [])
            }
            _ = dir
            return CgroupHierarchy(key: key, mountPoint: "", mountRoot: "/", controllers: key.split(separator: ",").map(String.init))
        }
        self.init(host: CgroupHost(mode: onlyUnified ? .unified : .hybrid, hierarchies: hierarchies, ownPaths: [:]), paths: recordedPaths)
    }
}

/// Freezing and thawing a container's processes.
public enum CgroupFreezer {
    public static func freeze(_ cgroups: CgroupManager) throws(RuntimeError) {
        try set(cgroups, frozen: true)
    }

    public static func thaw(_ cgroups: CgroupManager) throws(RuntimeError) {
        try set(cgroups, frozen: false)
    }

    static func set(_ cgroups: CgroupManager, frozen: Bool) throws(RuntimeError) {
        if let dir = cgroups.path(for: "freezer"), cgroups.host.mode != .unified {
            let wanted = frozen ? "FROZEN" : "THAWED"
            try FileIO.writeValue(dir + "/freezer.state", wanted)
            // v1 passes through FREEZING; each read moves it on.
            for _ in 0..<1000 {
                if (try? FileIO.readString(dir + "/freezer.state"))?.trimmed == wanted { return }
                usleep(1000)
            }
            throw RuntimeError("\(dir)/freezer.state did not reach \(wanted)")
        } else if let dir = cgroups.unifiedPath {
            try FileIO.writeValue(dir + "/cgroup.freeze", frozen ? "1" : "0")
            try waitForFrozen(dir, frozen)
        } else {
            throw RuntimeError("the container has no freezer cgroup")
        }
    }

    /// cgroup.events says "frozen 1" once every task stopped; inotify wakes
    /// us when it changes.
    static func waitForFrozen(_ dir: String, _ frozen: Bool) throws(RuntimeError) {
        let wanted = "frozen \(frozen ? 1 : 0)"
        let watch = sl_inotify_watch(dir + "/cgroup.events", 0x2 /* IN_MODIFY */)
        defer { if watch >= 0 { close(watch) } }
        for _ in 0..<100 {
            let events = (try? FileIO.readString(dir + "/cgroup.events")) ?? ""
            if events.split(separator: "\n").contains(Substring(wanted)) { return }
            var entry = pollfd(fd: watch, events: Int16(POLLIN), revents: 0)
            if watch >= 0 && poll(&entry, 1, 100) > 0 {
                var buffer = [UInt8](repeating: 0, count: 4096)
                _ = read(watch, &buffer, buffer.count)
            }
        }
        throw RuntimeError("\(dir): the cgroup did not become \(frozen ? "frozen" : "thawed")")
    }

    /// SIGKILL to every process at once where the kernel can (cgroup.kill).
    public static func killAll(_ cgroups: CgroupManager) -> Bool {
        guard cgroups.host.mode == .unified, let dir = cgroups.unifiedPath, FileIO.exists(dir + "/cgroup.kill") else { return false }
        return (try? FileIO.writeValue(dir + "/cgroup.kill", "1")) != nil
    }
}
