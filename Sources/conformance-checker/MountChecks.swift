#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import OCISpec

/// How one mount option shows in /proc/self/mountinfo.
private enum Expectation {
    /// A flag among the per-mount options (ro, nosuid, ...): present or absent.
    case mountFlag(String, present: Bool)
    /// Neither noatime nor relatime (strictatime).
    case strictatime
    /// noatime or relatime (the kernel default).
    case notStrictatime
    /// A superblock flag (sync, dirsync, lazytime): present or absent.
    case superFlag(String, present: Bool)
    /// Propagation: shared, slave, private, unbindable.
    case propagation(String)
}

/// The attribute groups of config.md's Linux mount options; within a group
/// the last option listed wins. A leading "r" makes an option recursive.
private let optionGroups: [String: (group: String, expect: Expectation)] = [
    "ro": ("ro", .mountFlag("ro", present: true)), "rw": ("ro", .mountFlag("rw", present: true)),
    "nosuid": ("suid", .mountFlag("nosuid", present: true)), "suid": ("suid", .mountFlag("nosuid", present: false)),
    "nodev": ("dev", .mountFlag("nodev", present: true)), "dev": ("dev", .mountFlag("nodev", present: false)),
    "noexec": ("exec", .mountFlag("noexec", present: true)), "exec": ("exec", .mountFlag("noexec", present: false)),
    "nosymfollow": ("symfollow", .mountFlag("nosymfollow", present: true)),
    "symfollow": ("symfollow", .mountFlag("nosymfollow", present: false)),
    "nodiratime": ("diratime", .mountFlag("nodiratime", present: true)),
    "diratime": ("diratime", .mountFlag("nodiratime", present: false)),
    "noatime": ("atime", .mountFlag("noatime", present: true)),
    "relatime": ("atime", .mountFlag("relatime", present: true)),
    "norelatime": ("atime", .mountFlag("relatime", present: false)),
    "atime": ("atime", .mountFlag("noatime", present: false)),
    "strictatime": ("atime", .strictatime), "nostrictatime": ("atime", .notStrictatime),
    "sync": ("sync", .superFlag("sync", present: true)), "async": ("sync", .superFlag("sync", present: false)),
    "dirsync": ("dirsync", .superFlag("dirsync", present: true)),
    "lazytime": ("lazytime", .superFlag("lazytime", present: true)),
    "nolazytime": ("lazytime", .superFlag("lazytime", present: false)),
    "shared": ("propagation", .propagation("shared")), "slave": ("propagation", .propagation("slave")),
    "private": ("propagation", .propagation("private")), "unbindable": ("propagation", .propagation("unbindable")),
]

/// Recursive forms (mount_setattr AT_RECURSIVE, or propagation with MS_REC).
private let recursiveOptions: Set<String> = [
    "rro", "rrw", "rnosuid", "rsuid", "rnodev", "rdev", "rnoexec", "rexec", "rnosymfollow", "rsymfollow",
    "rnodiratime", "rdiratime", "rnoatime", "rrelatime", "rnorelatime", "ratime", "rstrictatime", "rnostrictatime",
    "rshared", "rslave", "rprivate", "runbindable",
]

/// Options that change nothing visible, or that other checks cover.
private let invisibleOptions: Set<String> = [
    "bind", "rbind", "defaults", "remount", "silent", "loud", "mand", "nomand", "iversion", "noiversion",
    "tmpcopyup", "idmap", "ridmap", "newinstance",
]

extension Checker {
    /// config.md "Mounts": every destination is a mount point with the type,
    /// source, flags, propagation and filesystem options asked for.
    func checkMounts() {
        let list = spec.mounts ?? []
        // A later entry on the same destination hides an earlier one (listed order).
        var lastIndex: [String: Int] = [:]
        for (i, m) in list.enumerated() { lastIndex[containerPath(m.destination)] = i }
        for (i, m) in list.enumerated() where lastIndex[containerPath(m.destination)] == i {
            checkMount(m)
        }
    }

    func containerPath(_ destination: String) -> String {
        var path = destination.hasPrefix("/") ? destination : "/" + destination
        while path.contains("//") { path = path.replacingOccurrences("//", "/") }
        if path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        return path
    }

