import CShim
import Glibc
import LinuxCore
import OCISpec
import Sandbox

/// Runs config.json hooks: each gets the container state as JSON on stdin,
/// its own args and env, and is killed after its timeout. A hook that exits
/// without reading stdin is fine (the write gets EPIPE; SIGPIPE is ignored).
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
        defer { close(input[0]); if input[1] >= 0 { close(input[1]) } }
        try sys("\(name): pipe") { sl_pipe_cloexec(&output) }
        defer { close(output[0]) }
        var args = hook.args ?? []
        if args.isEmpty { args = [hook.path] }
        let env = hook.env ?? []
        let pid = sl_clone(0, -1)
        if pid < 0 {
            close(output[1])
            throw RuntimeError.sys("\(name): fork", currentErrno())
        }
        if pid == 0 {
            dup2(input[0], 0)
            dup2(output[1], 1)
            dup2(output[1], 2)
            _ = sl_unblock_all_signals()
            _ = sl_reset_signal_dispositions()
            let error = ProcessSetup.exec(hook.path, args: args, env: env)
            let text = Array("\(error.description)\n".utf8)
            _ = text.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
            _exit(127)
        }
        close(output[1])
        let previous = signal(SIGPIPE, SIG_IGN)
        let bytes = Array(state.utf8)
        _ = bytes.withUnsafeBytes { write(input[1], $0.baseAddress, $0.count) }
        signal(SIGPIPE, previous)
        close(input[1])
        input[1] = -1

        let deadline: Int64? = hook.timeout.map { Int64($0) * 1000 }
        var captured = [UInt8]()
        let timedOut = ChildWatch.collect(pid: pid, output: output[0], timeoutMillis: deadline, into: &captured)
        if timedOut {
            kill(pid, SIGKILL)
        }
        let status = ChildWatch.reap(pid)
        if timedOut {
            throw RuntimeError("\(name) timed out after \(hook.timeout ?? 0)s")
        }
        if status != 0 {
            var message = "\(name) failed: \(ChildWatch.describe(status))"
            let text = String(decoding: captured.prefix(2048), as: UTF8.self).trimmingCharacters()
            if !text.isEmpty { message += ": \(text)" }
            throw RuntimeError(message)
        }
    }
}

/// Waiting on child processes without polling: a pidfd and poll(2).
enum ChildWatch {
    /// Reads `output` until EOF and waits for `pid` to exit, up to the
    /// timeout. Returns true when the timeout hit first.
    static func collect(pid: Int32, output: Int32, timeoutMillis: Int64?, into captured: inout [UInt8]) -> Bool {
        let pidfd = sl_pidfd_open(pid, 0)
        defer { if pidfd >= 0 { close(pidfd) } }
        var start = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        var outputOpen = true
        var exited = false
        var buffer = [UInt8](repeating: 0, count: 4096)
        while outputOpen || !exited {
            var remaining: Int32 = -1
            if let limit = timeoutMillis {
                var now = timespec()
                clock_gettime(CLOCK_MONOTONIC, &now)
                let elapsed = Int64(now.tv_sec - start.tv_sec) * 1000 + Int64(now.tv_nsec - start.tv_nsec) / 1_000_000
                if elapsed >= limit { return true }
                remaining = Int32(limit - elapsed)
            }
            var fds = [pollfd]()
            if outputOpen { fds.append(pollfd(fd: output, events: Int16(POLLIN), revents: 0)) }
            if !exited && pidfd >= 0 { fds.append(pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)) }
            if fds.isEmpty { break }
            let n = poll(&fds, nfds_t(fds.count), remaining)
            if n < 0 { if currentErrno() == EINTR { continue } else { break } }
            for entry in fds where entry.revents != 0 {
                if entry.fd == output {
                    let count = buffer.withUnsafeMutableBytes { read(output, $0.baseAddress, $0.count) }
                    if count > 0 {
                        if captured.count < 65536 { captured.append(contentsOf: buffer[0..<count]) }
                    } else if count == 0 || currentErrno() != EINTR {
                        outputOpen = false
                    }
                } else {
                    exited = true
                }
            }
            // Without a pidfd, EOF on the output is the best sign of exit.
            if pidfd < 0 && !outputOpen { exited = true }
        }
        return false
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

extension String {
    func trimmingCharacters() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
