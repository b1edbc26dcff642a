import CShim
import Glibc
import LinuxCore
import OCISpec
import Sandbox
import Security

/// The container's init before it becomes the user program. It runs in the
/// child the runtime cloned, in the new namespaces, as a copy of the
/// runtime's memory: the plan is already parsed and checked.
///
/// Order (runc's, which clients rely on): namespaces; mounts; prestart and
/// createRuntime hooks (run by the runtime); createContainer hooks; pivot_root;
/// console; masked/readonly paths; hostname; rlimits; no_new_privs; close
/// fds; capabilities and user; cwd; executable lookup; gate; startContainer
/// hooks; exec.
struct ContainerInit {
    let plan: InitPlan
    let sync: ChildChannel
    let gate: Int32

    init(plan: InitPlan, sync: SyncChannel, gate: Int32) {
        self.plan = plan
        self.sync = ChildChannel(sync)
        self.gate = gate
    }

    func run() -> Never {
        let ready: ProcessLaunch.Ready?
        do throws(RuntimeError) {
            ready = try setUp()
            // No user code before init is in its cgroups.
            try sync.waitForCgroups()
        } catch {
            try? sync.send(.error(error.description))
            _exit(1)
        }
        try? sync.send(.ready)
        sync.close()
        waitAndExec(ready)
    }

    /// After set-up: wait at the gate, run the startContainer hooks, exec.
    /// Errors from here on go back to `start` over the gate's connection.
    private func waitAndExec(_ ready: ProcessLaunch.Ready?) -> Never {
        let connection: Int32
        do {
            connection = try Gate.wait(listening: gate)
        } catch {
            _exit(1)
        }
        close(gate)
        guard let ready else {
            Gate.report(connection, error: "config.json has no process to start")
            _exit(1)
        }
        do {
            // runtime.md: hooks in the container namespace get the pid as
            // the container sees it.
            let state = Container.ociState(id: plan.id, status: "created", pid: getpid(), bundle: plan.bundle,
                                           annotations: plan.spec.annotations, ociVersion: plan.spec.ociVersion)
            try HookRunner.run(plan.spec.hooks?.startContainer, phase: "startContainer", state: state)
            try ready.lastSteps()
        } catch {
            Gate.report(connection, error: error.description)
            _exit(1)
        }
        Gate.announceExec(connection)
        let failure = ready.exec()
        Gate.report(connection, error: failure.description)
        _exit(127)
    }

    private func setUp() throws(RuntimeError) -> ProcessLaunch.Ready? {
        try ProcessSetup.setDumpable(false)
        guard let message = try sync.receive(), case .proceed = message else {
            throw RuntimeError("container init: the runtime went away")
        }
        try joinNamespaces()
        plan.namespaces.closeAll()
        _ = setsid()
        if !plan.noNewKeyring {
            // Each container gets its own session keyring, named after it,
            // so keys never leak between containers.
            if sl_join_session_keyring(plan.id) < 0 && currentErrno() != ENOSYS {
                throw RuntimeError.sys("join a new session keyring", currentErrno())
            }
        }
        Glibc.umask(0)
        let user = plan.process?.user
        var terminal: ContainerTerminal? = nil
        if let rootfsPlan = plan.rootfs {
            try Rootfs(plan: rootfsPlan).setUp(
                beforePivot: { () throws(RuntimeError) in try runCreateHooks() },
                afterPivot: { () throws(RuntimeError) in
                    try Sysctl.apply(plan.sysctl)
                    if plan.terminal {
                        terminal = try ContainerTerminal.open(consoleSize: plan.process?.consoleSize,
                                                              owner: user?.uid ?? 0, group: user?.gid ?? 0, bindConsole: true)
                    }
                })
        }
        if let terminal {
            try sync.send(.fd("console", terminal.master))
            close(terminal.master)
            try terminal.attachAsStdio()
        }
        if let hostname = plan.spec.hostname, !hostname.isEmpty { try ProcessSetup.setHostname(hostname) }
        if let domainname = plan.spec.domainname, !domainname.isEmpty { try ProcessSetup.setDomainname(domainname) }

        // No process: init stays at the gate; start will refuse.
        guard let process = plan.process else { return nil }
        let launch = ProcessLaunch(process: process, env: plan.env, capabilities: plan.capabilities, details: plan.details,
                                   seccomp: plan.seccomp, extraFDs: plan.extraFDs, callerUmask: plan.callerUmask)
        return try launch.prepare(inCgroups: { () throws(RuntimeError) in try sync.waitForCgroups() },
                                  sendListener: { fd throws(RuntimeError) in try sync.send(.fd("seccomp", fd)) })
    }

