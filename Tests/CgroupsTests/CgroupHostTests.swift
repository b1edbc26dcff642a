import LinuxCore
import Testing
@testable import Cgroups

/// mountinfo lines of this kind of host (Debian 12, hybrid): v1 controllers
/// each on its own hierarchy, name=systemd, and cgroup2 at unified.
let hybridMountInfo = """
22 27 0:20 / /sys rw,nosuid,nodev,noexec,relatime - sysfs sysfs rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
50 27 0:45 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw
"""

/// systemd's hybrid layout with co-mounted controllers and optional fields.
let comountedMountInfo = """
25 21 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755,inode64
26 25 0:23 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate
27 25 0:24 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,xattr,name=systemd
30 25 0:27 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,cpu,cpuacct
31 25 0:28 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,net_cls,net_prio
32 25 0:29 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,memory
33 25 0:30 / /sys/fs/cgroup/perf_event rw,nosuid,nodev,noexec,relatime shared:17 - cgroup cgroup rw,perf_event
34 25 0:31 / /sys/fs/cgroup/misc rw,nosuid,nodev,noexec,relatime shared:18 - cgroup cgroup rw,misc
"""

/// Pure cgroup v2 (the usual systemd layout today).
let unifiedOnlyMountInfo = """
24 22 0:21 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
"""

@Suite struct ProcCgroupTests {
    @Test func hybridHost() throws {
        let text = """
        9:name=systemd:/
        8:pids:/
        4:memory:/process_api/0bf1ce862dfd0a06906efbfdb275b460
        2:cpu,cpuacct:/user.slice
        0::/init.scope

        """
        let parsed = try CgroupHost.parseProcCgroup(text)
        #expect(parsed == [
            "name=systemd": "/", "pids": "/", "memory": "/process_api/0bf1ce862dfd0a06906efbfdb275b460",
            "cpu,cpuacct": "/user.slice", "": "/init.scope",
        ])
    }

    @Test func pathsMayContainColons() throws {
        #expect(try CgroupHost.parseProcCgroup("0::/a:b:c\n") == ["": "/a:b:c"])
    }

    @Test func malformedLinesAreSkipped() throws {
        #expect(try CgroupHost.parseProcCgroup("garbage\n1:cpu\n\n0::/ok") == ["": "/ok"])
        #expect(try CgroupHost.parseProcCgroup("") == [:])
    }

    @Test func ownCgroupOfThisProcess() throws {
        let own = try CgroupHost.parseProcCgroup(try FileIO.readString("/proc/self/cgroup"))
        #expect(own[""] != nil)
        #expect(own.values.allSatisfy { $0.hasPrefix("/") })
    }
}

@Suite struct MountInfoTests {
    @Test func hybridLayoutOfThisHost() throws {
        let hierarchies = try CgroupHost.parseMountInfo(hybridMountInfo)
        #expect(hierarchies.map(\.key) == ["cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids", "name=systemd", ""])
        #expect(hierarchies.map(\.name).last == "unified")
        let memory = try #require(hierarchies.first { $0.key == "memory" })
        #expect(memory == CgroupHierarchy(key: "memory", mountPoint: "/sys/fs/cgroup/memory", mountRoot: "/", controllers: ["memory"]))
        let systemd = try #require(hierarchies.first { $0.key == "name=systemd" })
        #expect(systemd.controllers == ["name=systemd"])
        #expect(systemd.mountPoint == "/sys/fs/cgroup/systemd")
        #expect(!systemd.isUnified)
        let unified = try #require(hierarchies.last)
        #expect(unified.isUnified)
        #expect(unified.mountPoint == "/sys/fs/cgroup/unified")
        #expect(unified.mountRoot == "/")
    }

    @Test func coMountedControllersShareAKey() throws {
        let hierarchies = try CgroupHost.parseMountInfo(comountedMountInfo)
        #expect(hierarchies.map(\.key) == ["", "name=systemd", "cpu,cpuacct", "net_cls,net_prio", "memory", "perf_event", "misc"])
        let cpu = try #require(hierarchies.first { $0.key == "cpu,cpuacct" })
        #expect(cpu.controllers == ["cpu", "cpuacct"])
        #expect(cpu.mountPoint == "/sys/fs/cgroup/cpu,cpuacct")
        #expect(cpu.name == "cpu,cpuacct")
        // "xattr" is a mount option, not a controller.
        #expect(hierarchies.first { $0.key == "name=systemd" }?.controllers == ["name=systemd"])
    }

    @Test func unifiedOnly() throws {
        let hierarchies = try CgroupHost.parseMountInfo(unifiedOnlyMountInfo)
        #expect(hierarchies.count == 1)
        #expect(hierarchies.first?.key == "")
        #expect(hierarchies.first?.mountPoint == "/sys/fs/cgroup")
        #expect(hierarchies.first?.name == "unified")
    }

    @Test func namedHierarchyWithControllers() throws {
        let line = "40 31 0:37 / /sys/fs/cgroup/odd rw,relatime - cgroup cgroup rw,name=odd,pids\n"
        let hierarchies = try CgroupHost.parseMountInfo(line)
        #expect(hierarchies.map(\.key) == ["pids,name=odd"])
        #expect(hierarchies.first?.controllers == ["pids", "name=odd"])
    }

    @Test func mountsOutsideTheCgroupRootAndDuplicatesAreIgnored() throws {
        let text = """
        60 1 0:40 / /mnt/cg rw,relatime - cgroup cgroup rw,memory
        61 1 0:41 / /sys/fs/cgroupfoo rw,relatime - cgroup cgroup rw,pids
        35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
        62 31 0:32 / /sys/fs/cgroup/memory-again rw,relatime - cgroup cgroup rw,memory
        63 31 0:50 / /sys/fs/cgroup/nothing rw,relatime - cgroup cgroup rw,xattr
        64 31 0:51 / /sys/fs/cgroup/short rw - cgroup
        not a mountinfo line
        """
        let hierarchies = try CgroupHost.parseMountInfo(text)
        #expect(hierarchies.map(\.mountPoint) == ["/sys/fs/cgroup/memory"])
    }

    @Test func mountRootInsideAContainer() throws {
        let line = "700 690 0:32 /docker/abc /sys/fs/cgroup/memory ro,nosuid - cgroup cgroup rw,memory\n"
        let hierarchies = try CgroupHost.parseMountInfo(line)
        #expect(hierarchies.first?.mountRoot == "/docker/abc")
    }
}

@Suite struct HostShapeTests {
    @Test func unifiedAndV1Accessors() throws {
        let host = CgroupHost(mode: .hybrid, hierarchies: try CgroupHost.parseMountInfo(comountedMountInfo), ownPaths: [:])
        #expect(host.unified?.mountPoint == "/sys/fs/cgroup/unified")
        #expect(host.v1.count == 6)
        #expect(!host.v1.contains { $0.isUnified })
    }

    @Test func detectOnThisHost() throws {
        let host = try CgroupHost.detect()
        #expect(!host.hierarchies.isEmpty)
        #expect(host.ownPaths[""] != nil)
        switch host.mode {
        case .unified: #expect(host.hierarchies.count == 1 && host.hierarchies[0].mountPoint == "/sys/fs/cgroup")
        case .hybrid: #expect(host.unified != nil && !host.v1.isEmpty)
        case .legacy: #expect(host.unified == nil)
        }
    }
}
