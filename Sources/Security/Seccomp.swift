import CSeccomp
import CShim
import Glibc
import LinuxCore
import OCISpec

/// linux.seccomp compiled with libseccomp into a classic BPF program, which
/// the container's init loads itself with seccomp(2). Compiling happens in
/// the runtime before the clone, so a bad profile fails before anything
/// exists; loading our own program lets every kernel flag through whatever
/// the libseccomp version knows.
public struct SeccompProgram: Sendable, Equatable {
    /// struct sock_filter array.
    public var bpf: [UInt8]
    /// SECCOMP_FILTER_FLAG_* for seccomp(2).
    public var flags: UInt32
    /// The profile has SCMP_ACT_NOTIFY rules: loading returns a listener fd.
    public var notify: Bool
    public var listenerPath: String?
    public var listenerMetadata: String?

    // SCMP_ACT_* values (seccomp.h macros Swift cannot import).
    static let actKillThread: UInt32 = 0x0000_0000
    static let actKillProcess: UInt32 = 0x8000_0000
    static let actTrap: UInt32 = 0x0003_0000
    static let actErrno: UInt32 = 0x0005_0000
    static let actTrace: UInt32 = 0x7ff0_0000
    static let actLog: UInt32 = 0x7ffc_0000
    static let actAllow: UInt32 = 0x7fff_0000
    static let actNotify: UInt32 = 0x7fc0_0000

    static let filterFlags: [String: UInt32] = [
        "SECCOMP_FILTER_FLAG_TSYNC": 1, "SECCOMP_FILTER_FLAG_LOG": 2, "SECCOMP_FILTER_FLAG_SPEC_ALLOW": 4,
        "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV": 32,
    ]
    static let newListenerFlag: UInt32 = 8
    /// With a listener, TSYNC must report a thread it cannot sync as ESRCH.
    static let tsyncESRCHFlag: UInt32 = 16

    static let operators: [String: scmp_compare] = [
        "SCMP_CMP_NE": SCMP_CMP_NE, "SCMP_CMP_LT": SCMP_CMP_LT, "SCMP_CMP_LE": SCMP_CMP_LE, "SCMP_CMP_EQ": SCMP_CMP_EQ,
        "SCMP_CMP_GE": SCMP_CMP_GE, "SCMP_CMP_GT": SCMP_CMP_GT, "SCMP_CMP_MASKED_EQ": SCMP_CMP_MASKED_EQ,
    ]

    /// The spec's architecture names to libseccomp's.
    static let architectures: [String: String] = [
        "SCMP_ARCH_X86": "x86", "SCMP_ARCH_X86_64": "x86_64", "SCMP_ARCH_X32": "x32", "SCMP_ARCH_ARM": "arm",
        "SCMP_ARCH_AARCH64": "aarch64", "SCMP_ARCH_MIPS": "mips", "SCMP_ARCH_MIPS64": "mips64",
        "SCMP_ARCH_MIPS64N32": "mips64n32", "SCMP_ARCH_MIPSEL": "mipsel", "SCMP_ARCH_MIPSEL64": "mipsel64",
        "SCMP_ARCH_MIPSEL64N32": "mipsel64n32", "SCMP_ARCH_PPC": "ppc", "SCMP_ARCH_PPC64": "ppc64",
        "SCMP_ARCH_PPC64LE": "ppc64le", "SCMP_ARCH_S390": "s390", "SCMP_ARCH_S390X": "s390x",
        "SCMP_ARCH_PARISC": "parisc", "SCMP_ARCH_PARISC64": "parisc64", "SCMP_ARCH_RISCV64": "riscv64",
        "SCMP_ARCH_LOONGARCH64": "loongarch64", "SCMP_ARCH_M68K": "m68k", "SCMP_ARCH_SH": "sh", "SCMP_ARCH_SHEB": "sheb",
    ]

    public static let actionNames = ["SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
                                     "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP"]
    public static var operatorNames: [String] { operators.keys.sorted() }
    /// The architectures this libseccomp knows (features lists no others).
    public static var architectureNames: [String] {
        architectures.filter { seccomp_arch_resolve_name($0.value) != 0 }.keys.sorted()
    }
    public static var flagNames: [String] { filterFlags.keys.sorted() }

