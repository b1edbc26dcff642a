#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import OCISpec

/// What the driver saw on the host, passed as --NAME=VALUE arguments.
struct HostFacts {
    var runtimeNamespaces: [String: UInt64] = [:]
    var joinedNamespaces: [String: UInt64] = [:]
    var runtimeBounding: UInt64?
    var runtimeOOMScoreAdj: Int?
    var runtimeUmask: UInt32?
    var rootMarker: String?
    var bindMarkers: [String: (token: String, uid: UInt32?, gid: UInt32?)] = [:]
    var submounts: [String: Int] = [:]
    var netdevAddresses: [String: [String]] = [:]

    init(_ args: [String]) {
        for arg in args {
            guard arg.hasPrefix("--"), let eq = arg.firstIndex(of: "=") else { continue }
            let name = String(arg[arg.index(arg.startIndex, offsetBy: 2)..<eq])
            let value = String(arg[arg.index(after: eq)...])
            let parts = value.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            switch name {
            case "runtime-ns" where parts.count == 2: runtimeNamespaces[parts[0]] = UInt64(parts[1])
            case "join-ns" where parts.count == 2: joinedNamespaces[parts[0]] = UInt64(parts[1])
            case "runtime-capbnd": runtimeBounding = UInt64(value, radix: 16)
            case "runtime-oom": runtimeOOMScoreAdj = Int(value)
            case "runtime-umask": runtimeUmask = UInt32(value, radix: 8)
            case "root-marker": rootMarker = value
            case "bind-marker" where parts.count >= 2:
                bindMarkers[parts[0]] = (parts[1], parts.count > 2 ? UInt32(parts[2]) : nil,
                                         parts.count > 3 ? UInt32(parts[3]) : nil)
            case "submounts" where parts.count == 2: submounts[parts[0]] = Int(parts[1])
            case "netdev-addr" where parts.count == 2: netdevAddresses[parts[0], default: []].append(parts[1])
            default: break
            }
        }
    }
}

/// Every check, grouped by the spec section it verifies. Each check prints
/// one TAP line named "<document>#<section>: <what>".
struct Checker {
    let spec: Spec
    let options: HostFacts
    let tap: TAP
    let inheritedFDs: [Int32: String]?
    let mounts = MountInfo.load()

    var linux: Linux { spec.linux ?? Linux() }

    func run() {
        checkFileDescriptors()
        if let process = spec.process { checkProcess(process) }
        checkHostnames()
        checkRoot()
        checkMounts()
        checkNamespaces()
        checkIDMappings()
        checkTimeOffsets()
        checkDefaultDevices()
        checkDevices()
        checkMaskedPaths()
        checkReadonlyPaths()
        checkSysctl()
        checkRootfsPropagation()
        checkCgroups()
        checkSeccomp()
        checkPersonality()
        checkMemoryPolicy()
        checkNetDevices()
    }

    /// runtime-linux.md: only stdin, stdout and stderr stay open by default.
    func checkFileDescriptors() {
        let name = "runtime-linux.md#file-descriptors: only 0, 1 and 2 are open"
        guard let fds = inheritedFDs else { return tap.skip(name, "/proc/self/fd not readable") }
        let extra = fds.filter { $0.key > 2 }.sorted { $0.key < $1.key }
        tap.check(extra.isEmpty, name, got: extra.map { "\($0.key)->\($0.value)" }.joined(separator: " "), want: "none above 2")
    }

    func checkHostnames() {
        if let hostname = spec.hostname {
            let got = Sys.readText("/proc/sys/kernel/hostname").map(Sys.trimmed) ?? "?"
            tap.equal(got, hostname, "config.md#hostname: hostname")
        }
        if let domainname = spec.domainname {
            let got = Sys.readText("/proc/sys/kernel/domainname").map(Sys.trimmed) ?? "?"
            tap.equal(got, domainname, "config.md#domainname: domainname")
        }
    }

    /// config.md root: the right directory, read-only when asked.
    func checkRoot() {
        if let token = options.rootMarker {
            let got = Sys.readText("/.conformance-marker").map(Sys.trimmed) ?? "missing"
            tap.equal(got, token, "config.md#root: / is root.path (\(spec.root.path.hasPrefix("/") ? "absolute" : "relative"))")
        }
        guard let readonly = spec.root.readonly else { return }
        if readonly {
            let code = Sys.createProbe(inDirectory: "/")
            tap.check(code == EROFS, "config.md#root: readonly, creating a file in / fails with EROFS",
                      got: code == 0 ? "created" : Sys.errnoName(code), want: "EROFS")
        } else {
            let root = mounts.top(at: "/")
            tap.check(root?.options.contains("rw") == true, "config.md#root: readonly false, / is mounted rw",
                      got: root.map { $0.options.sorted().joined(separator: ",") } ?? "no / in mountinfo", want: "rw")
        }
    }
}
