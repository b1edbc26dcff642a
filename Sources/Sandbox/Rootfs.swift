import CShim
import Glibc
import LinuxCore
import OCISpec

/// Everything the rootfs set-up needs, decided by the runtime beforehand.
public struct RootfsPlan: Sendable {
    /// Absolute host path of root.path.
    public var rootfs: String
    public var readonly: Bool
    public var bundle: String
    public var mounts: [Mount]
    /// linux.rootfsPropagation as MS_* flags, nil when absent.
    public var rootPropagation: UInt?
    public var noPivot: Bool
    public var cgroup: CgroupMountSource
    public var devices: [LinuxDevice]
    /// The container has its own user namespace: device nodes are bind
    /// mounted from the host instead of made with mknod.
    public var userNamespace: Bool
    public var maskedPaths: [String]
    public var readonlyPaths: [String]
    /// Id-mapped binds the runtime built, by mount index.
    public var idmaps: IDMappedMounts.Trees = [:]

    public init(rootfs: String, readonly: Bool, bundle: String, mounts: [Mount], rootPropagation: UInt?, noPivot: Bool,
                cgroup: CgroupMountSource, devices: [LinuxDevice], userNamespace: Bool,
                maskedPaths: [String], readonlyPaths: [String]) {
        self.rootfs = rootfs
        self.readonly = readonly
        self.bundle = bundle
        self.mounts = mounts
        self.rootPropagation = rootPropagation
        self.noPivot = noPivot
        self.cgroup = cgroup
        self.devices = devices
        self.userNamespace = userNamespace
        self.maskedPaths = maskedPaths
        self.readonlyPaths = readonlyPaths
    }
}

/// Builds the container's file system inside its (new) mount namespace.
/// Runs in the container's init, before the user program.
public struct Rootfs {
    public let plan: RootfsPlan

    public init(plan: RootfsPlan) {
        self.plan = plan
    }

    /// Mounts everything, calls `beforePivot` (the hooks' moment), switches
    /// root, calls `afterPivot` (the console's moment), then applies masked
    /// and read-only paths. Leaves the process in the new root at "/".
    public func setUp(beforePivot: () throws(RuntimeError) -> Void, afterPivot: () throws(RuntimeError) -> Void) throws(RuntimeError) {
        let rootFD = try prepareRoot()
        defer { close(rootFD) }
        let rooted = RootedPath(rootFD: rootFD, rootName: plan.rootfs)
        for (index, mount) in plan.mounts.enumerated() {
            try MountStep(mount: mount, bundle: plan.bundle, rooted: rooted, userNamespace: plan.userNamespace, cgroup: plan.cgroup,
                          prepared: plan.idmaps[index]).apply()
        }
        let devIsBound = plan.mounts.contains { Path.clean($0.destination) == "/dev" && MountStep.isBind($0) }
        try DeviceSetup(rooted: rooted, userNamespace: plan.userNamespace).create(configured: plan.devices, devIsBound: devIsBound)
        try beforePivot()
        try switchRoot(rootFD)
        try afterPivot()
        try finish()
    }

    /// Stops mount events reaching the host, and makes the rootfs a mount
    /// point of its own (pivot_root needs one). Returns an fd of its root.
    private func prepareRoot() throws(RuntimeError) -> Int32 {
        // An unbindable "/" could not be bind mounted as the new root: that
        // propagation is applied after pivot_root (finish), slave until then.
        var flag = plan.rootPropagation ?? (MS.slave | MS.rec)
        if flag & MS.unbindable != 0 { flag = MS.slave | MS.rec }
        try sys("make / \(propagationName(flag))") { mount(nil, "/", nil, flag, nil) }
        if flag & MS.shared != 0 {
            try makeParentMountPrivate(plan.rootfs)
        }
        guard FileIO.isDirectory(plan.rootfs) else {
            throw RuntimeError("root.path \(plan.rootfs): not a directory")
        }
        try sys("bind mount rootfs \(plan.rootfs)") { mount(plan.rootfs, plan.rootfs, nil, MS.bind | MS.rec, nil) }
        return try sys("open rootfs \(plan.rootfs)") { sl_open_mode(plan.rootfs, SL_O_PATH | O_DIRECTORY | O_CLOEXEC, 0) }
    }

    /// pivot_root needs the parent mount of the new root not to be shared.
    private func makeParentMountPrivate(_ path: String) throws(RuntimeError) {
        let parent = try MountInfo.mountPoint(containing: Path.dirname(path))
        try sys("make \(parent) private") { mount(nil, parent, nil, MS.private, nil) }
    }

    private func switchRoot(_ rootFD: Int32) throws(RuntimeError) {
        try sys("chdir to rootfs \(plan.rootfs)") { fchdir(rootFD) }
        if plan.noPivot {
            try sys("move rootfs \(plan.rootfs) to /") { mount(".", "/", nil, MS.move, nil) }
            try sys("chroot(\(plan.rootfs))") { chroot(".") }
        } else {
            // A handle on the old root: after pivot_root it is stacked on the
            // new one at ".", and mount(2) on "." would reach the new root's
            // tree, not the old one.
            let oldRoot = try sys("open old root") { sl_open_mode("/", SL_O_PATH | O_DIRECTORY | O_CLOEXEC, 0) }
            defer { close(oldRoot) }
            try sys("pivot_root(\(plan.rootfs))") { sl_pivot_root(".", ".") }
            // Detach the old root without letting the unmount reach the host.
            try MountAPI.setPropagation(oldRoot, MS.slave | MS.rec, for: "old root")
            try sys("unmount old root") { umount2(".", Int32(MNT_DETACH)) }
        }
        try sys("chdir(/)") { chdir("/") }
    }

    /// Work done inside the new root.
    private func finish() throws(RuntimeError) {
        let rootFD = try sys("open /") { sl_open_mode("/", SL_O_PATH | O_DIRECTORY | O_CLOEXEC, 0) }
        defer { close(rootFD) }
        let rooted = RootedPath(rootFD: rootFD, rootName: "/")
        let hardening = PathHardening(rooted: rooted)
        for path in plan.readonlyPaths { try hardening.makeReadonly(path) }
        for path in plan.maskedPaths { try hardening.mask(path) }
        if let flag = plan.rootPropagation {
            try sys("set propagation of / to \(propagationName(flag))") { mount(nil, "/", nil, flag, nil) }
        }
        if plan.readonly {
            try MountAPI.setAttributes(rootFD, set: SL_MOUNT_ATTR_RDONLY, clear: 0, atime: nil, recursive: false, for: "/ (root.readonly)")
        }
    }

    private func propagationName(_ flag: UInt) -> String {
        let rec = flag & MS.rec != 0 ? "r" : ""
        if flag & MS.shared != 0 { return rec + "shared" }
        if flag & MS.slave != 0 { return rec + "slave" }
        if flag & MS.unbindable != 0 { return rec + "unbindable" }
        return rec + "private"
    }
}
