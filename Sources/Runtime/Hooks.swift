import CShim
import Glibc
import LinuxCore
import OCISpec

/// Runs config.json hooks: each gets the container state as JSON on stdin,
/// its own args and env, and is killed after its timeout. Writing stdin,
/// reading the hook's output and waiting share one poll loop, so a hook
/// that never reads its stdin cannot block the runtime past its timeout,
/// and one that exits early only makes the write fail with EPIPE.
enum HookRunner {
    static func run(_ hooks: [Hook]?, phase: String, state: String) throws(RuntimeError) {
        for hook in hooks ?? [] {
            try runOne(hook, phase: phase, state: state)
        }
    }

    /// Runs every hook and reports failures as warnings (poststop).
    static func runAll(_ hooks: [Hook]?, phase: String, state: String) {
        for hook in hooks ?? [] {
            do {
                try runOne(hook, phase: phase, state: state)
            } catch {
                log.warn(error.description)
            }
        }
    }

    static func runOne(_ hook: Hook, phase: String, state: String) throws(RuntimeError) {
        let name = "\(phase) hook \(hook.path)"
        var input: [Int32] = [-1, -1]
        var output: [Int32] = [-1, -1]
        try sys("\(name): pipe") { sl_pipe_cloexec(&input) }
        do {
            try sys("\(name): pipe") { sl_pipe_cloexec(&output) }
        } catch {
            close(input[0])
            close(input[1])
            throw error
        }
        var args = hook.args ?? []
        if args.isEmpty { args = [hook.path] }
        let spawned = Spawn.process(hook.path, args: args, env: hook.env ?? [], stdin: input[0], stdout: output[1], stderr: output[1])
        close(input[0])
        close(output[1])
        let pid: Int32
        switch spawned {
        case .success(let value):
            pid = value
        case .failure(let code):
            close(input[1])
            close(output[0])
            throw RuntimeError("\(name): \(errnoText(code))", errno: code)
        }
        _ = sl_fcntl_int(input[1], F_SETFL, O_NONBLOCK)
        let watch = ChildWatch.collect(pid: pid, input: input[1], bytes: Array(state.utf8), output: output[0],
                                       timeoutMillis: hook.timeout.map { Int64($0) * 1000 })
        close(output[0])
        if watch.timedOut {
            kill(pid, SIGKILL)
        }
        let status = ChildWatch.reap(pid)
        if watch.timedOut {
            throw RuntimeError("\(name) timed out after \(hook.timeout ?? 0)s")
        }
        if status != 0 {
            var message = "\(name) failed: \(ChildWatch.describe(status))"
            let text = oneLine(String(decoding: watch.output.prefix(2048), as: UTF8.self))
            if !text.isEmpty { message += ": \(text)" }
            throw RuntimeError(message)
        }
    }

    /// Hook output for an error message: one line.
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: { $0 == "\n" || $0 == "\r" })
            .map { String($0).trimmed }
            .filter { !$0.isEmpty }
            .joined(separator: "; ")
    }
}

/// posix_spawn: the child runs no Swift code before exec, and the signal
/// mask and dispositions are reset for it.
enum Spawn {
    enum Result {
        case success(Int32)
        case failure(Int32)
    }

    static func process(_ path: String, args: [String], env: [String], stdin: Int32, stdout: Int32, stderr: Int32) -> Result {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var all = sigset_t()
        sigfillset(&all)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        var cArgs = args.map { strdup($0) }
        cArgs.append(nil)
        var cEnv = env.map { strdup($0) }
        cEnv.append(nil)
        defer {
            for pointer in cArgs { free(pointer) }
            for pointer in cEnv { free(pointer) }
        }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, path, &actions, &attributes, cArgs, cEnv)
        return code == 0 ? .success(pid) : .failure(code)
    }
}

/// Waiting on child processes without polling loops: a pidfd and poll(2).
enum ChildWatch {
    struct Outcome {
        var timedOut: Bool
        var output: [UInt8]
    }

    /// Writes `bytes` to `input` (non-blocking, closed when done or when the
    /// reader is gone), reads `output` until EOF, and waits for `pid` to
    /// exit, all within the timeout.
    static func collect(pid: Int32, input: Int32, bytes: [UInt8], output: Int32, timeoutMillis: Int64?) -> Outcome {
        let pidfd = sl_pidfd_open(pid, 0)
        defer { if pidfd >= 0 { close(pidfd) } }
        var start = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        let previousSIGPIPE = signal(SIGPIPE, SIG_IGN)
        defer { signal(SIGPIPE, previousSIGPIPE) }
        var inputFD: Int32 = input
        var written = 0
        var outputOpen = true
        var exited = pidfd < 0
        var captured = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        func closeInput() {
            if inputFD >= 0 { close(inputFD) }
            inputFD = -1
        }
        if bytes.isEmpty { closeInput() }
        defer { closeInput() }
        while outputOpen || !exited {
            var remaining: Int32 = -1
            if let limit = timeoutMillis {
                var now = timespec()
                clock_gettime(CLOCK_MONOTONIC, &now)
                let elapsed = Int64(now.tv_sec - start.tv_sec) * 1000 + Int64(now.tv_nsec - start.tv_nsec) / 1_000_000
                if elapsed >= limit { return Outcome(timedOut: true, output: captured) }
                remaining = Int32(limit - elapsed)
            }
            var fds = [pollfd]()
            if outputOpen { fds.append(pollfd(fd: output, events: Int16(POLLIN), revents: 0)) }
            if !exited { fds.append(pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)) }
            if inputFD >= 0 { fds.append(pollfd(fd: inputFD, events: Int16(POLLOUT), revents: 0)) }
            let n = poll(&fds, nfds_t(fds.count), remaining)
            if n < 0 {
                if currentErrno() == EINTR { continue }
                break
            }
            for entry in fds where entry.revents != 0 {
                if entry.fd == output {
                    let count = buffer.withUnsafeMutableBytes { read(output, $0.baseAddress, $0.count) }
                    if count > 0 {
                        if captured.count < 65536 { captured.append(contentsOf: buffer[0..<count]) }
                    } else if count == 0 || currentErrno() != EINTR {
                        outputOpen = false
                    }
                } else if entry.fd == pidfd {
                    exited = true
                } else if entry.fd == inputFD {
                    let count = bytes.withUnsafeBytes { raw in
                        write(inputFD, raw.baseAddress.map { $0 + written }, raw.count - written)
                    }
                    if count > 0 {
                        written += count
                        if written >= bytes.count { closeInput() }
                    } else if count < 0 && currentErrno() != EAGAIN && currentErrno() != EINTR {
                        // EPIPE: the hook exited without reading; that is fine.
                        closeInput()
                    }
                }
            }
        }
        return Outcome(timedOut: false, output: captured)
    }

    /// waitpid, retrying EINTR. Returns the raw wait status.
    @discardableResult
    static func reap(_ pid: Int32) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if currentErrno() != EINTR { return -1 }
        }
        return status
    }

    /// The shell's exit code of a wait status: the code, or 128 + signal.
    static func exitCode(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        if signal == 0 { return (status >> 8) & 0xff }
        return 128 + signal
    }

    static func describe(_ status: Int32) -> String {
        let signal = status & 0x7f
        if signal == 0 { return "exit status \((status >> 8) & 0xff)" }
        return "killed by \(Signals.name(signal))"
    }
}
