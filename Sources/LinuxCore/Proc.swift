import Glibc

/// Facts about a process read from /proc/<pid>/stat.
public struct ProcessStat: Sendable, Equatable {
    public var pid: Int32
    /// R, S, D, Z, X, T...
    public var state: Character
    public var ppid: Int32
    /// Start time in clock ticks since boot (field 22): with the pid, it
    /// identifies a process across pid reuse.
    public var startTime: UInt64

    public var isZombieOrDead: Bool { state == "Z" || state == "X" || state == "x" }

    /// Parses the content of a stat file. The command name may hold spaces
    /// and parentheses, so fields are counted after the last ")".
    public static func parse(_ text: String, pid: Int32) -> ProcessStat? {
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        // fields[0] is field 3 (state); field N is fields[N - 3].
        guard fields.count > 19, let state = fields[0].first,
              let ppid = Int32(fields[1]), let start = UInt64(fields[19]) else { return nil }
        return ProcessStat(pid: pid, state: state, ppid: ppid, startTime: start)
    }

    /// nil when the process does not exist.
    public static func read(pid: Int32) -> ProcessStat? {
        guard pid > 0, let bytes = try? FileIO.read("/proc/\(pid)/stat") else { return nil }
        return parse(String(decoding: bytes, as: UTF8.self), pid: pid)
    }
}

public enum Proc {
    /// True when `pid` is alive (not a zombie) and started at `startTime`.
    public static func isAlive(pid: Int32, startTime: UInt64) -> Bool {
        guard let stat = ProcessStat.read(pid: pid) else { return false }
        return stat.startTime == startTime && !stat.isZombieOrDead
    }

    /// The fds open in this process (from /proc/self/fd), without the one
    /// used to list them.
    public static func openDescriptors() -> [Int32] {
        guard let names = try? FileIO.listDirectory("/proc/self/fd") else { return [] }
        var fds = names.compactMap { Int32($0) }
        // opendir's own fd is closed again by the time we return.
        fds.removeAll { fcntl($0, F_GETFD) < 0 }
        return fds.sorted()
    }

    /// Number of threads of this process (1 while the runtime is synchronous).
    public static func threadCount() -> Int {
        guard let text = try? FileIO.readString("/proc/self/status") else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("Threads:") {
            return Int(line.dropFirst("Threads:".count).trimmed) ?? 0
        }
        return 0
    }
}