    /// Flags this kernel accepts.
    public static var supportedFlagNames: [String] {
        filterFlags.filter { name, bit in
            // WAIT_KILLABLE_RECV is only accepted together with a listener.
            sl_seccomp_flags_supported(name == "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV" ? bit | newListenerFlag : bit) == 1
        }.keys.sorted()
    }

    /// libseccomp's version, "2.5.4".
    public static var libraryVersion: String {
        guard let v = seccomp_version() else { return "unknown" }
        return "\(v.pointee.major).\(v.pointee.minor).\(v.pointee.micro)"
    }

    /// Highest syscall number the "newer than the profile" ENOSYS rule covers.
    static let enosysCeiling: Int32 = 1023

    public static func action(_ name: String, errnoRet: UInt32?, defaultErrno: UInt32, field: String) throws(RuntimeError) -> UInt32 {
        let errno = (errnoRet ?? defaultErrno) & 0xffff
        switch name {
        case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD": return actKillThread
        case "SCMP_ACT_KILL_PROCESS": return actKillProcess
        case "SCMP_ACT_TRAP": return actTrap
        case "SCMP_ACT_ERRNO": return actErrno | errno
        case "SCMP_ACT_TRACE": return actTrace | errno
        case "SCMP_ACT_ALLOW": return actAllow
        case "SCMP_ACT_LOG": return actLog
        case "SCMP_ACT_NOTIFY": return actNotify
        default: throw RuntimeError("\(field): unknown seccomp action \(name.debugDescription)")
        }
    }

    /// Compiles a profile. Unknown syscall names are skipped (runc does the
    /// same: profiles list syscalls of newer kernels); unknown actions,
    /// operators, architectures and flags are errors.
    public static func compile(_ profile: LinuxSeccomp, warn: (String) -> Void = { _ in }) throws(RuntimeError) -> SeccompProgram {
        let f = "linux.seccomp"
        let defaultErrno = profile.defaultErrnoRet ?? UInt32(EPERM)
        let defaultAction = try action(profile.defaultAction, errnoRet: profile.defaultErrnoRet, defaultErrno: UInt32(EPERM),
                                       field: "\(f).defaultAction")
        guard let context = seccomp_init(defaultAction) else {
            throw RuntimeError("\(f): seccomp_init failed (is the default action supported by libseccomp?)")
        }
        defer { seccomp_release(context) }
        for name in profile.architectures ?? [] {
            guard let libName = architectures[name] else {
                throw RuntimeError("\(f).architectures: unknown architecture \(name.debugDescription)")
            }
            let token = seccomp_arch_resolve_name(libName)
            guard token != 0 else { throw RuntimeError("\(f).architectures: libseccomp does not know \(name)") }
            let r = seccomp_arch_add(context, token)
            if r < 0 && r != -EEXIST { throw RuntimeError("\(f).architectures: add \(name): \(errnoText(-r))") }
        }
        var flags: UInt32 = 0
        for name in profile.flags ?? [] {
            guard let bit = filterFlags[name] else { throw RuntimeError("\(f).flags: unknown flag \(name.debugDescription)") }
            flags |= bit
        }
        // Our program is loaded by us, after no_new_privs or with CAP_SYS_ADMIN.
        _ = seccomp_attr_set(context, SCMP_FLTATR_CTL_NNP, 0)

        var notify = false
        var highest: Int32 = -1
        var mentioned = Set<Int32>()
        for (index, rule) in (profile.syscalls ?? []).enumerated() {
            let field = "\(f).syscalls[\(index)]"
            let value = try action(rule.action, errnoRet: rule.errnoRet, defaultErrno: defaultErrno, field: "\(field).action")
            if rule.action == "SCMP_ACT_NOTIFY" { notify = true }
            var conditions = [scmp_arg_cmp]()
            for (argIndex, arg) in (rule.args ?? []).enumerated() {
                guard let op = operators[arg.op] else {
                    throw RuntimeError("\(field).args[\(argIndex)].op: unknown operator \(arg.op.debugDescription)")
                }
                guard arg.index < 6 else { throw RuntimeError("\(field).args[\(argIndex)].index: \(arg.index) is not 0...5") }
                conditions.append(scmp_arg_cmp(arg: UInt32(arg.index), op: op, datum_a: arg.value, datum_b: arg.valueTwo ?? 0))
            }
            for name in rule.names {
                let number = seccomp_syscall_resolve_name(name)
                if number == __NR_SCMP_ERROR {
                    continue  // a syscall this libseccomp (or arch) does not know
                }
                mentioned.insert(number)
                if number >= 0 { highest = max(highest, number) }
                // A rule with the default action is a no-op libseccomp refuses.
                if value == defaultAction { continue }
                try addRule(context, value, number, conditions, field: "\(field) (\(name))")
            }
        }
        if defaultAction != actAllow && defaultAction != actLog && highest >= 0 {
            // Syscalls newer than anything the profile names get ENOSYS, not
            // the default errno, so that libc falls back to older calls.
            let enosys = actErrno | UInt32(ENOSYS)
            if enosys != defaultAction {
                var number = highest + 1
                while number <= enosysCeiling {
                    if !mentioned.contains(number) { _ = seccomp_rule_add_array(context, enosys, number, 0, nil) }
                    number += 1
                }
            }
        }
        if notify {
            guard let path = profile.listenerPath, !path.isEmpty else {
                throw RuntimeError("\(f).listenerPath: SCMP_ACT_NOTIFY needs a listener socket")
            }
            flags |= newListenerFlag
            if flags & filterFlags["SECCOMP_FILTER_FLAG_TSYNC", default: 0] != 0 { flags |= tsyncESRCHFlag }
        } else {
            // WAIT_KILLABLE_RECV changes how notified syscalls wait; the
            // kernel refuses it on a filter without a listener.
            flags &= ~filterFlags["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", default: 0]
        }
        return SeccompProgram(bpf: try export(context), flags: flags, notify: notify,
                              listenerPath: profile.listenerPath, listenerMetadata: profile.listenerMetadata)
    }

