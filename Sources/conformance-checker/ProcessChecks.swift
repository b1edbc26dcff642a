#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import OCISpec

/// config.md "Process", "POSIX process", "Linux process", "User".
extension Checker {
    func checkProcess(_ process: Process) {
        tap.equal(CommandLine.arguments, process.args, "config.md#process: args")
        if let env = process.env {
            let got = Sys.readBytes("/proc/self/environ").map { bytes in
                bytes.split(separator: 0, omittingEmptySubsequences: true).map { String(decoding: $0, as: UTF8.self) }
            } ?? ["<unreadable>"]
            tap.equal(got, env, "config.md#process: env (exactly, in order)")
        }
        let wantCwd = Sys.realPath(process.cwd) ?? process.cwd
        tap.equal(Sys.readLink("/proc/self/cwd") ?? "?", wantCwd, "config.md#process: cwd")
        checkTerminal(process)
        checkUser(process.user)
        for rlimit in process.rlimits ?? [] { checkRlimit(rlimit) }
        if let caps = process.capabilities { checkCapabilities(caps) }
        if let nnp = process.noNewPrivileges {
            tap.equal(Sys.statusField("NoNewPrivs") ?? "?", nnp ? "1" : "0", "config.md#linux-process: noNewPrivileges \(nnp)")
        }
        let oom = Sys.readText("/proc/self/oom_score_adj").map(Sys.trimmed) ?? "?"
        if let adj = process.oomScoreAdj {
            tap.equal(oom, String(adj), "config.md#linux-process: oomScoreAdj")
        } else if let runtime = options.runtimeOOMScoreAdj {
            tap.equal(oom, String(runtime), "config.md#linux-process: oomScoreAdj unset leaves the runtime's value")
        }
        if let scheduler = process.scheduler { checkScheduler(scheduler) }
        if let io = process.ioPriority { checkIOPriority(io) }
    }

    func checkTerminal(_ process: Process) {
        guard let terminal = process.terminal else { return }
        let ttys = (0...2).map { isatty(Int32($0)) == 1 }
        if !terminal {
            tap.equal(ttys, [false, false, false], "config.md#process: terminal false, stdio is not a terminal")
            return
        }
        tap.equal(ttys, [true, true, true], "config.md#process: terminal true, stdio is a terminal")
        // config-linux.md default devices: /dev/console is the pty when terminal is set.
        let console = Sys.statPath("/dev/console")
        let stdin = fstatFD(0)
        tap.check(console != nil && stdin != nil && Sys.fileType(console!.st_mode) == "c" && console!.st_rdev == stdin!.st_rdev,
                  "config-linux.md#default-devices: /dev/console is the terminal",
                  got: console.map { "\(Sys.fileType($0.st_mode)) \(Sys.major($0.st_rdev)):\(Sys.minor($0.st_rdev))" } ?? "missing",
                  want: stdin.map { "c \(Sys.major($0.st_rdev)):\(Sys.minor($0.st_rdev))" } ?? "the pty")
        if let size = process.consoleSize {
            var ws = winsize()
            let rc = ioctl(1, UInt(TIOCGWINSZ), &ws)
            tap.check(rc == 0 && UInt64(ws.ws_row) == size.height && UInt64(ws.ws_col) == size.width,
                      "config.md#process: consoleSize", got: rc == 0 ? "\(ws.ws_row)x\(ws.ws_col)" : Sys.errnoName(errno),
                      want: "\(size.height)x\(size.width)")
        }
    }

    func fstatFD(_ fd: Int32) -> stat? {
        var st = stat()
        return fstat(fd, &st) == 0 ? st : nil
    }

    func checkUser(_ user: User?) {
        let uid = user?.uid ?? 0, gid = user?.gid ?? 0
        // /proc/self/status "Uid:" and "Gid:": real, effective, saved, filesystem.
        let uids = Sys.words(Sys.statusField("Uid") ?? "").prefix(3).compactMap { UInt32($0) }
        tap.equal(uids, [uid, uid, uid], "config.md#user: uid (real, effective, saved)")
        let gids = Sys.words(Sys.statusField("Gid") ?? "").prefix(3).compactMap { UInt32($0) }
        tap.equal(gids, [gid, gid, gid], "config.md#user: gid (real, effective, saved)")
        if let additional = user?.additionalGids {
            let n = getgroups(0, nil)
            var groups = [gid_t](repeating: 0, count: Int(max(n, 0)))
            let got = getgroups(n, &groups)
            let have = Set(groups.prefix(Int(max(got, 0))))
            let want = Set(additional)
            // The primary gid may or may not be listed among the supplementary groups.
            tap.check(have.subtracting([gid]) == want.subtracting([gid]) && want.isSubset(of: have),
                      "config.md#user: additionalGids", got: "\(have.sorted())", want: "\(want.sorted())")
        }
        let umaskText = Sys.statusField("Umask") ?? "?"
        if let umask = user?.umask {
            tap.equal(UInt32(umaskText, radix: 8).map { String($0, radix: 8) } ?? umaskText, String(umask, radix: 8),
                      "config.md#user: umask (octal)")
        } else if let runtime = options.runtimeUmask {
            tap.equal(UInt32(umaskText, radix: 8).map { String($0, radix: 8) } ?? umaskText, String(runtime, radix: 8),
                      "config.md#user: umask unset keeps the caller's (SHOULD)")
        }
    }

