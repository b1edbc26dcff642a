import CShim
import Glibc
import LinuxCore
import StateStore

/// `run`: create, start, and (in the foreground) stay as the container's
/// parent: forward signals, proxy the terminal, reap, delete, and return the
/// container's exit status (128 + n for a signal).
public struct Runner {
    let options: CreateOptions
    let runtime: RuntimeOptions
    let keep: Bool

    public init(options: CreateOptions, runtime: RuntimeOptions, keep: Bool) {
        self.options = options
        self.runtime = runtime
        self.keep = keep
    }

    public func run() throws(RuntimeError) -> Int32 {
        if !options.detach {
            // Orphans of a container without a pid namespace come to us.
            _ = sl_prctl(Int32(SL_PR_SET_CHILD_SUBREAPER), 1, 0, 0, 0)
            // Signals are queued from here on and forwarded once init runs.
            _ = sl_block_signals_for_forwarding()
        }
        let created = try Creator(options: options, runtime: runtime).create()
        let lifecycle = Lifecycle(runtime: runtime)
        do {
            try lifecycle.start(id: created.id)
        } catch {
            if !options.detach { try? lifecycle.delete(id: created.id, force: true) }
            throw error
        }
        if options.detach { return 0 }
        let status = Supervisor(pid: created.pid, console: created.consoleMaster).wait()
        if !keep {
            do {
                try lifecycle.delete(id: created.id, force: true)
            } catch {
                log.warn("delete \(created.id): \(error)")
            }
        }
        return ChildWatch.exitCode(status)
    }
}

/// Waits for the container's init as its parent, forwarding every signal we
/// receive to it and copying terminal I/O when there is a pty.
struct Supervisor {
    let pid: Int32
    let console: Int32?

    func wait() -> Int32 {
        let signals = sl_signalfd_all()
        var proxy = console.map { TerminalProxy(master: $0) }
        proxy?.begin()
        defer { proxy?.end() }
        var exitStatus: Int32? = nil
        while exitStatus == nil {
            var fds = [pollfd(fd: signals, events: Int16(POLLIN), revents: 0)]
            proxy?.addPollEntries(&fds)
            if poll(&fds, nfds_t(fds.count), -1) < 0 {
                if currentErrno() == EINTR { continue }
                break
            }
            if fds[0].revents & Int16(POLLIN) != 0 {
                let number = sl_signalfd_read(signals)
                if number > 0 {
                    if number == SIGCHLD {
                        exitStatus = reapChildren()
                    } else if number == SIGWINCH {
                        proxy?.resize()
                    } else {
                        Glibc.kill(pid, number)
                    }
                }
            }
            proxy?.handle(fds)
        }
        proxy?.drain()
        close(signals)
        return exitStatus ?? 0
    }

    /// Reaps every exited child; returns init's status once it has exited.
    private func reapChildren() -> Int32? {
        var initStatus: Int32? = nil
        while true {
            var status: Int32 = 0
            let child = waitpid(-1, &status, WNOHANG)
            if child <= 0 { break }
            if child == pid { initStatus = status }
        }
        return initStatus
    }
}
