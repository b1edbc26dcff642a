#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import OCISpec

/// config-linux.md, apart from cgroups and seccomp.
extension Checker {
    func namespaceInode(_ file: String) -> UInt64? {
        Sys.statPath("/proc/self/ns/\(file)").map { UInt64($0.st_ino) }
    }

    /// New namespaces differ from the runtime's, joined ones are the path's,
    /// unlisted ones are the runtime's.
    func checkNamespaces() {
        guard let list = linux.namespaces else { return }
        for (type, file) in Tables.namespaceFiles {
            let entry = list.first { $0.type == type }
            let name = "config-linux.md#namespaces: \(type)"
            guard let own = namespaceInode(file) else {
                if entry != nil { tap.skip(name, "/proc/self/ns/\(file) missing") }
                continue
            }
            if let path = entry?.path, !path.isEmpty {
                guard let joined = options.joinedNamespaces[type] else {
                    tap.skip("\(name) joins \(path)", "the driver gave no inode for it")
                    continue
                }
                tap.equal(own, joined, "\(name) joins \(path)")
            } else if entry != nil {
                guard let runtime = options.runtimeNamespaces[type] else {
                    tap.skip("\(name) is new", "the driver gave no runtime inode")
                    continue
                }
                tap.check(own != runtime, "\(name) is new", got: "the runtime's (\(own))", want: "not \(runtime)")
            } else if let runtime = options.runtimeNamespaces[type] {
                tap.equal(own, runtime, "\(name) not listed, the runtime's is inherited")
            }
        }
        // What a new namespace must look like from inside.
        if let pid = list.first(where: { $0.type == "pid" }), pid.path?.isEmpty ?? true {
            let pids = (Sys.listDirectory("/proc") ?? []).compactMap { Int32($0) }.sorted()
            tap.equal(pids, [getpid()], "config-linux.md#namespaces: pid, only the container's processes are visible")
        }
        if let net = list.first(where: { $0.type == "network" }), net.path?.isEmpty ?? true, linux.netDevices?.isEmpty ?? true {
            let lines = Sys.readText("/proc/self/net/dev")?.split(separator: "\n").dropFirst(2) ?? []
            let devices = lines.compactMap { $0.split(separator: ":").first.map { Sys.trimmed(String($0)) } }
            tap.equal(devices, ["lo"], "config-linux.md#namespaces: network, a new stack with only lo")
        }
        if let cg = list.first(where: { $0.type == "cgroup" }), cg.path?.isEmpty ?? true {
            let paths = (Sys.readText("/proc/self/cgroup") ?? "").split(separator: "\n").map { line in
                line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).last.map(String.init) ?? "?"
            }
            tap.check(!paths.isEmpty && paths.allSatisfy { $0 == "/" }, "config-linux.md#namespaces: cgroup, the container's cgroup is the root",
                      got: paths.joined(separator: " "), want: "/ everywhere")
        }
    }

    func checkIDMappings() {
        func parse(_ path: String) -> [String] {
            (Sys.readText(path) ?? "").split(separator: "\n").map { Sys.words(String($0)).joined(separator: " ") }.sorted()
        }
        func want(_ list: [LinuxIDMapping]) -> [String] {
            list.map { "\($0.containerID) \($0.hostID) \($0.size)" }.sorted()
        }
        if let uids = linux.uidMappings, !uids.isEmpty {
            tap.equal(parse("/proc/self/uid_map"), want(uids), "config-linux.md#user-namespace-mappings: uid_map")
        }
        if let gids = linux.gidMappings, !gids.isEmpty {
            tap.equal(parse("/proc/self/gid_map"), want(gids), "config-linux.md#user-namespace-mappings: gid_map")
        }
    }

    func checkTimeOffsets() {
        guard let offsets = linux.timeOffsets, !offsets.isEmpty else { return }
        var got: [String: String] = [:]
        for line in (Sys.readText("/proc/self/timens_offsets") ?? "").split(separator: "\n") {
            let w = Sys.words(String(line))
            if w.count == 3 { got[w[0]] = "\(w[1]) \(w[2])" }
        }
        for (clock, offset) in offsets.sorted(by: { $0.key < $1.key }) {
            tap.equal(got[clock] ?? "missing", "\(offset.secs ?? 0) \(offset.nanosecs ?? 0)",
                      "config-linux.md#offset-for-time-namespace: \(clock)")
        }
    }

    /// config-linux.md "Default Devices" and runtime-linux.md "Dev symbolic links".
    func checkDefaultDevices() {
        for (path, major, minor) in Tables.defaultDevices {
            let name = "config-linux.md#default-devices: \(path)"
            guard let st = Sys.statPath(path) else {
                tap.fail(name, "stat: \(Sys.errnoName(errno))")
                continue
            }
            let got = "\(Sys.fileType(st.st_mode)) \(Sys.major(st.st_rdev)):\(Sys.minor(st.st_rdev)) mode \(String(st.st_mode & 0o7777, radix: 8))"
            tap.equal(got, "c \(major):\(minor) mode 666", name)
            if path != "/dev/tty" {
                let fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY)
                let code = fd < 0 ? errno : 0
                if fd >= 0 { close(fd) }
                tap.check(code == 0, "\(name) opens read-write", got: Sys.errnoName(code), want: "success")
            }
        }
        // /dev/ptmx: a symlink to pts/ptmx or a bind mount of /dev/pts/ptmx.
        let ptmxName = "config-linux.md#default-devices: /dev/ptmx is the container's /dev/pts/ptmx"
        if let target = Sys.readLink("/dev/ptmx") {
            tap.check(target == "pts/ptmx" || target == "/dev/pts/ptmx", ptmxName, got: "symlink to \(target)", want: "pts/ptmx")
        } else if let a = Sys.statPath("/dev/ptmx"), let b = Sys.statPath("/dev/pts/ptmx") {
            tap.check(a.st_dev == b.st_dev && a.st_ino == b.st_ino, ptmxName, got: "another file", want: "the same inode")
        } else {
            tap.fail(ptmxName, "missing: \(Sys.errnoName(errno))")
        }
        let links = [("/dev/fd", "/proc/self/fd"), ("/dev/stdin", "/proc/self/fd/0"),
                     ("/dev/stdout", "/proc/self/fd/1"), ("/dev/stderr", "/proc/self/fd/2")]
        for (link, target) in links {
            tap.equal(Sys.readLink(link) ?? "not a symlink (\(Sys.errnoName(errno)))", target,
                      "runtime-linux.md#dev-symbolic-links: \(link)")
        }
    }

    /// linux.devices: the node with its type, numbers, mode and owner; and
    /// whether the device cgroup lets it open.
    func checkDevices() {
        for device in linux.devices ?? [] {
            let name = "config-linux.md#devices: \(device.path)"
            guard let st = Sys.lstatPath(device.path) else {
                tap.fail(name, "missing: \(Sys.errnoName(errno))")
                continue
            }
            let wantType = device.type == "u" ? "c" : device.type
            var got = Sys.fileType(st.st_mode)
            var want = wantType
            if device.type != "p" {
                got += " \(Sys.major(st.st_rdev)):\(Sys.minor(st.st_rdev))"
                want += " \(device.major ?? -1):\(device.minor ?? -1)"
            }
            tap.equal(got, want, "\(name) type and numbers")
            if let mode = device.fileMode {
                tap.equal(String(st.st_mode & 0o7777, radix: 8), String(mode & 0o7777, radix: 8), "\(name) fileMode (octal)")
            }
            if let uid = device.uid { tap.equal(st.st_uid, uid, "\(name) uid") }
            if let gid = device.gid { tap.equal(st.st_gid, gid, "\(name) gid") }
            if device.type != "p" { checkDeviceAccess(device) }
        }
    }

    /// config-linux.md "Allowed Device list": rules apply in order, the last
    /// match decides. Devices the runtime must supply anyway are not judged.
    func checkDeviceAccess(_ device: LinuxDevice) {
        guard let rules = linux.resources?.devices, !rules.isEmpty else { return }
        let type = device.type == "b" ? "b" : "c"
        let isDefault = Tables.defaultDevices.contains { UInt64(device.major ?? -1) == $0.major && UInt64(device.minor ?? -1) == $0.minor }
            || (device.major == 5 && device.minor == 2) || device.major == 136
        if isDefault { return }
        var allowed = true
        for rule in rules {
            let t = rule.type ?? "a"
            guard t == "a" || t == type, rule.major == nil || rule.major == -1 || rule.major == device.major,
                  rule.minor == nil || rule.minor == -1 || rule.minor == device.minor,
                  (rule.access ?? "rwm").contains("r") else { continue }
            allowed = rule.allow
        }
        let fd = open(device.path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        let code = fd < 0 ? errno : 0
        if fd >= 0 { close(fd) }
        let name = "config-linux.md#allowed-device-list: \(device.path) \(type) \(device.major ?? -1):\(device.minor ?? -1) \(allowed ? "may" : "may not") be read"
        if allowed {
            tap.check(code != EPERM, name, got: "EPERM", want: "not EPERM")
        } else {
            tap.check(code == EPERM, name, got: code == 0 ? "opened" : Sys.errnoName(code), want: "EPERM")
        }
    }

    func checkMaskedPaths() {
        for path in linux.maskedPaths ?? [] {
            let name = "config-linux.md#masked-paths: \(path)"
            guard let st = Sys.lstatPath(path) else {
                tap.skip(name, "absent in the container")
                continue
            }
            if Sys.fileType(st.st_mode) == "dir" {
                let entries = Sys.listDirectory(path)
                tap.check(entries?.isEmpty == true, "\(name) directory lists nothing",
                          got: entries.map { $0.prefix(5).joined(separator: ",") } ?? "unreadable", want: "empty")
                let code = Sys.createProbe(inDirectory: path)
                tap.check(code == EROFS, "\(name) directory is read-only", got: code == 0 ? "writable" : Sys.errnoName(code), want: "EROFS")
            } else {
                let bytes = Sys.readBytes(path, limit: 4096)
                tap.check(bytes == nil || bytes!.isEmpty, "\(name) reads nothing", got: "\(bytes?.count ?? 0) bytes", want: "0 bytes")
                tap.equal("\(Sys.fileType(st.st_mode)) \(Sys.major(st.st_rdev)):\(Sys.minor(st.st_rdev))", "c 1:3",
                          "\(name) is /dev/null")
            }
        }
    }

    func checkReadonlyPaths() {
        for path in linux.readonlyPaths ?? [] {
            let name = "config-linux.md#readonly-paths: \(path)"
            guard let st = Sys.lstatPath(path) else {
                tap.skip(name, "absent in the container")
                continue
            }
            let code = Sys.fileType(st.st_mode) == "dir" ? Sys.chownProbe(path) : Sys.writeOpenProbe(path)
            tap.check(code == EROFS, "\(name) write fails with EROFS", got: code == 0 ? "writable" : Sys.errnoName(code), want: "EROFS")
        }
    }

    func checkSysctl() {
        for (key, value) in (linux.sysctl ?? [:]).sorted(by: { $0.key < $1.key }) {
            let path = "/proc/sys/" + key.split(separator: ".").joined(separator: "/")
            let got = Sys.readText(path).map { Sys.words($0).joined(separator: " ") } ?? "unreadable"
            tap.equal(got, Sys.words(value).joined(separator: " "), "config-linux.md#sysctl: \(key)")
        }
    }

    func checkRootfsPropagation() {
        guard let wanted = linux.rootfsPropagation else { return }
        let kind = wanted.hasPrefix("r") ? String(wanted.dropFirst()) : wanted
        let name = "config-linux.md#rootfs-mount-propagation: \(wanted)"
        guard let root = mounts.top(at: "/") else { return tap.fail(name, "no / in mountinfo") }
        let got = root.propagation
        let ok: Bool
        switch kind {
        case "shared": ok = got.contains("shared")
        case "slave": ok = !got.contains("shared") && !got.contains("unbindable")
        case "unbindable": ok = got == "unbindable"
        default: ok = got == "private"
        }
        tap.check(ok, name, got: got + " (\(root.optional.joined(separator: " ")))", want: kind == "slave" ? "slave (not shared)" : kind)
    }

    func checkPersonality() {
        guard let persona = linux.personality else { return }
        let current = rawSyscall(SyscallNumber.personality, 0xffff_ffff, 0, 0, 0, 0)
        let want = persona.domain == "LINUX32" ? 0x0008 : 0x0000
        tap.equal(String(current & 0xff, radix: 16), String(want, radix: 16), "config-linux.md#personality: domain \(persona.domain)")
        if persona.domain == "LINUX32" {
            var u = utsname()
            uname(&u)
            let machine = withUnsafePointer(to: u.machine) { $0.withMemoryRebound(to: CChar.self, capacity: 65) { String(cString: $0) } }
            tap.check(machine.hasPrefix("i") && machine.hasSuffix("86") || machine == "armv8l" || machine == "armv7l",
                      "config-linux.md#personality: uname shows a 32-bit machine", got: machine, want: "i686")
        }
    }

    func checkMemoryPolicy() {
        guard let policy = linux.memoryPolicy else { return }
        let name = "config-linux.md#memory-policy: \(policy.mode)"
        var mode: Int32 = 0
        var mask = [UInt64](repeating: 0, count: 16)
        let rc = mask.withUnsafeMutableBufferPointer { buf in
            withUnsafeMutablePointer(to: &mode) { m in
                rawSyscall(SyscallNumber.getMempolicy, Int(bitPattern: m), Int(bitPattern: buf.baseAddress), 1024, 0, 0)
            }
        }
        guard rc == 0 else { return tap.fail(name, "get_mempolicy: \(Sys.errnoName(errno))") }
        let flagBits = Tables.memoryPolicyFlags.values.reduce(0, |)
        tap.equal(Int(mode) & ~flagBits, Tables.memoryPolicyModes[policy.mode] ?? -1, "\(name) mode")
        let wantFlags = (policy.flags ?? []).reduce(0) { $0 | (Tables.memoryPolicyFlags[$1] ?? 0) }
        if !(policy.flags ?? []).isEmpty {
            tap.equal(Int(mode) & flagBits, wantFlags, "\(name) flags")
        }
        if let nodes = policy.nodes, !nodes.isEmpty, wantFlags & (1 << 14) == 0 {
            var got: [Int] = []
            for bit in 0..<1024 where mask[bit / 64] & (1 << UInt64(bit % 64)) != 0 { got.append(bit) }
            tap.equal(got, Sys.parseList(nodes) ?? [], "\(name) nodes")
        }
    }

    /// config-linux.md "Network Devices": moved, renamed, up, addresses kept.
    func checkNetDevices() {
        for (host, settings) in (linux.netDevices ?? [:]).sorted(by: { $0.key < $1.key }) {
            let inside = settings.name ?? host
            let name = "config-linux.md#network-devices: \(host) as \(inside)"
            guard let flagsText = Sys.readText("/sys/class/net/\(inside)/flags") else {
                tap.fail("\(name) is present", "no /sys/class/net/\(inside)")
                continue
            }
            tap.check(true, "\(name) is present", got: "", want: "")
            let flags = Int(Sys.trimmed(flagsText).dropFirst(2), radix: 16) ?? 0
            tap.check(flags & 1 != 0, "\(name) is up", got: String(flags, radix: 16), want: "IFF_UP set")
            let trie = Sys.readText("/proc/net/fib_trie") ?? ""
            for address in options.netdevAddresses[inside] ?? [] {
                tap.check(trie.contains("|-- \(address)\n"), "\(name) keeps address \(address)", got: "absent", want: "present")
            }
        }
    }
}
