import CShim
import Glibc
import LinuxCore
import OCISpec

/// Applies one entry of config.json's `mounts` inside the root.
struct MountStep {
    let mount: Mount
    let bundle: String
    let rooted: RootedPath
    let userNamespace: Bool
    let cgroup: CgroupMountSource
    /// An id-mapped bind the runtime built already: only attached here.
    let prepared: Int32?

    /// Per-mount attributes a bind mount gets cleared unless named, as a
    /// bind remount with exactly the named flags would.
    static let exactBindAttributes = SL_MOUNT_ATTR_RDONLY | SL_MOUNT_ATTR_NOSUID | SL_MOUNT_ATTR_NODEV | SL_MOUNT_ATTR_NOEXEC

    static func isBind(_ mount: Mount) -> Bool {
        mount.type == "bind" || (mount.options ?? []).contains { $0 == "bind" || $0 == "rbind" }
    }

    var destination: String { Path.clean("/" + mount.destination) }

    func apply() throws(RuntimeError) {
        var options = MountOptions.parse(mount.options ?? [])
        if mount.type == "bind" { options.bind = true }
        if mount.type == "cgroup" {
            try mountCgroup(options)
        } else if options.bind {
            try bind(options)
        } else {
            try filesystem(options)
        }
    }

    private func bind(_ options: MountOptions) throws(RuntimeError) {
        if let unknown = options.data.first {
            throw RuntimeError("mount \(destination): unknown mount option \(unknown.debugDescription) for a bind mount")
        }
        if options.tmpcopyup {
            throw RuntimeError("mount \(destination): tmpcopyup applies to tmpfs mounts, not bind mounts")
        }
        let source = try Self.bindSource(mount, bundle: bundle, destination: destination)
        var st = stat()
        if stat(source, &st) != 0 {
            throw RuntimeError.sys("mount \(destination): source \(source)", currentErrno())
        }
        let kind: RootedPath.Kind = (st.st_mode & S_IFMT) == S_IFDIR ? .directory : .file
        let target = try rooted.openOrCreate(destination, as: kind)
        defer { close(target) }
        let tree: Int32
        if let prepared {
            tree = prepared
        } else {
            tree = try MountAPI.cloneTree(path: source, recursive: options.recursive, for: destination)
            try Self.shapeBind(tree, options, destination: destination)
        }
        defer { close(tree) }
        try MountAPI.attach(tree, onto: target, for: destination)
        for flag in options.propagation { try MountAPI.setPropagation(tree, flag, for: destination) }
    }

    /// A bind's source: absolute, or relative to the bundle.
    static func bindSource(_ mount: Mount, bundle: String, destination: String) throws(RuntimeError) -> String {
        guard let rawSource = mount.source, !rawSource.isEmpty else {
            throw RuntimeError("mount \(destination): a bind mount needs a source")
        }
        return rawSource.hasPrefix("/") ? rawSource : Path.join(bundle, rawSource)
    }

    /// Gives a detached bind exactly the named attributes, then the recursive ones.
    static func shapeBind(_ tree: Int32, _ options: MountOptions, destination: String) throws(RuntimeError) {
        if options.hasAttributes {
            let exactClear = (exactBindAttributes & ~options.set) | options.clear
            do {
                try MountAPI.setAttributes(tree, set: options.set, clear: exactClear, atime: options.atime, recursive: false, for: destination)
            } catch where error.errno == EPERM {
                // Flags locked by a user namespace (e.g. nosuid of the source)
                // cannot be cleared: keep them, set the rest.
                try MountAPI.setAttributes(tree, set: options.set, clear: options.clear, atime: options.atime, recursive: false, for: destination)
            }
        }
        try MountAPI.setAttributes(tree, set: options.recursiveSet, clear: options.recursiveClear, atime: options.recursiveAtime, recursive: true, for: destination)
    }

    private func filesystem(_ options: MountOptions) throws(RuntimeError) {
        guard let type = mount.type, !type.isEmpty else {
            throw RuntimeError("mount \(destination): no type and not a bind mount")
        }
        // proc and sysfs on a symlink were a container escape (CVE-2019-19921).
        let strict = type == "proc" || type == "sysfs"
        let target: Int32
        if strict {
            close(try rooted.openOrCreate(destination, as: .directory))
            do throws(RuntimeError) {
                guard let fd = try rooted.open(destination, noSymlinks: true) else {
                    throw RuntimeError.sys("mount \(type) on \(destination)", ENOENT)
                }
                target = fd
            } catch where error.errno == ELOOP {
                throw RuntimeError("mount \(type) on \(destination): the destination is or passes through a symlink")
            }
            let st = try fileStat(target, name: destination)
            if (st.st_mode & S_IFMT) != S_IFDIR {
                close(target)
                throw RuntimeError("mount \(type) on \(destination): the destination is not a directory")
            }
        } else {
            target = try rooted.openOrCreate(destination, as: .directory)
        }
        defer { close(target) }
        let source = mount.source ?? type
        let fs: Int32
        do {
            fs = try MountAPI.newFilesystem(type: type, source: source, options: options, for: destination)
        } catch where error.errno == EPERM && (type == "sysfs" || type == "mqueue") {
            // sysfs and mqueue cannot be mounted in a user namespace that does
            // not own the network / IPC namespace: bind the host's instead.
            let hostPath = type == "sysfs" ? "/sys" : "/dev/mqueue"
            guard FileIO.isDirectory(hostPath) else {
                let owner = type == "sysfs" ? "network" : "IPC"
                throw RuntimeError("mount \(type) on \(destination): not permitted in a user namespace that does not own the \(owner) namespace, and the host has no \(hostPath) to bind", errno: EPERM)
            }
            fs = try MountAPI.cloneTree(path: hostPath, recursive: true, for: destination)
            try MountAPI.setAttributes(fs, set: options.set, clear: 0, atime: nil, recursive: true, for: destination)
        }
        defer { close(fs) }
        if options.tmpcopyup {
            guard type == "tmpfs" else { throw RuntimeError("mount \(destination): tmpcopyup applies to tmpfs mounts only") }
            try TmpCopyUp.copy(from: target, to: fs, destination: destination)
        }
        try MountAPI.setAttributes(fs, set: options.recursiveSet, clear: options.recursiveClear, atime: options.recursiveAtime, recursive: true, for: destination)
        try MountAPI.attach(fs, onto: target, for: destination)
        for flag in options.propagation { try MountAPI.setPropagation(fs, flag, for: destination) }
    }

