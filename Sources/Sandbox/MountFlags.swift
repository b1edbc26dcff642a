import CShim

/// mount(2) flag values (sys/mount.h), spelled out because Glibc exposes
/// them inconsistently.
public enum MS {
    public static let rdonly: UInt = 1
    public static let nosuid: UInt = 2
    public static let nodev: UInt = 4
    public static let noexec: UInt = 8
    public static let synchronous: UInt = 16
    public static let remount: UInt = 32
    public static let mandlock: UInt = 64
    public static let dirsync: UInt = 128
    public static let nosymfollow: UInt = 256
    public static let noatime: UInt = 1024
    public static let nodiratime: UInt = 2048
    public static let bind: UInt = 4096
    public static let move: UInt = 8192
    public static let rec: UInt = 16384
    public static let silent: UInt = 32768
    public static let unbindable: UInt = 1 << 17
    public static let `private`: UInt = 1 << 18
    public static let slave: UInt = 1 << 19
    public static let shared: UInt = 1 << 20
    public static let relatime: UInt = 1 << 21
    public static let iversion: UInt = 1 << 23
    public static let strictatime: UInt = 1 << 24
    public static let lazytime: UInt = 1 << 25
}

/// The options of one config.json mount, sorted into what each kernel
/// interface needs.
public struct MountOptions: Sendable, Equatable {
    /// Per-mount flags asked for (ro, nosuid, nodev, noexec, atime family).
    public var set: UInt64 = 0
    /// Per-mount flags explicitly turned off (rw, suid, dev, exec...).
    public var clear: UInt64 = 0
    /// An atime mode was named (relatime, noatime, strictatime, atime).
    public var atime: UInt64? = nil
    /// Recursive attributes (rro, rnosuid, ...), for mount_setattr(AT_RECURSIVE).
    public var recursiveSet: UInt64 = 0
    public var recursiveClear: UInt64 = 0
    public var recursiveAtime: UInt64? = nil
    /// Superblock flags passed to the file system as flags (sync, dirsync...).
    public var superblockFlags: [String] = []
    public var bind = false
    public var recursive = false
    /// MS_SHARED / MS_SLAVE / MS_PRIVATE / MS_UNBINDABLE, each with MS_REC or not.
    public var propagation: [UInt] = []
    /// File-system specific options, passed through: "mode=755", "size=64k".
    public var data: [String] = []
    public var tmpcopyup = false
    public var idmap = false
    public var recursiveIdmap = false

    public init() {}

    /// Whether any per-mount attribute was named (a bind then gets exactly these).
    public var hasAttributes: Bool { self.set != 0 || self.clear != 0 || self.atime != nil }

    private static let perMount: [String: (set: UInt64, clear: UInt64)] = [
        "ro": (SL_MOUNT_ATTR_RDONLY, 0), "rw": (0, SL_MOUNT_ATTR_RDONLY),
        "nosuid": (SL_MOUNT_ATTR_NOSUID, 0), "suid": (0, SL_MOUNT_ATTR_NOSUID),
        "nodev": (SL_MOUNT_ATTR_NODEV, 0), "dev": (0, SL_MOUNT_ATTR_NODEV),
        "noexec": (SL_MOUNT_ATTR_NOEXEC, 0), "exec": (0, SL_MOUNT_ATTR_NOEXEC),
        "nodiratime": (SL_MOUNT_ATTR_NODIRATIME, 0), "diratime": (0, SL_MOUNT_ATTR_NODIRATIME),
        "nosymfollow": (SL_MOUNT_ATTR_NOSYMFOLLOW, 0), "symfollow": (0, SL_MOUNT_ATTR_NOSYMFOLLOW),
    ]

    private static let atimeModes: [String: UInt64] = [
        "relatime": SL_MOUNT_ATTR_RELATIME, "noatime": SL_MOUNT_ATTR_NOATIME,
        "strictatime": SL_MOUNT_ATTR_STRICTATIME,
        // Turning one mode off falls back to the kernel default, relatime.
        "atime": SL_MOUNT_ATTR_RELATIME, "norelatime": SL_MOUNT_ATTR_RELATIME,
        "nostrictatime": SL_MOUNT_ATTR_RELATIME,
    ]

    private static let propagationNames: [String: UInt] = [
        "private": MS.private, "rprivate": MS.private | MS.rec,
        "shared": MS.shared, "rshared": MS.shared | MS.rec,
        "slave": MS.slave, "rslave": MS.slave | MS.rec,
        "unbindable": MS.unbindable, "runbindable": MS.unbindable | MS.rec,
    ]

    /// Superblock flags understood by the VFS itself (fsconfig flag names).
    private static let superblock: Set<String> = [
        "sync", "async", "dirsync", "mand", "nomand", "lazytime", "nolazytime", "iversion", "noiversion", "silent", "loud",
    ]

    public static func propagationFlag(_ name: String) -> UInt? { propagationNames[name] }

    /// Every option `parse` understands (for `features`).
    public static var known: [String] {
        var names = Set(perMount.keys).union(atimeModes.keys).union(propagationNames.keys).union(superblock)
        for name in perMount.keys where name != "rw" { names.insert("r" + name) }
        names.insert("rrw")
        for name in atimeModes.keys { names.insert("r" + name) }
        names.formUnion(["bind", "rbind", "defaults", "remount", "tmpcopyup", "idmap", "ridmap"])
        return names.sorted()
    }

    public static func parse(_ options: [String]) -> MountOptions {
        var out = MountOptions()
        for option in options {
            if let flag = perMount[option] {
                out.set = (out.set | flag.set) & ~flag.clear
                out.clear = (out.clear | flag.clear) & ~flag.set
            } else if let mode = atimeModes[option] {
                out.atime = mode
            } else if option.hasPrefix("r"), option != "rw", option != "rbind", option != "ridmap",
                      let flag = perMount[String(option.dropFirst())] {
                out.recursiveSet = (out.recursiveSet | flag.set) & ~flag.clear
                out.recursiveClear = (out.recursiveClear | flag.clear) & ~flag.set
            } else if option.hasPrefix("r"), let mode = atimeModes[String(option.dropFirst())] {
                out.recursiveAtime = mode
            } else if let prop = propagationNames[option] {
                out.propagation.append(prop)
            } else if superblock.contains(option) {
                out.superblockFlags.append(option)
            } else {
                switch option {
                case "bind": out.bind = true
                case "rbind": out.bind = true; out.recursive = true
                case "defaults", "remount": break
                case "tmpcopyup": out.tmpcopyup = true
                case "idmap": out.idmap = true
                case "ridmap": out.idmap = true; out.recursiveIdmap = true
                default: out.data.append(option)
                }
            }
        }
        return out
    }
}
