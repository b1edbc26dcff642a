import LinuxCore
import OCISpec

/// linux.resources.devices as cgroup device rules, with the devices every
/// container may use appended after the config's rules (as runc does).
public enum DeviceRules {
    public struct Rule: Sendable, Equatable {
        public var allow: Bool
        /// "a", "c" or "b".
        public var type: Character
        public var major: Int64?
        public var minor: Int64?
        public var access: String

        public init(allow: Bool, type: Character, major: Int64?, minor: Int64?, access: String) {
            self.allow = allow
            self.type = type
            self.major = major
            self.minor = minor
            self.access = access
        }

        /// The v1 devices.allow / devices.deny line: "c 1:3 rwm".
        public var v1Line: String {
            if type == "a" { return "a *:* rwm" }
            let major = self.major.map(String.init) ?? "*"
            let minor = self.minor.map(String.init) ?? "*"
            return "\(type) \(major):\(minor) \(access)"
        }
    }

    /// null, zero, full, random, urandom, tty, console, ptmx, pts, and
    /// mknod of any device (mknod alone grants no access).
    /// Every device, every access: denied.
    public static let denyAll = Rule(allow: false, type: "a", major: nil, minor: nil, access: "rwm")

    public static let defaultAllowed: [Rule] = [
        Rule(allow: true, type: "c", major: nil, minor: nil, access: "m"),
        Rule(allow: true, type: "b", major: nil, minor: nil, access: "m"),
        Rule(allow: true, type: "c", major: 1, minor: 3, access: "rwm"),
        Rule(allow: true, type: "c", major: 1, minor: 8, access: "rwm"),
        Rule(allow: true, type: "c", major: 1, minor: 7, access: "rwm"),
        Rule(allow: true, type: "c", major: 5, minor: 0, access: "rwm"),
        Rule(allow: true, type: "c", major: 1, minor: 5, access: "rwm"),
        Rule(allow: true, type: "c", major: 1, minor: 9, access: "rwm"),
        Rule(allow: true, type: "c", major: 5, minor: 1, access: "rwm"),
        Rule(allow: true, type: "c", major: 136, minor: nil, access: "rwm"),
        Rule(allow: true, type: "c", major: 5, minor: 2, access: "rwm"),
    ]

    /// The rules to program: the config's, in order, then the defaults.
    public static func rules(_ devices: [LinuxDeviceCgroup]?) throws(RuntimeError) -> [Rule] {
        var out = [Rule]()
        for (index, device) in (devices ?? []).enumerated() {
            let type: Character
            switch device.type ?? "a" {
            case "a", "": type = "a"
            case "c": type = "c"
            case "b": type = "b"
            default: throw RuntimeError("linux.resources.devices[\(index)].type: unknown device type \((device.type ?? "").debugDescription)")
            }
            let access = device.access ?? "rwm"
            if access.isEmpty || !access.allSatisfy({ "rwm".contains($0) }) {
                throw RuntimeError("linux.resources.devices[\(index)].access: \(access.debugDescription) is not a combination of r, w, m")
            }
            out.append(Rule(allow: device.allow, type: type, major: device.major, minor: device.minor, access: access))
        }
        return out + defaultAllowed
    }
}
