import CSeccomp
import CShim
import Glibc
import LinuxCore
import OCISpec
import Testing
@testable import Security

@Suite struct SeccompCompileTests {
    func profile(_ defaultAction: String = "SCMP_ACT_ALLOW", _ syscalls: [LinuxSyscall] = [], flags: [String]? = nil,
                 architectures: [String]? = ["SCMP_ARCH_X86_64"]) -> LinuxSeccomp {
        LinuxSeccomp(defaultAction: defaultAction, architectures: architectures, flags: flags, syscalls: syscalls)
    }

    func failure(_ body: () throws -> Void) -> String? {
        do { try body(); return nil } catch { return "\(error)" }
    }

    @Test func compilesToWholeBPFInstructions() throws {
        let program = try SeccompProgram.compile(profile("SCMP_ACT_ALLOW", [LinuxSyscall(names: ["mkdir"], action: "SCMP_ACT_ERRNO")]))
        #expect(!program.bpf.isEmpty)
        #expect(program.bpf.count % 8 == 0, "struct sock_filter is 8 bytes")
        #expect(!program.notify)
        #expect(program.flags == 0)
    }

    @Test func actionsAndErrnos() throws {
        #expect(try SeccompProgram.action("SCMP_ACT_ERRNO", errnoRet: 13, defaultErrno: 1, field: "x") == 0x0005_000d)
        #expect(try SeccompProgram.action("SCMP_ACT_ERRNO", errnoRet: nil, defaultErrno: 1, field: "x") == 0x0005_0001)
        #expect(try SeccompProgram.action("SCMP_ACT_TRACE", errnoRet: 38, defaultErrno: 1, field: "x") == 0x7ff0_0026)
        #expect(try SeccompProgram.action("SCMP_ACT_KILL_PROCESS", errnoRet: nil, defaultErrno: 1, field: "x") == 0x8000_0000)
        #expect(try SeccompProgram.action("SCMP_ACT_NOTIFY", errnoRet: nil, defaultErrno: 1, field: "x") == 0x7fc0_0000)
        #expect(failure { _ = try SeccompProgram.action("SCMP_ACT_NOPE", errnoRet: nil, defaultErrno: 1, field: "linux.seccomp.syscalls[2].action") }
            == #"linux.seccomp.syscalls[2].action: unknown seccomp action "SCMP_ACT_NOPE""#)
    }

