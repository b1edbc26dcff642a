import Cgroups
import CShim
import Glibc
import LinuxCore
import OCISpec
import Sandbox
import Security

/// Everything the container's init will do, worked out by the runtime before
/// the clone: all validation that can fail happens here, before anything
/// exists on the host. The clone copies this into init, so init never reads
/// or parses the config again.
struct InitPlan {
    var id: String
    var bundle: String
    var spec: Spec
    var namespaces: NamespacePlan
    var rootfs: RootfsPlan?
    var process: Process?
    var capabilities: CapabilitySets
    var executableName: String?
    var env: [String]
    /// fds 3..<3+extraFDs are passed to the container (LISTEN_FDS + --preserve-fds).
    var extraFDs: Int32
    var terminal: Bool
    var consoleSocket: String?
    var noNewKeyring: Bool
    var uidMappings: [LinuxIDMapping]
    var gidMappings: [LinuxIDMapping]
    var timeOffsets: String?
    var details: ProcessDetails
    var sysctl: [String: String]
    var seccomp: SeccompProgram?
    /// The runtime caller's umask, kept when the config sets none.
    var callerUmask: mode_t
    var netDevices: [NetDevices.Move] = []

    var userJoined: Bool { namespaces.join(.user) != nil }
    var userNew: Bool { namespaces.isNew(.user) }

    static func make(spec: Spec, options: CreateOptions, bundle: String, cgroupMount: CgroupMountSource,
                     seccompCache: SeccompCache) throws(RuntimeError) -> InitPlan {
        let linux = spec.linux ?? Linux()
        var namespaces = try NamespacePlan(linux.namespaces ?? [])
        do {
            return try make(spec: spec, linux: linux, namespaces: namespaces, options: options, bundle: bundle, cgroupMount: cgroupMount,
                            seccompCache: seccompCache)
        } catch {
            namespaces.closeAll()
            namespaces = NamespacePlan()
            throw error
        }
    }

    private static func make(spec: Spec, linux: Linux, namespaces: NamespacePlan, options: CreateOptions, bundle: String,
                             cgroupMount: CgroupMountSource, seccompCache: SeccompCache) throws(RuntimeError) -> InitPlan {
        guard namespaces.has(.mount) else {
            throw RuntimeError("linux.namespaces: a mount namespace is required")
        }
        if (spec.hostname ?? "").isEmpty == false && !namespaces.has(.uts) {
            throw RuntimeError("hostname: setting it needs a uts namespace")
        }
        if (spec.domainname ?? "").isEmpty == false && !namespaces.has(.uts) {
            throw RuntimeError("domainname: setting it needs a uts namespace")
        }
        if namespaces.isNew(.user) && (linux.uidMappings ?? []).isEmpty {
            throw RuntimeError("linux.uidMappings: a new user namespace needs uid mappings")
        }
        if namespaces.isNew(.user) && (linux.gidMappings ?? []).isEmpty {
            throw RuntimeError("linux.gidMappings: a new user namespace needs gid mappings")
        }
        if !namespaces.isNew(.user) && (!(linux.uidMappings ?? []).isEmpty || !(linux.gidMappings ?? []).isEmpty) {
            throw RuntimeError("linux.uidMappings: mappings are only applied to a new user namespace")
        }
        let timeOffsets = try renderTimeOffsets(linux.timeOffsets, namespaces: namespaces)
        try checkUnsupported(spec: spec, linux: linux)

        let rootPath = Path.clean(spec.root.path.hasPrefix("/") ? spec.root.path : Path.join(bundle, spec.root.path))
        guard FileIO.isDirectory(rootPath) else {
            throw RuntimeError("root.path \(rootPath): no such directory")
        }
        // A rootfs that is (or passes through) a symlink could be the host's
        // own root; runc refuses it too.
        guard let real = realPath(rootPath), real == rootPath else {
            throw RuntimeError("root.path \(rootPath) is a symlink or goes through one (to \(realPath(rootPath) ?? "?")); give the real path")
        }
        var propagation: UInt? = nil
        if let name = linux.rootfsPropagation, !name.isEmpty {
            guard let flag = MountOptions.propagationFlag(name) else {
                throw RuntimeError("linux.rootfsPropagation: unknown propagation \(name.debugDescription)")
            }
            propagation = flag
        }
        var rootfs = RootfsPlan(rootfs: Path.clean(rootPath), readonly: spec.root.readonly ?? false, bundle: bundle,
                                mounts: spec.mounts ?? [], rootPropagation: propagation, noPivot: options.noPivot,
                                cgroup: cgroupMount, devices: linux.devices ?? [], userNamespace: namespaces.has(.user),
                                maskedPaths: linux.maskedPaths ?? [], readonlyPaths: linux.readonlyPaths ?? [])
        rootfs.idmaps = try IDMappedMounts.prepare(spec.mounts ?? [], bundle: bundle, containerUID: linux.uidMappings ?? [],
                                                   containerGID: linux.gidMappings ?? [])

        let process = spec.process
        let terminal = process?.terminal ?? false
        if terminal && options.detach && options.consoleSocket == nil {
            throw RuntimeError("process.terminal is true but no --console-socket was given: cannot allocate a terminal for a detached container")
        }
        if !terminal && options.consoleSocket != nil {
            throw RuntimeError("--console-socket was given but process.terminal is false")
        }
        let capabilities = try CapabilitySets(process?.capabilities) { log.warn($0) }
        let details = try ProcessDetails(process: process, personality: linux.personality, memoryPolicy: linux.memoryPolicy)
        try LSM.check(apparmorProfile: process?.apparmorProfile, selinuxLabel: process?.selinuxLabel, mountLabel: linux.mountLabel)
        let seccomp = try linux.seccomp.map { profile throws(RuntimeError) in try seccompCache.program(for: profile) }
        try Sysctl.check(linux.sysctl ?? [:], namespaces: namespaces, hostname: spec.hostname)
        let netDevices = try NetDevices.plan(linux.netDevices)
        if !netDevices.isEmpty && !namespaces.has(.network) {
            throw RuntimeError("linux.netDevices: moving network devices needs a network namespace")
        }
        for limit in process?.rlimits ?? [] where ProcessSetup.rlimitNames[limit.type] == nil {
            throw RuntimeError("process.rlimits: unknown rlimit type \(limit.type.debugDescription)")
        }

        var env = process?.env ?? []
        var extra = Int32(options.preserveFDs)
        if let listen = listenFDs() {
            env.append("LISTEN_FDS=\(listen)")
            extra += listen
        }
        return InitPlan(id: options.id, bundle: bundle, spec: spec, namespaces: namespaces, rootfs: rootfs, process: process,
                        capabilities: capabilities, executableName: process?.args.first, env: env, extraFDs: extra,
                        terminal: terminal, consoleSocket: options.consoleSocket, noNewKeyring: options.noNewKeyring,
                        uidMappings: linux.uidMappings ?? [], gidMappings: linux.gidMappings ?? [], timeOffsets: timeOffsets,
                        details: details, sysctl: linux.sysctl ?? [:], seccomp: seccomp, callerUmask: currentUmask(),
                        netDevices: netDevices)
    }

