import CShim
import Glibc
import LinuxCore

/// The new mount API, one helper per kernel object: a detached mount is
/// made (fsmount or open_tree), shaped (mount_setattr) and attached onto a
/// verified target fd (move_mount). Nothing here takes a target path.
public enum MountAPI {
    static let fsconfigSetFlag: UInt32 = 0
    static let fsconfigSetString: UInt32 = 1
    static let fsconfigCreate: UInt32 = 6

    /// A new, detached file-system mount. Errors name the option the kernel
    /// refused, with the kernel's own explanation when it gives one.
    public static func newFilesystem(type: String, source: String, options: MountOptions, for destination: String) throws(RuntimeError) -> Int32 {
        let context = sl_fsopen(type, 1 /* FSOPEN_CLOEXEC */)
        if context < 0 {
            let code = currentErrno()
            if code == ENODEV { throw RuntimeError("mount \(destination): unknown mount type \(type.debugDescription)") }
            throw RuntimeError.sys("mount \(type) on \(destination): fsopen", code)
        }
        defer { close(context) }
        func configure(_ what: String, _ call: () -> Int32) throws(RuntimeError) {
            if call() < 0 {
                let code = currentErrno()
                let detail = kernelMessages(context)
                var message = "mount \(type) on \(destination): \(what): \(errnoText(code))"
                if !detail.isEmpty { message += " (\(detail))" }
                throw RuntimeError(message, errno: code)
            }
        }
        if !source.isEmpty {
            try configure("source \(source.debugDescription)") { sl_fsconfig(context, fsconfigSetString, "source", source, 0) }
        }
        if options.set & SL_MOUNT_ATTR_RDONLY != 0 {
            try configure("option \"ro\"") { sl_fsconfig(context, fsconfigSetFlag, "ro", nil, 0) }
        }
        for flag in options.superblockFlags {
            try configure("option \(flag.debugDescription)") { sl_fsconfig(context, fsconfigSetFlag, flag, nil, 0) }
        }
        for option in options.data {
            if let eq = option.firstIndex(of: "=") {
                let key = String(option[..<eq])
                let value = String(option[option.index(after: eq)...])
                try configure("option \(option.debugDescription)") { sl_fsconfig(context, fsconfigSetString, key, value, 0) }
            } else {
                try configure("option \(option.debugDescription)") { sl_fsconfig(context, fsconfigSetFlag, option, nil, 0) }
            }
        }
        try configure("create") { sl_fsconfig(context, fsconfigCreate, nil, nil, 0) }
        var attributes = options.set
        if let atime = options.atime { attributes = (attributes & ~SL_MOUNT_ATTR__ATIME) | atime }
        let mount = sl_fsmount(context, 1 /* FSMOUNT_CLOEXEC */, UInt32(truncatingIfNeeded: attributes))
        if mount < 0 {
            throw RuntimeError.sys("mount \(type) on \(destination): fsmount", currentErrno())
        }
        return mount
    }

    /// Reads what the kernel logged on a file-system context ("e tmpfs: Bad
    /// value for 'mode'").
    static func kernelMessages(_ context: Int32) -> String {
        var lines = [String]()
        var buffer = [UInt8](repeating: 0, count: 512)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(context, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            var line = String(decoding: buffer[0..<n], as: UTF8.self)
            if line.hasPrefix("e ") || line.hasPrefix("w ") || line.hasPrefix("i ") { line.removeFirst(2) }
            line = line.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).joined(separator: " ")
            if !line.isEmpty { lines.append(line) }
        }
        return lines.joined(separator: "; ")
    }

    /// A detached copy of the mount tree at `source` (a bind mount).
    public static func cloneTree(dirFD: Int32 = AT_FDCWD, path: String, recursive: Bool, for destination: String) throws(RuntimeError) -> Int32 {
        var flags = UInt32(SL_OPEN_TREE_CLONE) | UInt32(SL_OPEN_TREE_CLOEXEC)
        if recursive { flags |= UInt32(SL_AT_RECURSIVE) }
        if path.isEmpty { flags |= UInt32(SL_AT_EMPTY_PATH) }
        return try sys("bind \(path.isEmpty ? "fd" : path) to \(destination)") { sl_open_tree(dirFD, path, flags) }
    }

    /// Sets per-mount attributes on a (detached or attached) mount fd.
    public static func setAttributes(_ mountFD: Int32, set: UInt64, clear: UInt64, atime: UInt64?, recursive: Bool, for destination: String) throws(RuntimeError) {
        var setBits = set
        var clearBits = clear
        if let atime {
            clearBits |= SL_MOUNT_ATTR__ATIME
            setBits = (setBits & ~SL_MOUNT_ATTR__ATIME) | atime
        }
        if setBits == 0 && clearBits == 0 { return }
        var flags = UInt32(SL_AT_EMPTY_PATH)
        if recursive { flags |= UInt32(SL_AT_RECURSIVE) }
        try sys("set mount attributes of \(destination)") { sl_mount_setattr(mountFD, "", flags, setBits, clearBits, 0, 0) }
    }

    /// Sets the propagation type of a mount (MS_SHARED etc., with MS_REC for
    /// the whole tree).
    public static func setPropagation(_ mountFD: Int32, _ flag: UInt, for destination: String) throws(RuntimeError) {
        var flags = UInt32(SL_AT_EMPTY_PATH)
        if flag & MS.rec != 0 { flags |= UInt32(SL_AT_RECURSIVE) }
        let propagation = UInt64(flag & ~MS.rec)
        try sys("set propagation of \(destination)") { sl_mount_setattr(mountFD, "", flags, 0, 0, propagation, 0) }
    }

    /// Attaches a detached mount onto the object `targetFD` refers to.
    public static func attach(_ mountFD: Int32, onto targetFD: Int32, for destination: String) throws(RuntimeError) {
        let flags = UInt32(SL_MOVE_MOUNT_F_EMPTY_PATH) | UInt32(SL_MOVE_MOUNT_T_EMPTY_PATH)
        try sys("mount on \(destination)") { sl_move_mount(mountFD, "", targetFD, "", flags) }
    }
}
