import Cgroups
import CShim
import Glibc
import LinuxCore
import OCISpec
import Sandbox
import Security
import StateStore

/// What `create` leaves for its caller: init's pid and, for a foreground
/// run with a terminal, the pty master to proxy.
public struct CreatedContainer {
    public var id: String
    public var pid: Int32
    public var consoleMaster: Int32?
}

/// The runtime side of `create`: validates, makes the state directory and
/// the cgroup, clones init into its namespaces, answers its requests, and
/// records the container once init waits at the gate.
public struct Creator {
    let options: CreateOptions
    let runtime: RuntimeOptions

    public init(options: CreateOptions, runtime: RuntimeOptions) {
        self.options = options
        self.runtime = runtime
    }

    public func create() throws(RuntimeError) -> CreatedContainer {
        try ContainerStore.validate(id: options.id)
        if runtime.systemdCgroup {
            throw RuntimeError("--systemd-cgroup: the systemd cgroup driver is not supported yet; use cgroupfs paths")
        }
        let bundle = Path.absolute(options.bundle, cwd: currentDirectory())
        let configBytes: [UInt8]
        let spec: Spec
        do {
            configBytes = try OCIJSON.readFile(atPath: bundle + "/config.json", name: "config.json")
            spec = try Spec.decode(configBytes)
            try spec.validate()
        } catch {
            throw RuntimeError("\(error)")
        }
        let host = try CgroupHost.detect()
        let cgroups = try CgroupManager.plan(host: host, cgroupsPath: spec.linux?.cgroupsPath, id: options.id)
        let newCgroupNamespace = (spec.linux?.namespaces ?? []).contains { $0.type == "cgroup" && ($0.path ?? "").isEmpty }
        let plan = try InitPlan.make(spec: spec, options: options, bundle: bundle,
                                     cgroupMount: CgroupMounts.source(for: cgroups, namespaced: newCgroupNamespace),
                                     seccompCache: SeccompCache(root: runtime.root))
        let resources = try ResourcePlan.make(spec.linux?.resources, host: host, create: true)

        let store = ContainerStore(root: runtime.root)
        let lock = try store.create(id: options.id)
        var cleanup = CreateCleanup(store: store, id: options.id, detached: options.detach)
        do {
            cleanup.cgroupDirs = try cgroups.create()
            try cgroups.checkUnused()
            try cgroups.apply(resources)
            let result = try launch(plan: plan, cgroups: cgroups, lock: lock, cleanup: &cleanup)
            try record(result: result, plan: plan, cgroups: cgroups, configBytes: configBytes, store: store)
            lock.release()
            return result
        } catch {
            cleanup.run()
            lock.release()
            throw error
        }
    }

