import CShim
import Glibc
import LinuxCore
import OCISpec
import Sandbox
import Security

/// Turns the calling process, already in the container's namespaces and
/// root, into the program `process` describes: the steps the container's
/// init and an exec'd process share.
///
/// Order: rlimits, scheduler/ioprio/personality/memory policy,
/// no_new_privs, close-on-exec of every fd past stdio and the passed ones,
/// seccomp (here without no_new_privs: loading needs CAP_SYS_ADMIN), the
/// bounding set, the user, the other capability sets, cwd, and the
/// executable's lookup. What is left (LSM label, a late seccomp filter,
/// umask, signals, execve) is `Ready`.
struct ProcessLaunch {
    var process: Process
    var env: [String]
    var capabilities: CapabilitySets
    var details: ProcessDetails
    var seccomp: SeccompProgram?
    /// fds 3..<3+extraFDs go to the program.
    var extraFDs: Int32
    var callerUmask: mode_t

    struct Ready {
        var path: String
        var args: [String]
        var env: [String]
        var umask: mode_t
        /// With noNewPrivileges, the filter is loaded as late as possible.
        var lateSeccomp: SeccompProgram?
        var apparmorProfile: String?
        var selinuxLabel: String?

        /// The steps that may still fail: the LSM label for the next exec and
        /// a late seccomp filter.
        func lastSteps() throws(RuntimeError) {
            try LSM.applyOnExec(apparmorProfile: apparmorProfile, selinuxLabel: selinuxLabel)
            _ = try lateSeccomp?.load()
        }

        /// Resets umask and signals, then execve. Returns only on failure.
        func exec() -> RuntimeError {
            Glibc.umask(umask)
            _ = sl_reset_signal_dispositions()
            _ = sl_unblock_all_signals()
            return ProcessSetup.exec(path, args: args, env: env)
        }
    }

    /// `inCgroups` returns once the process is in the container's cgroups:
    /// a real-time policy needs the cgroup's budget, a memory policy its
    /// cpuset. `sendListener` passes a seccomp notify fd on to the runtime.
    func prepare(inCgroups: () throws(RuntimeError) -> Void,
                 sendListener: (Int32) throws(RuntimeError) -> Void) throws(RuntimeError) -> Ready {
        let user = process.user
        try ProcessSetup.applyRlimits(process.rlimits ?? [])
        try inCgroups()
        try details.apply()
        if process.noNewPrivileges == true { try ProcessSetup.setNoNewPrivileges() }
        try ProcessSetup.closeOnExec(from: 3 + extraFDs)
        var lateSeccomp: SeccompProgram? = nil
        if let seccomp {
            // A notifying profile is loaded now even with no_new_privs: its
            // listener must reach the runtime before it returns.
            if process.noNewPrivileges == true && !seccomp.notify {
                lateSeccomp = seccomp
            } else if let listener = try seccomp.load() {
                defer { close(listener) }
                try sendListener(listener)
            }
        }
        try capabilities.applyBounding()
        try CapabilitySets.keepAcrossUserSwitch(true)
        try ProcessSetup.switchUser(uid: user?.uid ?? 0, gid: user?.gid ?? 0, additionalGids: user?.additionalGids ?? [],
                                    setgroupsAllowed: Self.setgroupsAllowed())
        try CapabilitySets.keepAcrossUserSwitch(false)
        try capabilities.applyProcessSets()
        try ProcessSetup.enterWorkingDirectory(process.cwd)
        let path = try ProcessSetup.findExecutable(process.args.first ?? "", env: env)
        // config.md: without process.user.umask, the caller's umask is kept.
        return Ready(path: path, args: process.args, env: env, umask: user?.umask.map { mode_t($0) } ?? callerUmask,
                     lateSeccomp: lateSeccomp, apparmorProfile: process.apparmorProfile, selinuxLabel: process.selinuxLabel)
    }

    /// setgroups(2) is refused in a user namespace whose setgroups is "deny".
    static func setgroupsAllowed() -> Bool {
        guard let text = try? FileIO.readString("/proc/self/setgroups") else { return true }
        return !text.hasPrefix("deny")
    }

    /// After entering a user namespace a process still carries the host's
    /// ids, which the namespace may not map: it becomes the namespace's root
    /// so that what it creates is owned by mapped ids (else EOVERFLOW).
    static func becomeNamespaceRoot() throws(RuntimeError) {
        if setgroupsAllowed() {
            try sys("setgroups in the user namespace") { setgroups(0, nil) }
        }
        try sys("setresgid(0) in the user namespace") { sl_setresgid(0) }
        try sys("setresuid(0) in the user namespace") { sl_setresuid(0) }
    }
}