    func checkMount(_ m: Mount) {
        let dest = containerPath(m.destination)
        let path = Sys.realPath(dest) ?? dest
        let prefix = "config.md#mounts: \(dest)"
        let options = m.options ?? []
        let isBind = options.contains("bind") || options.contains("rbind")
        guard let info = mounts.top(at: path) else {
            return tap.fail("\(prefix) is a mount point", "no mount at \(path) in /proc/self/mountinfo")
        }
        tap.check(true, "\(prefix) is a mount point", got: "", want: "")
        if !isBind, let type = m.type {
            // A cgroup v1 view is a tmpfs holding one mount per hierarchy.
            let accepted = type == "cgroup" ? ["cgroup", "cgroup2", "tmpfs"] : [type]
            tap.check(accepted.contains(info.fsType), "\(prefix) type \(type)", got: info.fsType, want: accepted.joined(separator: " or "))
            if let source = m.source, type != "cgroup" {
                tap.equal(info.source, source, "\(prefix) source")
            }
        }
        if isBind { checkBindContent(m, dest: dest, path: path, recursive: options.contains("rbind")) }

        // Flags: the last option of each group decides.
        var decided: [String: (option: String, recursive: Bool, expect: Expectation)] = [:]
        var order: [String] = []
        for option in options {
            var name = option
            var recursive = false
            if recursiveOptions.contains(option) {
                name = String(option.dropFirst())
                recursive = true
            }
            if let (group, expect) = optionGroups[name] {
                if decided[group] == nil { order.append(group) }
                decided[group] = (option, recursive, expect)
            }
        }
        let below = mounts.below(path)
        for group in order {
            guard let d = decided[group] else { continue }
            let (ok, got) = holds(d.expect, info)
            tap.check(ok, "\(prefix) option \(d.option)", got: got, want: describe(d.expect))
            if d.recursive {
                let name = "\(prefix) option \(d.option) applies to every submount"
                if below.isEmpty {
                    tap.skip(name, "no submounts")
                    continue
                }
                let wrong = below.filter { !holds(d.expect, $0).0 }
                tap.check(wrong.isEmpty, name,
                          got: wrong.map { "\($0.mountPoint): \(holds(d.expect, $0).1)" }.joined(separator: "; "),
                          want: "\(describe(d.expect)) on \(below.count) submounts")
            }
        }

        // Filesystem-specific options (data of mount(2)), where the kernel shows them.
        let values = info.superValues
        for option in options where !optionGroups.keys.contains(option) && !recursiveOptions.contains(option) && !invisibleOptions.contains(option) {
            guard let eq = option.firstIndex(of: "=") else {
                tap.skip("\(prefix) option \(option)", "not shown in mountinfo")
                continue
            }
            let key = String(option[..<eq]), value = String(option[option.index(after: eq)...])
            guard let shown = values[key] else {
                tap.skip("\(prefix) option \(option)", "not shown in mountinfo")
                continue
            }
            let accepted = acceptedValues(key: key, value: value)
            tap.check(accepted.contains(normalizedOptionValue(shown)), "\(prefix) option \(option)",
                      got: "\(key)=\(shown)", want: option)
        }
        if m.uidMappings != nil || m.gidMappings != nil || options.contains("idmap") || options.contains("ridmap") {
            checkIDMappedMount(m, dest: dest, path: path)
        }
    }

    private func holds(_ expect: Expectation, _ info: MountInfo) -> (Bool, String) {
        let flags = info.options.sorted().joined(separator: ",")
        switch expect {
        case .mountFlag(let flag, let present):
            return (info.options.contains(flag) == present, flags)
        case .strictatime:
            return (!info.options.contains("noatime") && !info.options.contains("relatime"), flags)
        case .notStrictatime:
            return (info.options.contains("noatime") || info.options.contains("relatime"), flags)
        case .superFlag(let flag, let present):
            return (info.superSet.contains(flag) == present, info.superOptions.joined(separator: ","))
        case .propagation(let kind):
            let got = info.propagation
            switch kind {
            case "shared": return (got.contains("shared"), got)
            case "unbindable": return (got == "unbindable", got)
            // A slave of a mount that propagates nothing is private: never shared.
            case "slave": return (!got.contains("shared") && !got.contains("unbindable"), got)
            default: return (got == "private", got)
            }
        }
    }

    private func describe(_ expect: Expectation) -> String {
        switch expect {
        case .mountFlag(let flag, let present): return present ? flag : "no \(flag)"
        case .strictatime: return "neither noatime nor relatime"
        case .notStrictatime: return "noatime or relatime"
        case .superFlag(let flag, let present): return present ? "super option \(flag)" : "no super option \(flag)"
        case .propagation(let kind): return kind == "slave" ? "slave (not shared)" : kind
        }
    }