    /// Clones init and drives its set-up until it waits at the gate.
    private func launch(plan: InitPlan, cgroups: CgroupManager, lock: ContainerLock, cleanup: inout CreateCleanup) throws(RuntimeError) -> CreatedContainer {
        let channel = try SyncChannel.pair()
        defer { channel.parent.close() }
        let gate = try Gate.listen(directoryFD: lock.fd, name: "start.sock")
        let cgroupFD = cgroups.openUnifiedDirectory()
        let spawned: (pid: Int32, intoCgroup: Bool)
        do {
            spawned = try spawn(plan: plan, cgroupFD: cgroupFD, channel: channel, gate: gate, lockFD: lock.fd)
        } catch {
            close(gate)
            if let cgroupFD { close(cgroupFD) }
            channel.child.close()
            throw error
        }
        close(gate)
        if let cgroupFD { close(cgroupFD) }
        channel.child.close()
        plan.namespaces.closeAll()
        for fd in plan.rootfs?.idmaps.values ?? [:].values { close(fd) }
        cleanup.pids.append(spawned.pid)

        if plan.userNew {
            try IDMappings.write(pid: spawned.pid, uid: plan.uidMappings, gid: plan.gidMappings, denySetgroups: false)
        }
        if let score = plan.process?.oomScoreAdj {
            try step("set oom_score_adj") { try FileIO.writeValue("/proc/\(spawned.pid)/oom_score_adj", String(score)) }
        }
        if !plan.netDevices.isEmpty {
            let netns = try sys("open the container's network namespace") { sl_open_mode("/proc/\(spawned.pid)/ns/net", O_RDONLY | O_CLOEXEC, 0) }
            defer { close(netns) }
            try NetDevices.move(plan.netDevices, into: netns)
        }
        let parent = channel.parent
        try parent.preferChildError { () throws(RuntimeError) in
            try parent.send(.proceed(hostPid: spawned.pid))
            // init sets up its mounts while it is placed in its cgroups: on
            // cgroup v1 the first migration waits for an RCU grace period.
            if !spawned.intoCgroup {
                try cgroups.add(pid: spawned.pid)
            }
            try parent.send(.cgroupsJoined)
        }

        var initPid = spawned.pid
        var consoleMaster: Int32? = nil
        while true {
            guard let message = try parent.receive() else {
                throw RuntimeError("container init exited during set-up")
            }
            switch message {
            case .runHooks:
                cleanup.poststop = (plan.spec.hooks?.poststop, Container.ociState(id: plan.id, status: "stopped", pid: 0, bundle: plan.bundle,
                                                                             annotations: plan.spec.annotations, ociVersion: plan.spec.ociVersion))
                let state = Container.ociState(id: plan.id, status: "creating", pid: initPid, bundle: plan.bundle,
                                               annotations: plan.spec.annotations, ociVersion: plan.spec.ociVersion)
                try HookRunner.run(plan.spec.hooks?.prestart, phase: "prestart", state: state)
                try HookRunner.run(plan.spec.hooks?.createRuntime, phase: "createRuntime", state: state)
                try parent.preferChildError { () throws(RuntimeError) in try parent.send(.hooksDone) }
            case .initPid(let pid):
                // init forked once more to enter its pid namespace.
                if !options.detach { ChildWatch.reap(initPid) }
                initPid = pid
                cleanup.pids.append(pid)
            case .fd("seccomp", let fd):
                defer { close(fd) }
                try SeccompAgent.send(listener: fd, program: plan.seccomp, pid: initPid, plan: plan)
            case .fd(let name, let fd):
                guard name == "console" else { close(fd); continue }
                if let socket = plan.consoleSocket {
                    defer { close(fd) }
                    try ConsoleSocket.send(master: fd, to: socket)
                } else {
                    consoleMaster = fd
                }
            case .ready:
                return CreatedContainer(id: plan.id, pid: initPid, consoleMaster: consoleMaster)
            case .error(let text):
                throw RuntimeError(text)
            case .proceed, .hooksDone, .cgroupsJoined:
                throw RuntimeError("container init sent an unexpected message")
            }
        }
    }

    /// Clones init with its new namespaces. Joining a pid or time namespace
    /// only affects children, so the runtime joins those itself around the
    /// clone and returns to its own right after.
    private func spawn(plan: InitPlan, cgroupFD: Int32?, channel: (parent: SyncChannel, child: SyncChannel), gate: Int32, lockFD: Int32) throws(RuntimeError) -> (pid: Int32, intoCgroup: Bool) {
        var restore = [(Int32, NamespaceKind)]()
        defer {
            for (fd, kind) in restore {
                _ = sl_setns(fd, kind.cloneFlag)
                close(fd)
            }
        }
        func enter(_ kind: NamespaceKind, _ body: () throws(RuntimeError) -> Void) throws(RuntimeError) {
            let own = try sys("open own \(kind.rawValue) namespace") { sl_open_mode("/proc/self/ns/\(kind.procChildName)", O_RDONLY | O_CLOEXEC, 0) }
            restore.append((own, kind))
            try body()
        }
        if let join = plan.namespaces.join(.pid) {
            try enter(.pid) { () throws(RuntimeError) in try plan.namespaces.setns([.pid]) }
            _ = join
        }
        if plan.namespaces.join(.time) != nil {
            try enter(.time) { () throws(RuntimeError) in try plan.namespaces.setns([.time]) }
        } else if plan.namespaces.isNew(.time) && !plan.userJoined {
            try enter(.time) { () throws(RuntimeError) in
                try sys("unshare time namespace") { sl_unshare(Int32(SL_CLONE_NEWTIME)) }
                if let offsets = plan.timeOffsets {
                    try step("set time offsets") { try FileIO.writeValue("/proc/self/timens_offsets", offsets) }
                }
            }
        }
        // The cgroup namespace is made by init once it is in its cgroup (its
        // root is the cgroup current at unshare), the time namespace here.
        var flags = plan.userJoined ? 0 : UInt64(UInt32(bitPattern: plan.namespaces.cloneFlags(excluding: [.time, .cgroup])))
        if options.detach { flags |= UInt64(SL_CLONE_PARENT) }

        var intoCgroup = cgroupFD != nil
        var pid = sl_clone(flags, cgroupFD ?? -1)
        if pid < 0 && cgroupFD != nil {
            // Older kernels, or a cgroup that refuses CLONE_INTO_CGROUP:
            // join through cgroup.procs instead.
            intoCgroup = false
            pid = sl_clone(flags, -1)
        }
        if pid < 0 {
            throw RuntimeError.sys("clone container init", currentErrno())
        }
        if pid == 0 {
            // The lock lives on an open file description we share: drop it.
            close(lockFD)
            if let cgroupFD { close(cgroupFD) }
            channel.parent.close()
            ContainerInit(plan: plan, sync: channel.child, gate: gate).run()
        }
        return (pid, intoCgroup)
    }