    static func currentUmask() -> mode_t {
        let mask = umask(0o022)
        umask(mask)
        return mask
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Socket activation (systemd): fds passed to us for our own pid.
    static func listenFDs() -> Int32? {
        guard let pidText = getenv("LISTEN_PID"), Int32(String(cString: pidText)) == getpid(),
              let countText = getenv("LISTEN_FDS"), let count = Int32(String(cString: countText)), count > 0 else { return nil }
        return count
    }

    /// linux.timeOffsets as /proc/self/timens_offsets lines.
    static func renderTimeOffsets(_ offsets: [String: LinuxTimeOffset]?, namespaces: NamespacePlan) throws(RuntimeError) -> String? {
        guard let offsets, !offsets.isEmpty else { return nil }
        guard namespaces.isNew(.time) else {
            throw RuntimeError("linux.timeOffsets: offsets need a new time namespace")
        }
        var lines = ""
        for (clock, offset) in offsets.sorted(by: { $0.key < $1.key }) {
            guard clock == "monotonic" || clock == "boottime" else {
                throw RuntimeError("linux.timeOffsets: unknown clock \(clock.debugDescription) (monotonic or boottime)")
            }
            lines += "\(clock) \(offset.secs ?? 0) \(offset.nanosecs ?? 0)\n"
        }
        return lines
    }

    /// Known fields this version cannot apply yet: refusing is better than
    /// silently running a container without them.
    static func checkUnsupported(spec: Spec, linux: Linux) throws(RuntimeError) {
        func refuse(_ field: String) throws(RuntimeError) {
            throw RuntimeError("\(field): not supported yet by swiftlet")
        }
        if linux.intelRdt != nil { try refuse("linux.intelRdt (no resctrl on this host)") }
        if let label = linux.mountLabel, !label.isEmpty, LSM.selinuxEnabled { try refuse("linux.mountLabel (SELinux mount labels)") }
        // process.execCPUAffinity is not applicable to a container's init
        // (config.md); exec applies it.
    }
}