    /// Conditions on distinct arguments are ANDed in one rule; libseccomp
    /// cannot repeat an argument in one rule, so repeated ones become one
    /// rule each (ORed), as runc does.
    static func addRule(_ context: scmp_filter_ctx, _ action: UInt32, _ number: Int32, _ conditions: [scmp_arg_cmp], field: String) throws(RuntimeError) {
        let indexes = conditions.map(\.arg)
        let groups: [[scmp_arg_cmp]] = Set(indexes).count == indexes.count ? [conditions] : conditions.map { [$0] }
        for group in groups {
            var list = group
            let r = seccomp_rule_add_array(context, action, number, UInt32(list.count), &list)
            if r < 0 {
                throw RuntimeError("\(field): add seccomp rule: \(errnoText(-r))", errno: -r)
            }
        }
    }

    static func export(_ context: scmp_filter_ctx) throws(RuntimeError) -> [UInt8] {
        let fd = try sys("memfd for seccomp program") { sl_memfd("seccomp") }
        defer { close(fd) }
        let r = seccomp_export_bpf(context, fd)
        if r < 0 { throw RuntimeError("linux.seccomp: export the compiled filter: \(errnoText(-r))") }
        lseek(fd, 0, SEEK_SET)
        return try FileIO.read(fd: fd, name: "seccomp program")
    }

    /// Installs the filter on the calling process. Returns the notify
    /// listener fd when the profile has SCMP_ACT_NOTIFY.
    public func load() throws(RuntimeError) -> Int32? {
        let r = bpf.withUnsafeBytes { sl_seccomp_load($0.baseAddress, $0.count, flags) }
        if r < 0 {
            let code = currentErrno()
            var message = "load seccomp filter: \(errnoText(code))"
            if code == EINVAL && flags & ~(Self.newListenerFlag | Self.tsyncESRCHFlag) != 0 {
                message += " (a flag in linux.seccomp.flags is not supported by this kernel)"
            }
            throw RuntimeError(message, errno: code)
        }
        return notify ? r : nil
    }
}