    /// Persists the container once init is ready: config copy, state, pid file.
    private func record(result: CreatedContainer, plan: InitPlan, cgroups: CgroupManager, configBytes: [UInt8], store: ContainerStore) throws(RuntimeError) {
        guard let stat = ProcessStat.read(pid: result.pid) else {
            throw RuntimeError("container init (pid \(result.pid)) exited during set-up")
        }
        var namespaces = [String: String]()
        for kind in plan.namespaces.new { namespaces[kind.rawValue] = "" }
        for join in plan.namespaces.joins { namespaces[join.kind.rawValue] = join.path }
        let record = ContainerRecord(
            id: plan.id, pid: result.pid, pidStartTime: stat.startTime, bundle: plan.bundle,
            rootfs: plan.rootfs?.rootfs ?? "", created: Timestamp.nowNano(), ociVersion: plan.spec.ociVersion,
            owner: UserNames.name(of: geteuid()), annotations: plan.spec.annotations, cgroupPaths: cgroups.paths,
            namespaces: namespaces, hasPidNamespace: plan.namespaces.has(.pid))
        try FileIO.writeAtomic(store.configPath(plan.id), configBytes)
        try store.save(record)
        if let pidFile = options.pidFile {
            try PidFile.write(pidFile, pid: result.pid)
        }
    }
}

/// Undoes a failed create: no process, cgroup or state folder stays behind.
/// It ends only the processes this create started (init never reached its
/// program, so it has no children), and removes only the cgroup
/// directories it made: a cgroup may hold someone else's processes.
struct CreateCleanup {
    let store: ContainerStore
    let id: String
    let detached: Bool
    var pids: [Int32] = []
    var cgroupDirs: [String] = []
    /// Set once the hook phase began: runtime.md has a failed prestart,
    /// createRuntime or createContainer hook continue at destroy and the
    /// poststop hooks.
    var poststop: (hooks: [Hook]?, state: String)? = nil

    func run() {
        for pid in pids.reversed() {
            ProcessControl.killAndWait(pid: pid, reap: !detached)
        }
        CgroupManager.remove(cgroupDirs)
        if let poststop { HookRunner.runAll(poststop.hooks, phase: "poststop", state: poststop.state) }
        _ = try? store.remove(id: id)
    }
}

enum PidFile {
    /// Decimal, no newline, written atomically: clients read it with Atoi.
    static func write(_ path: String, pid: Int32) throws(RuntimeError) {
        let absolute = Path.absolute(path, cwd: currentDirectory())
        try step("write pid file \(absolute)") { try FileIO.writeAtomic(absolute, Array(String(pid).utf8), mode: 0o644) }
    }
}

func currentDirectory() -> String {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    guard getcwd(&buffer, buffer.count) != nil else { return "/" }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
