import Cgroups
import CShim
import Glibc
import LinuxCore
import OCISpec
import Sandbox
import Security
import StateStore

/// `exec` options beyond the process itself.
public struct ExecOptions: Sendable {
    public var id: String
    public var process: Process
    public var detach = false
    public var pidFile: String?
    public var consoleSocket: String?
    public var preserveFDs = 0
    public var ignorePaused = false

    public init(id: String, process: Process) {
        self.id = id
        self.process = process
    }
}

/// Starts a new process in a created or running container: it joins every
/// namespace and the cgroup of the container's init and gets the process
/// spec's user, env, cwd, rlimits, capabilities, no_new_privs, LSM label
/// and the container's seccomp profile.
public struct Executor {
    let options: ExecOptions
    let runtime: RuntimeOptions

    public init(options: ExecOptions, runtime: RuntimeOptions) {
        self.options = options
        self.runtime = runtime
    }

    /// The process's exit status (128 + n for a signal) in the foreground;
    /// 0 once it runs with `detach`.
    public func run() throws(RuntimeError) -> Int32 {
        let store = ContainerStore(root: runtime.root)
        let container = try Container.load(store, id: options.id)
        switch container.status {
        case .created, .running: break
        case .paused where options.ignorePaused: break
        case .paused: throw RuntimeError("cannot exec in a paused container (resume it, or pass --ignore-paused)")
        default: throw RuntimeError("cannot exec in a container that is \(container.status.rawValue)")
        }
        var plan = try makePlan(container)
        plan.joinFrozenCgroupLast = container.status == .paused
        if !options.detach { _ = sl_block_signals_for_forwarding() }
        let started = try launch(plan, container: container)
        if let pidFile = options.pidFile { try PidFile.write(pidFile, pid: started.pid) }
        if options.detach { return 0 }
        return ChildWatch.exitCode(Supervisor(pid: started.pid, console: started.console).wait())
    }

    struct Plan {
        var launch: ProcessLaunch
        var namespaces: [NamespaceJoin]
        var terminal: Bool
        var initialCPUs: [Int32]?
        var finalCPUs: [Int32]?
        /// The container is paused: the process sets up outside its cgroup
        /// and joins it (and freezes) just before exec.
        var joinFrozenCgroupLast = false
    }

    private func makePlan(_ container: Container) throws(RuntimeError) -> Plan {
        let process = options.process
        do {
            try process.validate(document: "process")
        } catch {
            throw RuntimeError("\(error)")
        }
        let terminal = process.terminal ?? false
        if terminal && options.detach && options.consoleSocket == nil {
            throw RuntimeError("a terminal was asked for but no --console-socket was given: cannot allocate it for a detached process")
        }
        if !terminal && options.consoleSocket != nil {
            throw RuntimeError("--console-socket was given but the process has no terminal (--tty)")
        }
        let config = try container.config()
        let capabilities = try CapabilitySets(process.capabilities) { log.warn($0) }
        let details = try ProcessDetails(process: process, personality: nil)
        try LSM.check(apparmorProfile: process.apparmorProfile, selinuxLabel: process.selinuxLabel, mountLabel: nil)
        // The container's seccomp profile confines every process in it.
        let seccomp = try config.linux?.seccomp.map { profile throws(RuntimeError) in
            try SeccompCache(root: runtime.root).program(for: profile)
        }
        var env = process.env ?? []
        var extra = Int32(options.preserveFDs)
        if let listen = InitPlan.listenFDs() {
            env.append("LISTEN_FDS=\(listen)")
            extra += listen
        }
        var joins = [NamespaceJoin]()
        do {
            // Every namespace the container has, as its init has it now.
            for kind in NamespaceKind.allCases where container.record.namespaces[kind.rawValue] != nil {
                joins.append(try NamespacePlan.open(kind: kind, path: "/proc/\(container.record.pid)/ns/\(kind.procName)"))
            }
        } catch {
            for join in joins { close(join.fd) }
            throw error.context("join the namespaces of container \(options.id)")
        }
        let affinity = process.execCPUAffinity
        return Plan(launch: ProcessLaunch(process: process, env: env, capabilities: capabilities, details: details, seccomp: seccomp,
                                          extraFDs: extra, callerUmask: InitPlan.currentUmask()),
                    namespaces: joins, terminal: terminal,
                    initialCPUs: try affinity?.initial.map { text throws(RuntimeError) in try ProcessDetails.parseList(text, field: "process.execCPUAffinity.initial") },
                    finalCPUs: try affinity?.final.flatMap { $0.isEmpty ? nil : $0 }.map { text throws(RuntimeError) in
                        try ProcessDetails.parseList(text, field: "process.execCPUAffinity.final") })
    }