    func checkRlimit(_ limit: POSIXRlimit) {
        let name = "config.md#posix-process: rlimit \(limit.type)"
        guard let resource = Tables.rlimits[limit.type] else { return tap.skip(name, "unknown to the checker") }
        var rl = rlimit()
        guard getrlimit(__rlimit_resource_t(UInt32(resource)), &rl) == 0 else {
            return tap.fail(name, "getrlimit: \(Sys.errnoName(errno))")
        }
        tap.equal("soft \(rl.rlim_cur) hard \(rl.rlim_max)", "soft \(limit.soft) hard \(limit.hard)", name)
    }

    func checkCapabilities(_ caps: LinuxCapabilities) {
        func mask(_ names: [String]?) -> UInt64 {
            (names ?? []).reduce(0) { acc, name in Tables.capabilities[name].map { acc | (1 << UInt64($0)) } ?? acc }
        }
        func have(_ field: String) -> UInt64 { Sys.statusField(field).flatMap { UInt64($0, radix: 16) } ?? ~0 }
        // Capabilities the runtime does not hold cannot be granted (a warning, not an error).
        let grantable = options.runtimeBounding ?? ~0
        let bounding = mask(caps.bounding) & grantable
        let permitted = mask(caps.permitted) & grantable
        let inheritable = mask(caps.inheritable) & grantable
        let sets: [(String, [String]?, String, UInt64)] = [
            ("bounding", caps.bounding, "CapBnd", bounding),
            ("effective", caps.effective, "CapEff", mask(caps.effective) & grantable),
            ("permitted", caps.permitted, "CapPrm", permitted),
            ("inheritable", caps.inheritable, "CapInh", inheritable),
            // The kernel only keeps ambient capabilities that are permitted and inheritable.
            ("ambient", caps.ambient, "CapAmb", mask(caps.ambient) & permitted & inheritable),
        ]
        for (set, names, field, want) in sets where names != nil {
            let got = have(field)
            tap.check(got == want, "config.md#linux-process: capabilities \(set)",
                      got: Tables.capabilityNames(got).joined(separator: ","), want: Tables.capabilityNames(want).joined(separator: ","))
        }
    }

    /// /proc/self/stat: field 19 nice, 40 rt_priority, 41 policy.
    func checkScheduler(_ scheduler: Scheduler) {
        guard let stat = Sys.readText("/proc/self/stat"), let close = stat.lastIndex(of: ")") else {
            return tap.fail("config.md#linux-process: scheduler", "/proc/self/stat unreadable")
        }
        let fields = Sys.words(String(stat[stat.index(after: close)...]))  // fields[0] is field 3 (state)
        func field(_ n: Int) -> String { fields.count > n - 3 ? fields[n - 3] : "?" }
        tap.equal(field(41), Tables.schedulerPolicies[scheduler.policy].map(String.init) ?? scheduler.policy,
                  "config.md#linux-process: scheduler policy \(scheduler.policy)")
        let policy = scheduler.policy
        if policy == "SCHED_OTHER" || policy == "SCHED_BATCH" || policy == "SCHED_IDLE" {
            if policy != "SCHED_IDLE" {
                tap.equal(field(19), String(scheduler.nice ?? 0), "config.md#linux-process: scheduler nice")
            }
        } else if policy == "SCHED_FIFO" || policy == "SCHED_RR" {
            tap.equal(field(40), String(scheduler.priority ?? 0), "config.md#linux-process: scheduler priority")
        }
    }

    func checkIOPriority(_ io: IOPriority) {
        let name = "config.md#linux-process: ioPriority \(io.class) \(io.priority ?? 0)"
        let value = rawSyscall(SyscallNumber.ioprioGet, 1 /* IOPRIO_WHO_PROCESS */, 0, 0, 0, 0)
        guard value >= 0 else { return tap.fail(name, "ioprio_get: \(Sys.errnoName(errno))") }
        let got = "class \(value >> 13) priority \(value & 0x1fff)"
        tap.equal(got, "class \(Tables.ioPriorityClasses[io.class] ?? -1) priority \(io.priority ?? 0)", name)
    }
}