    /// Joins the namespaces given by path (the non-user ones first, while we
    /// still have the host's privileges), then the user namespace. New
    /// namespaces came with the clone, unless a joined user namespace must
    /// own them: then they are made here, and a new pid namespace takes one
    /// more fork.
    private func joinNamespaces() throws(RuntimeError) {
        let ns = plan.namespaces
        try ns.setns([.ipc, .uts, .network, .cgroup, .mount])
        guard plan.userJoined else {
            if plan.userNew { try ProcessLaunch.becomeNamespaceRoot() }
            if ns.isNew(.cgroup) {
                // The namespace's root is the cgroup current at unshare.
                try sync.waitForCgroups()
                try sys("unshare cgroup namespace") { sl_unshare(Int32(SL_CLONE_NEWCGROUP)) }
            }
            return
        }
        try ns.setns([.user])
        try ProcessLaunch.becomeNamespaceRoot()
        let deferred = ns.cloneFlags(excluding: [.pid, .time, .user])
        if ns.isNew(.cgroup) { try sync.waitForCgroups() }
        if deferred != 0 {
            try sys("unshare namespaces in the joined user namespace") { sl_unshare(deferred) }
        }
        var forkFlags: Int32 = 0
        if ns.isNew(.time) {
            try sys("unshare time namespace") { sl_unshare(Int32(SL_CLONE_NEWTIME)) }
            if let offsets = plan.timeOffsets {
                try step("set time offsets") { try FileIO.writeValue("/proc/self/timens_offsets", offsets) }
            }
            forkFlags = 1
        }
        if ns.isNew(.pid) {
            try sys("unshare pid namespace") { sl_unshare(Int32(SL_CLONE_NEWPID)) }
            forkFlags = 1
        }
        if forkFlags != 0 {
            // The child inherits our cgroups at fork: be in them first.
            try sync.waitForCgroups()
            let child = sl_clone(UInt64(SL_CLONE_PARENT), -1)
            if child < 0 { throw RuntimeError.sys("fork into the new pid namespace", currentErrno()) }
            if child > 0 {
                try? sync.send(.initPid(child))
                _exit(0)
            }
        }
    }

    /// Runs the hooks of the moment between mounts and pivot_root: prestart
    /// and createRuntime by the runtime, then createContainer here.
    private func runCreateHooks() throws(RuntimeError) {
        let hooks = plan.spec.hooks
        // The runtime runs prestart and createRuntime, and learns that the
        // hook phase began: if a hook fails, poststop hooks are owed.
        if !(hooks?.prestart ?? []).isEmpty || !(hooks?.createRuntime ?? []).isEmpty || !(hooks?.createContainer ?? []).isEmpty {
            try sync.send(.runHooks)
            try sync.expect(.hooksDone, while: "prestart hooks")
        }
        if !(hooks?.createContainer ?? []).isEmpty {
            let state = Container.ociState(id: plan.id, status: "creating", pid: getpid(), bundle: plan.bundle,
                                           annotations: plan.spec.annotations, ociVersion: plan.spec.ociVersion)
            try HookRunner.run(hooks?.createContainer, phase: "createContainer", state: state)
        }
    }
}
