import CShim
import Glibc
import LinuxCore

/// Signals and waits for processes through pidfds: no polling, and no
/// signal can reach a process that reused a pid once the pidfd is open.
enum ProcessControl {
    /// Sends SIGKILL and waits until the process has exited (up to 10 s).
    static func killAndWait(pid: Int32, reap: Bool) {
        let pidfd = sl_pidfd_open(pid, 0)
        if pidfd < 0 {
            if reap { ChildWatch.reap(pid) }
            return
        }
        defer { close(pidfd) }
        _ = sl_pidfd_send_signal(pidfd, SIGKILL, 0)
        waitForExit(pidfd: pidfd, timeoutMillis: 10_000)
        if reap { ChildWatch.reap(pid) }
    }

    /// Blocks until the process behind `pidfd` exits. Returns false on timeout.
    @discardableResult
    static func waitForExit(pidfd: Int32, timeoutMillis: Int32) -> Bool {
        var entry = pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)
        while true {
            let n = poll(&entry, 1, timeoutMillis)
            if n > 0 { return true }
            if n == 0 { return false }
            if currentErrno() != EINTR { return false }
        }
    }

    /// A pidfd for `pid`, checked against the recorded start time so that a
    /// reused pid is never signalled.
    static func open(pid: Int32, startTime: UInt64) -> Int32? {
        let pidfd = sl_pidfd_open(pid, 0)
        guard pidfd >= 0 else { return nil }
        guard let stat = ProcessStat.read(pid: pid), stat.startTime == startTime else {
            close(pidfd)
            return nil
        }
        return pidfd
    }
}