    /// The forms in which the kernel may show a filesystem option's value:
    /// sizes in another unit, ids translated to the host by a user namespace.
    func acceptedValues(key: String, value: String) -> Set<String> {
        var out: Set<String> = [normalizedOptionValue(value)]
        if key == "size", let bytes = byteCount(value) {
            out.insert(String(bytes))
            for (unit, shift) in [("k", 10), ("m", 20), ("g", 30)] where bytes % (1 << shift) == 0 {
                out.insert("\(bytes >> shift)\(unit)")
            }
        }
        if key == "uid" || key == "gid", let id = UInt32(value) {
            let map = key == "uid" ? linux.uidMappings : linux.gidMappings
            for e in map ?? [] where id >= e.containerID && UInt64(id) < UInt64(e.containerID) + UInt64(e.size) {
                out.insert(String(e.hostID + (id - e.containerID)))
            }
        }
        return out
    }

    func byteCount(_ value: String) -> UInt64? {
        let units: [Character: UInt64] = ["k": 1 << 10, "K": 1 << 10, "m": 1 << 20, "M": 1 << 20, "g": 1 << 30, "G": 1 << 30]
        if let last = value.last, let unit = units[last] { return UInt64(value.dropLast()).map { $0 * unit } }
        return UInt64(value)
    }

    /// Octal modes may be written with or without a leading 0 (mode=0755).
    func normalizedOptionValue(_ value: String) -> String {
        guard !value.isEmpty, value.allSatisfy({ $0 >= "0" && $0 <= "9" }) else { return value }
        let trimmed = value.drop { $0 == "0" }
        return trimmed.isEmpty ? "0" : String(trimmed)
    }

    /// A bind mount shows its source: a marker file the driver put there, and
    /// its submounts only when the bind is recursive.
    func checkBindContent(_ m: Mount, dest: String, path: String, recursive: Bool) {
        let prefix = "config.md#mounts: \(dest)"
        if let marker = options.bindMarkers[dest] {
            let isDir = Sys.statPath(path).map { Sys.fileType($0.st_mode) == "dir" } ?? false
            let file = isDir ? path + "/.conformance-marker" : path
            let got = Sys.readText(file).map(Sys.trimmed) ?? "unreadable: \(Sys.errnoName(errno))"
            tap.equal(got, marker.token, "\(prefix) shows source \(m.source ?? "")")
        }
        if let count = options.submounts[dest] {
            let got = mounts.below(path).count
            if recursive {
                tap.check(got >= count, "\(prefix) rbind carries the source's submounts", got: "\(got)", want: "\(count)")
            } else {
                tap.equal(got, 0, "\(prefix) bind (not rbind) carries no submounts")
            }
        }
    }

    /// config.md mounts uidMappings/gidMappings: a file owned by host id H
    /// shows as the mapped id (on-disk containerID maps to hostID).
    func checkIDMappedMount(_ m: Mount, dest: String, path: String) {
        let name = "config.md#mounts: \(dest) id-mapped"
        guard let marker = options.bindMarkers[dest], let hostUID = marker.uid, let hostGID = marker.gid else {
            return tap.skip(name, "the driver gave no owner for the source")
        }
        let isDir = Sys.statPath(path).map { Sys.fileType($0.st_mode) == "dir" } ?? false
        guard let st = Sys.statPath(isDir ? path + "/.conformance-marker" : path) else {
            return tap.fail(name, "stat: \(Sys.errnoName(errno))")
        }
        func mapped(_ id: UInt32, _ map: [LinuxIDMapping]?) -> UInt32 {
            for e in map ?? [] where id >= e.containerID && UInt64(id) < UInt64(e.containerID) + UInt64(e.size) {
                return e.hostID + (id - e.containerID)
            }
            return 65534
        }
        let want = "\(mapped(hostUID, m.uidMappings)):\(mapped(hostGID, m.gidMappings))"
        tap.equal("\(st.st_uid):\(st.st_gid)", want, name)
    }
}

extension String {
    func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        var out = ""
        var rest = Substring(self)
        while let range = rest.firstRange(of: target) {
            out += rest[..<range.lowerBound]
            out += replacement
            rest = rest[range.upperBound...]
        }
        return out + rest
    }
}