    /// Clones the process into the container and drives it until it has
    /// exec'd the program.
    private func launch(_ plan: Plan, container: Container) throws(RuntimeError) -> (pid: Int32, console: Int32?) {
        defer { for join in plan.namespaces { close(join.fd) } }
        // config.md: "initial" is the runtime parent's affinity before the
        // process moves to the container's cgroup.
        if let cpus = plan.initialCPUs {
            try sys("sched_setaffinity (process.execCPUAffinity.initial)") { cpus.withUnsafeBufferPointer { sl_sched_setaffinity_list(0, $0.baseAddress, Int32($0.count)) } }
        }
        // pid and time namespaces only affect children: join them here.
        for join in plan.namespaces where join.kind == .pid || join.kind == .time {
            try sys("setns(\(join.path))") { sl_setns(join.fd, join.kind.cloneFlag) }
        }
        let cgroups = CgroupManager(host: try CgroupHost.detect(), paths: container.record.cgroupPaths)
        let cgroupFD = plan.joinFrozenCgroupLast ? nil : cgroups.openUnifiedDirectory()
        defer { if let cgroupFD { close(cgroupFD) } }
        let channel = try SyncChannel.pair()
        defer { channel.parent.close() }
        let flags = options.detach ? UInt64(SL_CLONE_PARENT) : 0
        var intoCgroup = cgroupFD != nil
        var pid = sl_clone(flags, cgroupFD ?? -1)
        if pid < 0 && cgroupFD != nil {
            intoCgroup = false
            pid = sl_clone(flags, -1)
        }
        if pid < 0 { throw RuntimeError.sys("clone the exec process", currentErrno()) }
        if pid == 0 {
            channel.parent.close()
            if let cgroupFD { close(cgroupFD) }
            ExecProcess(plan: plan, sync: channel.child).run()
        }
        channel.child.close()
        var console: Int32? = nil
        do throws(RuntimeError) {
            try channel.parent.preferChildError { () throws(RuntimeError) in
                try channel.parent.send(.proceed(hostPid: pid))
                // The process enters the namespaces while it is placed (on
                // cgroup v1 the first migration waits for an RCU grace period).
                if !intoCgroup && !plan.joinFrozenCgroupLast { try cgroups.add(pid: pid) }
                if !plan.joinFrozenCgroupLast { try channel.parent.send(.cgroupsJoined) }
            }
            var announced = false
            while let message = try channel.parent.receive() {
                switch message {
                case .fd("console", let fd):
                    if let socket = options.consoleSocket {
                        defer { close(fd) }
                        try ConsoleSocket.send(master: fd, to: socket)
                    } else {
                        console = fd
                    }
                case .fd("seccomp", let fd):
                    defer { close(fd) }
                    try SeccompAgent.send(listener: fd, program: plan.launch.seccomp, pid: pid, id: options.id,
                                          status: container.status.rawValue, record: container.record)
                case .ready where plan.joinFrozenCgroupLast:
                    // Into the frozen cgroup, then let it go: it execs once
                    // the container is resumed.
                    try cgroups.add(pid: pid)
                    try channel.parent.send(.proceed(hostPid: pid))
                    return (pid, console)
                case .ready:
                    announced = true
                case .error(let text):
                    throw RuntimeError(text)
                default:
                    throw RuntimeError("exec process sent an unexpected message")
                }
            }
            // EOF: the close-on-exec channel closed at execve.
            guard announced else { throw RuntimeError("the exec process exited before running its program") }
        } catch {
            ProcessControl.killAndWait(pid: pid, reap: !options.detach)
            if let console { close(console) }
            throw error
        }
        return (pid, console)
    }
}

/// The exec'd process before it becomes the program.
struct ExecProcess {
    let plan: Executor.Plan
    let sync: ChildChannel

    init(plan: Executor.Plan, sync: SyncChannel) {
        self.plan = plan
        self.sync = ChildChannel(sync)
    }

    func run() -> Never {
        let ready: ProcessLaunch.Ready
        do throws(RuntimeError) {
            ready = try setUp()  // in the cgroups by now, unless joining them last
            try sync.send(.ready)
            if plan.joinFrozenCgroupLast {
                guard let message = try sync.receive(), case .proceed = message else {
                    throw RuntimeError("exec: the runtime went away")
                }
            }
            try ready.lastSteps()
        } catch {
            try? sync.send(.error(error.description))
            _exit(1)
        }
        let failure = ready.exec()
        try? sync.send(.error(failure.description))
        _exit(127)
    }

    private func setUp() throws(RuntimeError) -> ProcessLaunch.Ready {
        // Not dumpable while in the container and still the runtime's code
        // (CVE-2019-5736); execve resets it for the program.
        try ProcessSetup.setDumpable(false)
        guard let message = try sync.receive(), case .proceed = message else {
            throw RuntimeError("exec: the runtime went away")
        }
        // The namespaces owned by the host first (we have the privileges
        // for those), then the user namespace.
        for join in plan.namespaces where join.kind != .user && join.kind != .pid && join.kind != .time {
            try sys("setns(\(join.path))") { sl_setns(join.fd, join.kind.cloneFlag) }
        }
        if let user = plan.namespaces.first(where: { $0.kind == .user }) {
            try sys("setns(\(user.path))") { sl_setns(user.fd, user.kind.cloneFlag) }
            try ProcessLaunch.becomeNamespaceRoot()
        }
        for join in plan.namespaces { close(join.fd) }
        if let cpus = plan.finalCPUs {
            try sys("sched_setaffinity (process.execCPUAffinity.final)") { cpus.withUnsafeBufferPointer { sl_sched_setaffinity_list(0, $0.baseAddress, Int32($0.count)) } }
        }
        _ = setsid()
        if plan.terminal {
            let user = plan.launch.process.user
            let terminal = try ContainerTerminal.open(consoleSize: plan.launch.process.consoleSize, owner: user?.uid ?? 0,
                                                      group: user?.gid ?? 0, bindConsole: false)
            try sync.send(.fd("console", terminal.master))
            close(terminal.master)
            try terminal.attachAsStdio()
        }
        // Joining a frozen cgroup comes last of all (--ignore-paused).
        let joinNow = !plan.joinFrozenCgroupLast
        return try plan.launch.prepare(inCgroups: { () throws(RuntimeError) in if joinNow { try sync.waitForCgroups() } },
                                       sendListener: { fd throws(RuntimeError) in try sync.send(.fd("seccomp", fd)) })
    }
}
