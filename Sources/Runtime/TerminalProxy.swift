import CShim
import Glibc
import LinuxCore

/// Copies between our stdin/stdout and the container's pty master for a
/// foreground `run` with a terminal. When stdin is a terminal it is put in
/// raw mode for the duration and window sizes follow it.
struct TerminalProxy {
    let master: Int32
    var saved: termios? = nil
    var stdinOpen = true
    var masterOpen = true

    init(master: Int32) {
        self.master = master
    }

    mutating func begin() {
        if isatty(0) != 0 {
            var attributes = termios()
            if tcgetattr(0, &attributes) == 0 {
                saved = attributes
                var raw = attributes
                cfmakeraw(&raw)
                tcsetattr(0, TCSANOW, &raw)
            }
            resize()
        }
    }

    func end() {
        if var attributes = saved { tcsetattr(0, TCSANOW, &attributes) }
    }

    func resize() {
        var window = winsize()
        if sl_ioctl_ptr(0, SL_TIOCGWINSZ, &window) == 0 {
            _ = sl_ioctl_ptr(master, SL_TIOCSWINSZ, &window)
        }
    }

    func addPollEntries(_ fds: inout [pollfd]) {
        if masterOpen { fds.append(pollfd(fd: master, events: Int16(POLLIN), revents: 0)) }
        if stdinOpen { fds.append(pollfd(fd: 0, events: Int16(POLLIN), revents: 0)) }
    }

    mutating func handle(_ fds: [pollfd]) {
        for entry in fds.dropFirst() where entry.revents != 0 {
            if entry.fd == master {
                if !copy(from: master, to: 1) { masterOpen = false }
            } else if entry.fd == 0 {
                if !copy(from: 0, to: master) { stdinOpen = false }
            }
        }
    }

    /// Reads what the container wrote before it exited.
    mutating func drain() {
        guard masterOpen else { return }
        var entry = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
        while poll(&entry, 1, 0) > 0 && copy(from: master, to: 1) {}
    }

    /// One read and full write; false at EOF or error.
    private func copy(from source: Int32, to destination: Int32) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 16384)
        let n = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
        if n <= 0 { return n < 0 && currentErrno() == EINTR }
        do {
            try FileIO.write(fd: destination, Array(buffer[0..<n]), name: "terminal")
        } catch {
            return false
        }
        return true
    }
}