    /// The container's cgroups at `destination`: one cgroup2 mount, or a
    /// tmpfs with a directory per v1 hierarchy. The mount's flags apply to
    /// each hierarchy; recursive attributes and propagation to the whole.
    private func mountCgroup(_ options: MountOptions) throws(RuntimeError) {
        if let unknown = options.data.first {
            throw RuntimeError("mount \(destination): unknown mount option \(unknown.debugDescription) for a cgroup mount")
        }
        if options.tmpcopyup {
            throw RuntimeError("mount \(destination): tmpcopyup applies to tmpfs mounts, not cgroup mounts")
        }
        let top: Int32
        switch cgroup {
        case .none:
            return
        case .unified(let hostPath, let namespaced):
            let target = try rooted.openOrCreate(destination, as: .directory)
            defer { close(target) }
            top = try mountHierarchy(CgroupHierarchyMount(name: "", hostPath: hostPath, fsType: "cgroup2", fsOptions: []),
                                     namespaced: namespaced, options: options, onto: target, at: destination)
        case .hybrid(let hierarchies, let namespaced):
            top = try mountHybrid(hierarchies, namespaced: namespaced, options: options)
        }
        defer { close(top) }
        if options.recursiveSet != 0 || options.recursiveClear != 0 || options.recursiveAtime != nil {
            try MountAPI.setAttributes(top, set: options.recursiveSet, clear: options.recursiveClear, atime: options.recursiveAtime,
                                       recursive: true, for: destination)
        }
        for flag in options.propagation { try MountAPI.setPropagation(top, flag, for: destination) }
    }

    /// Returns the tmpfs's mount fd.
    private func mountHybrid(_ hierarchies: [CgroupHierarchyMount], namespaced: Bool, options: MountOptions) throws(RuntimeError) -> Int32 {
        // A tmpfs holds one directory per hierarchy, as on the host.
        var tmpfs = MountOptions()
        tmpfs.set = options.set & ~SL_MOUNT_ATTR_RDONLY
        tmpfs.data = ["mode=755"]
        let target = try rooted.openOrCreate(destination, as: .directory)
        defer { close(target) }
        let fs = try MountAPI.newFilesystem(type: "tmpfs", source: "tmpfs", options: tmpfs, for: destination)
        do throws(RuntimeError) {
            try MountAPI.attach(fs, onto: target, for: destination)
            for hierarchy in hierarchies {
                let path = destination + "/" + hierarchy.name
                let sub = try rooted.openOrCreate(path, as: .directory)
                defer { close(sub) }
                close(try mountHierarchy(hierarchy, namespaced: namespaced, options: options, onto: sub, at: path))
                for alias in hierarchy.aliases {
                    if symlinkat(hierarchy.name, fs, alias) != 0 && currentErrno() != EEXIST {
                        throw RuntimeError.sys("symlink \(destination)/\(alias)", currentErrno())
                    }
                }
            }
            // Populated: now the tmpfs itself can take the mount's "ro".
            if options.set & SL_MOUNT_ATTR_RDONLY != 0 {
                try MountAPI.setAttributes(fs, set: SL_MOUNT_ATTR_RDONLY, clear: 0, atime: nil, recursive: false, for: destination)
            }
        } catch {
            close(fs)
            throw error
        }
        return fs
    }

    /// Mounts one hierarchy on `target`; returns its mount fd.
    private func mountHierarchy(_ hierarchy: CgroupHierarchyMount, namespaced: Bool, options: MountOptions, onto target: Int32, at path: String) throws(RuntimeError) -> Int32 {
        let fs: Int32
        if namespaced {
            var fsOptions = MountOptions()
            fsOptions.set = options.set
            fsOptions.atime = options.atime
            fsOptions.data = hierarchy.fsOptions
            fs = try MountAPI.newFilesystem(type: hierarchy.fsType, source: "cgroup", options: fsOptions, for: path)
        } else {
            fs = try MountAPI.cloneTree(path: hierarchy.hostPath, recursive: false, for: path)
            try MountAPI.setAttributes(fs, set: options.set, clear: options.clear, atime: options.atime, recursive: false, for: path)
        }
        do {
            try MountAPI.attach(fs, onto: target, for: path)
        } catch {
            close(fs)
            throw error
        }
        return fs
    }
}
