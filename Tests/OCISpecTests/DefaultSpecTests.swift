import Testing
@testable import OCISpec

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

@Suite struct DefaultSpecTests {
    @Test(arguments: [false, true])
    func validatesAndRoundTrips(rootless: Bool) throws {
        let spec = Spec.defaultSpec(rootless: rootless)
        try spec.validate()
        #expect(try Spec.decode(spec.encodedJSON(pretty: true)) == spec)
        #expect(try Spec.decode(spec.encodedJSON(pretty: false)) == spec)
    }

    @Test func rootfulValues() throws {
        let spec = Spec.defaultSpec(rootless: false)
        #expect(spec.ociVersion == "1.3.0")
        #expect(spec.hostname == "swiftlet")
        #expect(spec.root == Root(path: "rootfs", readonly: true))
        let process = try #require(spec.process)
        #expect(process.args == ["sh"])
        #expect(process.terminal == true)
        #expect(process.cwd == "/")
        #expect(process.user == User(uid: 0, gid: 0))
        #expect(process.noNewPrivileges == true)
        #expect(process.rlimits == [POSIXRlimit(type: "RLIMIT_NOFILE", hard: 1024, soft: 1024)])
        let caps = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
        // No ambient set: without inheritable capabilities the kernel could not raise them.
        #expect(process.capabilities == LinuxCapabilities(bounding: caps, effective: caps, permitted: caps))
        #expect(spec.mounts?.map(\.destination) == ["/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup"])
        #expect(spec.mounts?[2].options?.contains("gid=5") == true)
        #expect(spec.mounts?[5].type == "sysfs")
        let linux = try #require(spec.linux)
        #expect(linux.namespaces?.map(\.type) == ["pid", "network", "ipc", "uts", "mount"])
        #expect(linux.resources?.devices == [LinuxDeviceCgroup(allow: false, access: "rwm")])
        #expect(linux.uidMappings == nil)
        #expect(linux.maskedPaths?.contains("/proc/kcore") == true)
        #expect(linux.maskedPaths?.contains("/proc/interrupts") == true)
        #expect(linux.maskedPaths?.contains("/sys/devices/virtual/powercap") == true)
        #expect(linux.readonlyPaths == ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"])
    }

    @Test func rootlessValues() throws {
        let spec = Spec.defaultSpec(rootless: true)
        let linux = try #require(spec.linux)
        #expect(linux.namespaces?.map(\.type) == ["pid", "ipc", "uts", "mount", "user"])
        #expect(linux.uidMappings == [LinuxIDMapping(containerID: 0, hostID: UInt32(geteuid()), size: 1)])
        #expect(linux.gidMappings == [LinuxIDMapping(containerID: 0, hostID: UInt32(getegid()), size: 1)])
        #expect(linux.resources == nil)
        #expect(spec.mounts?[2].options?.contains("gid=5") == false)
        #expect(spec.mounts?[5] == Mount(destination: "/sys", type: "none", source: "/sys",
                                          options: ["rbind", "nosuid", "noexec", "nodev", "ro"]))
    }

    @Test func encodingIsSortedDeterministicAndOmitsNil() throws {
        let spec = Spec.defaultSpec(rootless: false)
        let a = try spec.encodedJSON(pretty: false)
        let b = try spec.encodedJSON(pretty: false)
        #expect(a == b)
        let text = String(decoding: a, as: UTF8.self)
        #expect(text.hasPrefix(#"{"hostname":"swiftlet","linux":{"#))
        #expect(!text.contains("null"))
        #expect(!text.contains("domainname"))
        #expect(!text.contains("\\/"))
        #expect(text.contains(#""destination":"/proc""#))
        let root = String(decoding: try OCIJSON.encode(Root(path: "rootfs"), pretty: false), as: UTF8.self)
        #expect(root == #"{"path":"rootfs"}"#)
    }

    @Test func stateEncoding() throws {
        let state = State(id: "c1", status: .created, pid: 42, bundle: "/b")
        let text = String(decoding: try state.encodedJSON(), as: UTF8.self)
        #expect(text == #"{"bundle":"/b","id":"c1","ociVersion":"1.3.0","pid":42,"status":"created"}"#)
        let stopped = State(id: "c1", status: .stopped, bundle: "/b")
        #expect(!String(decoding: try stopped.encodedJSON(), as: UTF8.self).contains("pid"))
    }
}