    @Test func featuresListsOnlyArchitecturesLibseccompKnows() throws {
        let names = SeccompProgram.architectureNames
        #expect(names.contains("SCMP_ARCH_X86_64") && names.contains("SCMP_ARCH_AARCH64"))
        for name in names {
            #expect(seccomp_arch_resolve_name(try #require(SeccompProgram.architectures[name])) != 0, "\(name)")
        }
        // Little-endian ones combine with this host's; a name missing from
        // libseccomp 2.5 is never listed.
        _ = try SeccompProgram.compile(profile(architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_AARCH64"]))
        if seccomp_arch_resolve_name("loongarch64") == 0 { #expect(!names.contains("SCMP_ARCH_LOONGARCH64")) }
    }

    @Test func tsyncWithAListenerAsksForESRCH() throws {
        let notify = LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW", flags: ["SECCOMP_FILTER_FLAG_TSYNC"], listenerPath: "/run/agent.sock",
                                  syscalls: [LinuxSyscall(names: ["mkdir"], action: "SCMP_ACT_NOTIFY")])
        #expect(try SeccompProgram.compile(notify).flags == 1 | 8 | 16)
        var plain = notify
        plain.syscalls = [LinuxSyscall(names: ["mkdir"], action: "SCMP_ACT_ERRNO")]
        #expect(try SeccompProgram.compile(plain).flags == 1)
    }

    @Test func errorsNameTheField() {
        #expect(failure { _ = try SeccompProgram.compile(profile(architectures: ["SCMP_ARCH_Z80"])) }
            == #"linux.seccomp.architectures: unknown architecture "SCMP_ARCH_Z80""#)
        #expect(failure { _ = try SeccompProgram.compile(profile(flags: ["SECCOMP_FILTER_FLAG_NOPE"])) }
            == #"linux.seccomp.flags: unknown flag "SECCOMP_FILTER_FLAG_NOPE""#)
        let badOp = LinuxSyscall(names: ["chmod"], action: "SCMP_ACT_ERRNO", args: [LinuxSeccompArg(index: 1, value: 1, op: "SCMP_CMP_MAYBE")])
        #expect(failure { _ = try SeccompProgram.compile(profile("SCMP_ACT_ALLOW", [badOp])) }
            == #"linux.seccomp.syscalls[0].args[0].op: unknown operator "SCMP_CMP_MAYBE""#)
        let notify = LinuxSyscall(names: ["mkdir"], action: "SCMP_ACT_NOTIFY")
        #expect(failure { _ = try SeccompProgram.compile(profile("SCMP_ACT_ALLOW", [notify])) }
            == "linux.seccomp.listenerPath: SCMP_ACT_NOTIFY needs a listener socket")
    }

    @Test func notifyAsksForAListener() throws {
        var p = profile("SCMP_ACT_ALLOW", [LinuxSyscall(names: ["mkdir"], action: "SCMP_ACT_NOTIFY")], flags: ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"])
        p.listenerPath = "/run/agent.sock"
        let program = try SeccompProgram.compile(p)
        #expect(program.notify)
        #expect(program.flags == 8 | 32, "NEW_LISTENER and WAIT_KILLABLE_RECV")
    }

    @Test func waitKillableWithoutAListenerIsDropped() throws {
        let program = try SeccompProgram.compile(profile(flags: ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]))
        #expect(program.flags == 2)
    }

    @Test func unknownSyscallNamesAreSkippedAndRepeatedArgumentsSplit() throws {
        let rules = [
            LinuxSyscall(names: ["not_a_syscall", "mkdir"], action: "SCMP_ACT_ERRNO"),
            LinuxSyscall(names: ["personality"], action: "SCMP_ACT_ALLOW",
                         args: [LinuxSeccompArg(index: 0, value: 0, op: "SCMP_CMP_EQ"), LinuxSeccompArg(index: 0, value: 8, op: "SCMP_CMP_EQ")]),
        ]
        _ = try SeccompProgram.compile(profile("SCMP_ACT_ERRNO", rules))
    }

    @Test func denyingProfilesGetTheEnosysRule() throws {
        let narrow = try SeccompProgram.compile(profile("SCMP_ACT_ERRNO", [LinuxSyscall(names: ["read", "write"], action: "SCMP_ACT_ALLOW")]))
        let allowing = try SeccompProgram.compile(profile("SCMP_ACT_ALLOW", [LinuxSyscall(names: ["read", "write"], action: "SCMP_ACT_ERRNO")]))
        #expect(narrow.bpf.count > allowing.bpf.count * 4, "hundreds of ENOSYS rules above write(1)")
    }
}

@Suite struct LSMAttributeTests {
    func withDirectory(_ body: (Int32, String) throws -> Void) throws {
        var template = Array("/tmp/swiftlet-lsm-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        let dir = String(cString: try #require(made))
        defer { try? FileIO.removeTree(dir) }
        try FileIO.makeDirectories(dir + "/self/attr/apparmor")
        let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        try #require(fd >= 0)
        defer { close(fd) }
        try body(fd, dir)
    }

    @Test func appArmorValue() {
        #expect(LSM.appArmorExecValue("docker-default") == "exec docker-default")
    }

    @Test func writesTheAttributeBelowTheDirectory() throws {
        try withDirectory { fd, dir in
            close(open(dir + "/self/attr/apparmor/exec", O_WRONLY | O_CREAT, 0o600))
            try LSM.writeAttribute(under: fd, "self/attr/apparmor/exec", "exec my-profile")
            #expect(try FileIO.readString(dir + "/self/attr/apparmor/exec") == "exec my-profile")
        }
    }

    @Test func refusesASymlinkedAttribute() throws {
        try withDirectory { fd, dir in
            let victim = dir + "/victim"
            close(open(victim, O_WRONLY | O_CREAT, 0o600))
            symlink(victim, dir + "/self/attr/exec")
            var message = ""
            do {
                try LSM.writeAttribute(under: fd, "self/attr/exec", "system_u:system_r:container_t:s0")
            } catch {
                message = "\(error)"
            }
            #expect(message.hasPrefix("open /proc/self/attr/exec:"))
            let content = try FileIO.readString(victim)
            #expect(content == "", "the write did not follow the symlink")
        }
    }

    @Test func theHostHasNeitherLSMSoRequestsAreRefused() {
        if LSM.appArmorEnabled || LSM.selinuxEnabled { return }
        var messages = [String]()
        for (a, s, m) in [("p", nil, nil), (nil, "l", nil), (nil, nil, "m")] as [(String?, String?, String?)] {
            do { try LSM.check(apparmorProfile: a, selinuxLabel: s, mountLabel: m) } catch { messages.append("\(error)") }
        }
        #expect(messages.count == 3)
        #expect(messages[0].hasPrefix("process.apparmorProfile"))
        #expect(messages[1].hasPrefix("process.selinuxLabel"))
        #expect(messages[2].hasPrefix("linux.mountLabel"))
    }
}
