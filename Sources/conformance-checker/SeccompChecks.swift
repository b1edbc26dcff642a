#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import OCISpec

extension Checker {
    /// Harmless calls, made with the raw syscall so no libc wrapper picks a
    /// different one. Each returns the errno, or 0 on success.
    private var probes: [String: () -> Int32] {
        func call(_ n: Int, _ a: Int = 0, _ b: Int = 0, _ c: Int = 0) -> Int32 {
            guard n >= 0 else { return ENOSYS }
            return rawSyscall(n, a, b, c, 0, 0) < 0 ? errno : 0
        }
        let scratch = "/tmp/.conformance-seccomp-\(getpid())"
        let missing = "/.conformance-no-such-file"
        return [
            "getcwd": {
                var buf = [UInt8](repeating: 0, count: 4096)
                return buf.withUnsafeMutableBytes { call(SyscallNumber.getcwd, Int(bitPattern: $0.baseAddress), $0.count) }
            },
            "uname": {
                var u = utsname()
                return withUnsafeMutablePointer(to: &u) { call(SyscallNumber.uname, Int(bitPattern: $0)) }
            },
            "mkdir": {
                let code = scratch.withCString { call(SyscallNumber.mkdir, Int(bitPattern: $0), 0o700) }
                if code == 0 { rmdir(scratch) }
                return code
            },
            "mkdirat": {
                let code = scratch.withCString { call(SyscallNumber.mkdirat, Int(AT_FDCWD), Int(bitPattern: $0), 0o700) }
                if code == 0 { rmdir(scratch) }
                return code
            },
            "chmod": { missing.withCString { call(SyscallNumber.chmod, Int(bitPattern: $0), 0o644) } },
            "fchmodat": { missing.withCString { call(SyscallNumber.fchmodat, Int(AT_FDCWD), Int(bitPattern: $0), 0o644) } },
            "getppid": { call(SyscallNumber.getppid) },
        ]
    }

    /// config-linux.md "Seccomp": a filter is installed; calls a rule sends
    /// to SCMP_ACT_ERRNO fail with its errnoRet (EPERM by default).
    func checkSeccomp() {
        guard let seccomp = linux.seccomp else { return }
        tap.equal(Sys.statusField("Seccomp") ?? "?", "2", "config-linux.md#seccomp: a filter is installed (Seccomp: 2)")
        var covered: Set<String> = []
        let probes = self.probes
        for rule in seccomp.syscalls ?? [] {
            for name in rule.names { covered.insert(name) }
            guard rule.action == "SCMP_ACT_ERRNO" else { continue }
            let want = Int32(rule.errnoRet ?? UInt32(EPERM))
            for name in rule.names {
                let label = "config-linux.md#seccomp: \(name) fails with errnoRet \(Sys.errnoName(want))"
                guard let probe = probes[name] else {
                    tap.skip(label, "not a syscall the checker can make safely")
                    continue
                }
                if !(rule.args ?? []).isEmpty {
                    tap.skip(label, "the rule matches arguments")
                    continue
                }
                let got = probe()
                tap.check(got == want, label, got: got == 0 ? "success" : Sys.errnoName(got), want: Sys.errnoName(want))
            }
        }
        if seccomp.defaultAction == "SCMP_ACT_ERRNO" {
            let want = Int32(seccomp.defaultErrnoRet ?? UInt32(EPERM))
            for (name, probe) in probes.sorted(by: { $0.key < $1.key }) where !covered.contains(name) {
                let got = probe()
                tap.check(got == want, "config-linux.md#seccomp: \(name) gets defaultAction errno \(Sys.errnoName(want))",
                          got: got == 0 ? "success" : Sys.errnoName(got), want: Sys.errnoName(want))
            }
        }
    }
}
