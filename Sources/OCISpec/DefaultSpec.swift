#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension Spec {
    /// The starting configuration printed by `spec`: a shell in a read-only
    /// `rootfs` with a small capability set and the usual pseudo-filesystems.
    /// `rootless` maps the caller's effective uid/gid to root in a new user
    /// namespace, drops the network namespace and the device cgroup rule, and
    /// bind-mounts the host /sys instead of mounting sysfs.
    public static func defaultSpec(rootless: Bool) -> Spec {
        let caps = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
        let process = Process(
            terminal: true,
            user: User(uid: 0, gid: 0),
            args: ["sh"],
            env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
            cwd: "/",
            capabilities: LinuxCapabilities(bounding: caps, effective: caps, permitted: caps),
            rlimits: [POSIXRlimit(type: "RLIMIT_NOFILE", hard: 1024, soft: 1024)],
            noNewPrivileges: true
        )

        var devpts = ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]
        if !rootless { devpts.append("gid=5") }
        let sys = rootless
            ? Mount(destination: "/sys", type: "none", source: "/sys", options: ["rbind", "nosuid", "noexec", "nodev", "ro"])
            : Mount(destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"])
        let mounts = [
            Mount(destination: "/proc", type: "proc", source: "proc"),
            Mount(destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"]),
            Mount(destination: "/dev/pts", type: "devpts", source: "devpts", options: devpts),
            Mount(destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]),
            Mount(destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"]),
            sys,
            Mount(destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["nosuid", "noexec", "nodev", "relatime", "ro"]),
        ]

        var linux = Linux(
            maskedPaths: [
                "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi",
                "/proc/interrupts", "/sys/devices/virtual/powercap",
            ],
            readonlyPaths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
        )
        if rootless {
            linux.uidMappings = [LinuxIDMapping(containerID: 0, hostID: UInt32(geteuid()), size: 1)]
            linux.gidMappings = [LinuxIDMapping(containerID: 0, hostID: UInt32(getegid()), size: 1)]
            linux.namespaces = [LinuxNamespace(.pid), LinuxNamespace(.ipc), LinuxNamespace(.uts),
                                LinuxNamespace(.mount), LinuxNamespace(.user)]
        } else {
            linux.resources = LinuxResources(devices: [LinuxDeviceCgroup(allow: false, access: "rwm")])
            linux.namespaces = [LinuxNamespace(.pid), LinuxNamespace(.network), LinuxNamespace(.ipc),
                                LinuxNamespace(.uts), LinuxNamespace(.mount)]
        }

        return Spec(
            ociVersion: SpecConstants.ociVersion,
            process: process,
            root: Root(path: "rootfs", readonly: true),
            hostname: "swiftlet",
            mounts: mounts,
            linux: linux
        )
    }
}
