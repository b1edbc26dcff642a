import Glibc

/// RFC 3339 time stamps in UTC, as runc writes them.
public enum Timestamp {
    /// "2026-11-21T09:03:43.896620282Z"
    public static func nowNano() -> String { format(now(), fraction: true) }
    /// "2026-11-21T09:03:43Z" (log lines)
    public static func nowSeconds() -> String { format(now(), fraction: false) }

    public static func now() -> timespec {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return ts
    }

    public static func format(_ ts: timespec, fraction: Bool) -> String {
        var seconds = ts.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        var out = "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))"
        out += "T\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))"
        if fraction {
            // Go's RFC3339Nano trims trailing zeros.
            var nanos = pad(Int32(ts.tv_nsec), 9)
            while nanos.hasSuffix("0") { nanos.removeLast() }
            if !nanos.isEmpty { out += "." + nanos }
        }
        return out + "Z"
    }
}
