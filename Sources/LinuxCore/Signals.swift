import Glibc

/// Signal names and numbers on Linux, and runc's ways of writing them:
/// "KILL", "SIGKILL", "kill", "9", "RTMIN+3", "SIGRTMAX-1".
public enum Signals {
    public static let table: [(String, Int32)] = [
        ("HUP", 1), ("INT", 2), ("QUIT", 3), ("ILL", 4), ("TRAP", 5), ("ABRT", 6), ("IOT", 6), ("BUS", 7),
        ("FPE", 8), ("KILL", 9), ("USR1", 10), ("SEGV", 11), ("USR2", 12), ("PIPE", 13), ("ALRM", 14),
        ("TERM", 15), ("STKFLT", 16), ("CHLD", 17), ("CLD", 17), ("CONT", 18), ("STOP", 19), ("TSTP", 20),
        ("TTIN", 21), ("TTOU", 22), ("URG", 23), ("XCPU", 24), ("XFSZ", 25), ("VTALRM", 26), ("PROF", 27),
        ("WINCH", 28), ("IO", 29), ("POLL", 29), ("PWR", 30), ("SYS", 31),
    ]

    public static let rtMin: Int32 = 34
    public static let rtMax: Int32 = 64

    public static func parse(_ text: String) throws(RuntimeError) -> Int32 {
        if let number = Int32(text) {
            guard number > 0 && number <= rtMax else { throw RuntimeError("invalid signal \(text.debugDescription)") }
            return number
        }
        var name = text.uppercased()
        if name.hasPrefix("SIG") { name.removeFirst(3) }
        if let hit = table.first(where: { $0.0 == name }) { return hit.1 }
        if let number = realtime(name) { return number }
        throw RuntimeError("unknown signal \(text.debugDescription)")
    }

    private static func realtime(_ name: String) -> Int32? {
        for (prefix, base, sign) in [("RTMIN", rtMin, Int32(1)), ("RTMAX", rtMax, Int32(-1))] where name.hasPrefix(prefix) {
            let rest = name.dropFirst(prefix.count)
            if rest.isEmpty { return base }
            guard let op = rest.first, op == (sign > 0 ? "+" : "-"), let offset = Int32(rest.dropFirst()) else { return nil }
            let number = base + sign * offset
            return (rtMin...rtMax).contains(number) ? number : nil
        }
        return nil
    }

    public static func name(_ number: Int32) -> String {
        if let hit = table.first(where: { $0.1 == number }) { return "SIG" + hit.0 }
        return "signal \(number)"
    }
}
