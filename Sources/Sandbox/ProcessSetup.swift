import CShim
import Glibc
import LinuxCore
import OCISpec

/// Attributes of the container process that are plain syscalls on the
/// calling process (the container's init, or an exec'd process).
public enum ProcessSetup {
    public static let rlimitNames: [String: Int32] = [
        "RLIMIT_CPU": 0, "RLIMIT_FSIZE": 1, "RLIMIT_DATA": 2, "RLIMIT_STACK": 3, "RLIMIT_CORE": 4, "RLIMIT_RSS": 5,
        "RLIMIT_NPROC": 6, "RLIMIT_NOFILE": 7, "RLIMIT_MEMLOCK": 8, "RLIMIT_AS": 9, "RLIMIT_LOCKS": 10,
        "RLIMIT_SIGPENDING": 11, "RLIMIT_MSGQUEUE": 12, "RLIMIT_NICE": 13, "RLIMIT_RTPRIO": 14, "RLIMIT_RTTIME": 15,
    ]

    /// process.rlimits. Raising a hard limit needs CAP_SYS_RESOURCE; the
    /// error says what the current hard limit is.
    public static func applyRlimits(_ limits: [POSIXRlimit]) throws(RuntimeError) {
        for limit in limits {
            guard let resource = rlimitNames[limit.type] else {
                throw RuntimeError("process.rlimits: unknown rlimit type \(limit.type.debugDescription)")
            }
            if sl_setrlimit(resource, limit.soft, limit.hard) != 0 {
                let code = currentErrno()
                var soft: UInt64 = 0
                var hard: UInt64 = 0
                _ = sl_getrlimit(resource, &soft, &hard)
                var message = "setrlimit \(limit.type) (soft \(limit.soft), hard \(limit.hard)): \(errnoText(code))"
                if code == EPERM {
                    message += "; the hard limit here is \(hard) and raising it needs CAP_SYS_RESOURCE"
                } else if code == EINVAL && limit.soft > limit.hard {
                    message += "; the soft limit is above the hard limit"
                }
                throw RuntimeError(message, errno: code)
            }
        }
    }

    public static func setHostname(_ name: String) throws(RuntimeError) {
        try sys("sethostname(\(name))") { sethostname(name, name.utf8.count) }
    }

    public static func setDomainname(_ name: String) throws(RuntimeError) {
        try sys("setdomainname(\(name))") { setdomainname(name, name.utf8.count) }
    }

    /// Supplementary groups, then gid, then uid. `setgroupsAllowed` is false
    /// in a user namespace whose setgroups is "deny".
    public static func switchUser(uid: UInt32, gid: UInt32, additionalGids: [UInt32], setgroupsAllowed: Bool) throws(RuntimeError) {
        if setgroupsAllowed {
            var groups = additionalGids.map { gid_t($0) }
            try sys("setgroups(\(additionalGids))") { setgroups(groups.count, &groups) }
        } else if !additionalGids.isEmpty {
            throw RuntimeError("process.user.additionalGids: setgroups is denied in this user namespace")
        }
        try sys("setresgid(\(gid))") { sl_setresgid(gid) }
        try sys("setresuid(\(uid))") { sl_setresuid(uid) }
    }

    /// Changes to the process's cwd and refuses one that resolves outside the
    /// root (a leaked directory fd could do that: CVE-2024-21626).
    public static func enterWorkingDirectory(_ cwd: String) throws(RuntimeError) {
        try sys("chdir to cwd \(cwd)") { chdir(cwd) }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else {
            throw RuntimeError.sys("cwd \(cwd): getcwd", currentErrno())
        }
        let actual = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if !actual.hasPrefix("/") {
            throw RuntimeError("cwd \(cwd) resolves outside the container's root")
        }
    }

    /// Finds the program to exec, the way runc does (Go's exec.LookPath over
    /// the process's own PATH, never the runtime's).
    public static func findExecutable(_ name: String, env: [String]) throws(RuntimeError) -> String {
        if name.contains("/") {
            try checkExecutable(name, shown: name)
            return name
        }
        let pathValue = env.last { $0.hasPrefix("PATH=") }.map { String($0.dropFirst(5)) } ?? ""
        // No PATH (or an empty one) means no search, as with Go's LookPath;
        // an empty entry inside a PATH is the current directory.
        let dirs = pathValue.isEmpty ? [] : pathValue.split(separator: ":", omittingEmptySubsequences: false)
        for dir in dirs {
            let candidate = (dir.isEmpty ? "." : String(dir)) + "/" + name
            if isExecutableFile(candidate) { return candidate }
        }
        throw RuntimeError("exec: \(name.debugDescription): executable file not found in $PATH", errno: ENOENT)
    }

    private static func isExecutableFile(_ path: String) -> Bool {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) != S_IFDIR else { return false }
        return st.st_mode & 0o111 != 0
    }

    private static func checkExecutable(_ path: String, shown: String) throws(RuntimeError) {
        var st = stat()
        if stat(path, &st) != 0 {
            throw RuntimeError("exec: \(shown.debugDescription): \(errnoText(currentErrno()))", errno: currentErrno())
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            throw RuntimeError("exec: \(shown.debugDescription): is a directory", errno: EISDIR)
        }
        if st.st_mode & 0o111 == 0 {
            throw RuntimeError("exec: \(shown.debugDescription): permission denied", errno: EACCES)
        }
    }

    /// Marks every fd from `first` up close-on-exec (CVE-2024-21626: no fd
    /// of the runtime may reach the container).
    public static func closeOnExec(from first: Int32) throws(RuntimeError) {
        try sys("mark fds >= \(first) close-on-exec") { sl_close_range(UInt32(first), UInt32.max, UInt32(SL_CLOSE_RANGE_CLOEXEC)) }
    }

    public static func setNoNewPrivileges() throws(RuntimeError) {
        try sys("prctl(PR_SET_NO_NEW_PRIVS)") { sl_prctl(Int32(SL_PR_SET_NO_NEW_PRIVS), 1, 0, 0, 0) }
    }

    public static func setDumpable(_ on: Bool) throws(RuntimeError) {
        try sys("prctl(PR_SET_DUMPABLE)") { sl_prctl(Int32(SL_PR_SET_DUMPABLE), on ? 1 : 0, 0, 0, 0) }
    }

    /// execve, with the error runc gives when it fails.
    public static func exec(_ path: String, args: [String], env: [String]) -> RuntimeError {
        var cArgs = args.map { strdup($0) }
        cArgs.append(nil)
        var cEnv = env.map { strdup($0) }
        cEnv.append(nil)
        execve(path, &cArgs, &cEnv)
        let code = currentErrno()
        return RuntimeError("exec \(args.first ?? path): \(errnoText(code))", errno: code)
    }
}
