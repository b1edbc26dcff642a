import CShim
import Glibc
import LinuxCore
import OCISpec

/// A pty made from the container's own devpts, with its slave bound over
/// /dev/console: what process.terminal asks for.
public struct ContainerTerminal {
    public let master: Int32
    public let slave: Int32

    static let devptsMagic: Int = 0x1cd1

    /// Opens a pty inside the new root. Every path goes through a verified
    /// fd: a container cannot redirect it with symlinks.
    /// `bindConsole`: the container's init gets its pty over /dev/console;
    /// an exec'd process does not.
    public static func open(consoleSize: Box?, owner uid: UInt32, group gid: UInt32, bindConsole: Bool) throws(RuntimeError) -> ContainerTerminal {
        let rootFD = try sys("open /") { sl_open_mode("/", SL_O_PATH | O_DIRECTORY | O_CLOEXEC, 0) }
        defer { close(rootFD) }
        let rooted = RootedPath(rootFD: rootFD, rootName: "/")
        guard let ptmxPath = try rooted.open("/dev/pts/ptmx", noSymlinks: true) else {
            throw RuntimeError("process.terminal: /dev/pts/ptmx is missing (mount devpts on /dev/pts)")
        }
        defer { close(ptmxPath) }
        let type = try sys("statfs /dev/pts") { sl_fstatfs_type(ptmxPath) }
        guard type == devptsMagic else {
            throw RuntimeError("process.terminal: /dev/pts is not a devpts file system")
        }
        let master = try sys("open /dev/pts/ptmx") { sl_open_mode("/proc/self/fd/\(ptmxPath)", O_RDWR | O_NOCTTY | O_CLOEXEC, 0) }
        do {
            var unlock: Int32 = 0
            try sys("unlock pty") { sl_ioctl_ptr(master, SL_TIOCSPTLCK, &unlock) }
            let slave = try sys("open pty slave") { sl_ioctl(master, SL_TIOCGPTPEER, UInt(O_RDWR | O_NOCTTY | O_CLOEXEC)) }
            if let size = consoleSize {
                var window = winsize(ws_row: UInt16(clamping: size.height), ws_col: UInt16(clamping: size.width), ws_xpixel: 0, ws_ypixel: 0)
                try sys("set console size") { sl_ioctl_ptr(slave, SL_TIOCSWINSZ, &window) }
            }
            try sys("chown pty slave") { fchown(slave, uid, gid) }
            if bindConsole {
                let console = try consoleTarget(rooted)
                defer { close(console) }
                let tree = try MountAPI.cloneTree(dirFD: slave, path: "", recursive: false, for: "/dev/console")
                defer { close(tree) }
                try MountAPI.attach(tree, onto: console, for: "/dev/console")
            }
            return ContainerTerminal(master: master, slave: slave)
        } catch {
            close(master)
            throw error
        }
    }

    static let procMagic = 0x9fa0
    static let sysfsMagic = 0x6265_6572

    /// /dev/console as a mount target: never through a symlink (an image
    /// could point it at a procfs file and have the pty mounted there), and
    /// only a regular file or device node outside procfs and sysfs.
    static func consoleTarget(_ rooted: RootedPath) throws(RuntimeError) -> Int32 {
        let dev = try rooted.openOrCreate("/dev", as: .directory)
        defer { close(dev) }
        let devDir = try sys("open /dev") { sl_openat_mode(dev, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0) }
        defer { close(devDir) }
        var st = stat()
        if fstatat(devDir, "console", &st, Int32(SL_AT_SYMLINK_NOFOLLOW)) == 0 && (st.st_mode & S_IFMT) == S_IFLNK {
            try sys("replace the /dev/console symlink") { unlinkat(devDir, "console", 0) }
        }
        let created = sl_openat_mode(devDir, "console", O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        if created >= 0 { close(created) } else if currentErrno() != EEXIST && currentErrno() != EISDIR && currentErrno() != ENXIO {
            throw RuntimeError.sys("create /dev/console", currentErrno())
        }
        let target = try sys("open /dev/console") { sl_openat_mode(devDir, "console", SL_O_PATH | O_NOFOLLOW | O_CLOEXEC, 0) }
        let info = try fileStat(target, name: "/dev/console")
        let kind = info.st_mode & S_IFMT
        let fsType = sl_fstatfs_type(target)
        guard kind == S_IFREG || kind == S_IFCHR, fsType != procMagic, fsType != sysfsMagic else {
            close(target)
            throw RuntimeError("/dev/console in the container is not a file or device node on /dev; refusing to mount the console there")
        }
        return target
    }

    /// Makes the slave the controlling terminal and stdin/stdout/stderr.
    /// The caller must be a session leader.
    public func attachAsStdio() throws(RuntimeError) {
        try sys("make the pty the controlling terminal") { sl_ioctl(slave, SL_TIOCSCTTY, 0) }
        for target: Int32 in 0...2 {
            try sys("dup pty to fd \(target)") { dup2(slave, target) }
        }
        close(slave)
    }
}
