import Cgroups
import CShim
import Glibc
import LinuxCore
import OCISpec
import StateStore

/// The verbs that act on an existing container.
public struct Lifecycle {
    public let store: ContainerStore

    public init(runtime: RuntimeOptions) {
        store = ContainerStore(root: runtime.root)
    }

    /// Opens the gate of a created container and returns once its process
    /// runs; then the poststart hooks.
    public func start(id: String) throws(RuntimeError) {
        let lock = try store.lock(id: id)
        defer { lock.release() }
        let container = try Container.load(store, id: id)
        let status = container.status
        guard status == .created else {
            throw RuntimeError("cannot start a container that is \(status.rawValue) (only created containers start)")
        }
        let config = try container.outline()
        guard config.hasProcess else {
            throw RuntimeError("cannot start container \(id): config.json has no process")
        }
        guard let connection = try Gate.connect(directoryFD: lock.fd, name: "start.sock") else {
            throw RuntimeError("container \(id) is not waiting to start")
        }
        defer { close(connection) }
        do {
            try Gate.release(connection: connection)
            unlink(store.gatePath(id))
            try HookRunner.run(config.hooks?.poststart, phase: "poststart", state: container.ociState(status: .running))
        } catch {
            // runtime.md, lifecycle steps 7-9: a failed startContainer hook,
            // exec or poststart hook is an error; the container is stopped
            // and destroyed (step 12), and the poststop hooks run (step 13).
            unlink(store.gatePath(id))
            try? killEverything(container)
            try? destroy(container, config: config)
            throw error
        }
    }

    /// Sends a signal to init, or with `all` to every process of the container.
    public func kill(id: String, signal number: Int32, all: Bool) throws(RuntimeError) {
        let container = try Container.load(store, id: id)
        let status = container.status
        // --all also reaches what outlived a stopped init (containerd's
        // clean-up of a container without its own pid namespace), as runc.
        if status == .creating || (status == .stopped && !all) {
            throw RuntimeError("container not running")
        }
        try signal(container, number, all: all)
    }

    private func signal(_ container: Container, _ number: Int32, all: Bool) throws(RuntimeError) {
        if all {
            try signalAll(container, number)
            return
        }
        guard let pidfd = ProcessControl.open(pid: container.record.pid, startTime: container.record.pidStartTime) else {
            throw RuntimeError("container not running")
        }
        defer { close(pidfd) }
        if sl_pidfd_send_signal(pidfd, number, 0) != 0 {
            if currentErrno() == ESRCH { throw RuntimeError("container not running") }
            throw RuntimeError.sys("kill \(Signals.name(number)) to pid \(container.record.pid)", currentErrno())
        }
    }

    /// Every process in the container's cgroup. Without cgroup.kill the
    /// cgroup is frozen first, so that nothing forks past the signal, and
    /// thawed after it, so that it is delivered: as runc does, a paused
    /// container runs again afterwards.
    private func signalAll(_ container: Container, _ number: Int32) throws(RuntimeError) {
        let cgroups = container.cgroups
        if number == SIGKILL && CgroupFreezer.killAll(cgroups) { return }
        let frozen = (try? CgroupFreezer.freeze(cgroups)) != nil
        defer { if frozen { try? CgroupFreezer.thaw(cgroups) } }
        var pids = (try? cgroups.pids()) ?? []
        if pids.isEmpty && Proc.isAlive(pid: container.record.pid, startTime: container.record.pidStartTime) {
            pids = [container.record.pid]
        }
        for pid in pids {
            let pidfd = sl_pidfd_open(pid, 0)
            if pidfd < 0 { continue }
            _ = sl_pidfd_send_signal(pidfd, number, 0)
            close(pidfd)
        }
    }

    /// Removes a container. Without `force` it must be stopped (runtime.md);
    /// with it, a live container is killed first. Runs poststop hooks.
    public func delete(id: String, force: Bool) throws(RuntimeError) {
        let lock: ContainerLock
        do {
            lock = try store.lock(id: id)
        } catch {
            // delete --force of a container that is gone succeeds (runc,
            // containerd's cleanup relies on it).
            if force && error.errno == ENOENT { return }
            throw error
        }
        defer { lock.release() }
        let container: Container
        do {
            container = try Container.load(store, id: id)
        } catch {
            // A directory without state: a create that died half-way.
            if force || error.errno == ENOENT {
                try store.remove(id: id)
                return
            }
            throw error
        }
        let status = container.status
        if status != .stopped && !force {
            throw RuntimeError("cannot delete container \(id) that is not stopped: \(status.rawValue)")
        }
        if status != .stopped {
            try killEverything(container)
        } else if !container.record.hasPidNamespace {
            // Without a pid namespace, init's exit does not end the others.
            try killEverything(container)
        }
        try destroy(container, config: try? container.outline())
    }

    /// Undoes create for a container whose processes are gone: cgroup,
    /// poststop hooks, state.
    private func destroy(_ container: Container, config: SpecOutline?) throws(RuntimeError) {
        do {
            try container.cgroups.destroy()
        } catch {
            log.warn(error.description)
        }
        HookRunner.runAll(config?.hooks?.poststop, phase: "poststop", state: container.ociState(status: .stopped))
        try store.remove(id: container.id)
    }

    /// SIGKILL to init and everything in the cgroup, then wait for them all.
    private func killEverything(_ container: Container) throws(RuntimeError) {
        let cgroups = container.cgroups
        let frozen = (try? cgroups.isFrozen()) ?? false
        var pidfds = [Int32]()
        if let pidfd = ProcessControl.open(pid: container.record.pid, startTime: container.record.pidStartTime) {
            pidfds.append(pidfd)
        }
        for pid in (try? cgroups.pids()) ?? [] where pid != container.record.pid {
            let pidfd = sl_pidfd_open(pid, 0)
            if pidfd >= 0 { pidfds.append(pidfd) }
        }
        for pidfd in pidfds { _ = sl_pidfd_send_signal(pidfd, SIGKILL, 0) }
        if frozen { try? CgroupFreezer.thaw(cgroups) }
        for pidfd in pidfds {
            ProcessControl.waitForExit(pidfd: pidfd, timeoutMillis: 10_000)
            close(pidfd)
        }
    }

    /// Ids with their containers, for `list`.
    public func list() throws(RuntimeError) -> [Container] {
        var out = [Container]()
        for id in try store.list() {
            if let container = try? Container.load(store, id: id) { out.append(container) }
        }
        return out
    }

    /// The container's process as configured at create (exec's defaults).
    public func configuredProcess(id: String) throws(RuntimeError) -> Process {
        let container = try Container.load(store, id: id)
        guard let process = try container.config().process else {
            throw RuntimeError("container \(id) has no process in its config to take defaults from; pass --process")
        }
        return process
    }

    public func state(id: String) throws(RuntimeError) -> Container {
        try Container.load(store, id: id)
    }
}
