import LinuxCore

/// Reads /proc/self/mountinfo.
public enum MountInfo {
    public struct Entry: Sendable {
        public var mountPoint: String
        public var root: String
        public var fsType: String
        public var source: String
        public var options: String
        public var optionalFields: [String]
    }

    public static func entries() throws(RuntimeError) -> [Entry] {
        let text = try FileIO.readString("/proc/self/mountinfo")
        return text.split(separator: "\n").compactMap { parse(String($0)) }
    }

    static func parse(_ line: String) -> Entry? {
        let parts = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        guard let dash = parts.firstIndex(of: "-"), dash >= 6, parts.count > dash + 2 else { return nil }
        return Entry(mountPoint: unescape(parts[4]), root: unescape(parts[3]), fsType: parts[dash + 1],
                     source: unescape(parts[dash + 2]), options: parts[5], optionalFields: Array(parts[6..<dash]))
    }

    /// mountinfo escapes space, tab, newline and backslash as \ooo.
    static func unescape(_ field: String) -> String {
        guard field.contains("\\") else { return field }
        var out = [UInt8]()
        let bytes = Array(field.utf8)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "\\"), i + 3 < bytes.count,
               let value = UInt8(String(decoding: bytes[(i + 1)...(i + 3)], as: UTF8.self), radix: 8) {
                out.append(value)
                i += 4
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The mount point that contains `path` (longest matching prefix).
    public static func mountPoint(containing path: String) throws(RuntimeError) -> String {
        var best = "/"
        for entry in try entries() {
            let mp = entry.mountPoint
            if path == mp || path.hasPrefix(mp == "/" ? "/" : mp + "/") {
                if mp.count > best.count { best = mp }
            }
        }
        return best
    }
}
