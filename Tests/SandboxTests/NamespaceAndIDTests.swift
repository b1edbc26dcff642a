import Glibc
import OCISpec
import Testing
@testable import Sandbox

func failure<T>(_ body: () throws -> T) -> String? {
    do {
        _ = try body()
        return nil
    } catch {
        return "\(error)"
    }
}

@Suite struct IDMappingsTests {
    let mappings = [
        LinuxIDMapping(containerID: 0, hostID: 1000, size: 1),
        LinuxIDMapping(containerID: 1, hostID: 100_000, size: 65536),
    ]

    @Test func render() {
        #expect(IDMappings.render(mappings) == "0 1000 1\n1 100000 65536\n")
        #expect(IDMappings.render([]) == "")
    }

    @Test(arguments: [
        (0, 1000), (1, 100_000), (2, 100_001), (65536, 165_535), (65537, nil), (UInt32.max, nil),
    ] as [(UInt32, UInt32?)])
    func hostID(id: UInt32, expected: UInt32?) {
        #expect(IDMappings.hostID(id, in: mappings) == expected)
    }

    @Test func emptyAndZeroSizedMappingsMapNothing() {
        #expect(IDMappings.hostID(0, in: []) == nil)
        #expect(IDMappings.hostID(5, in: [LinuxIDMapping(containerID: 5, hostID: 9, size: 0)]) == nil)
    }

    @Test func mappingReachingTheTopOfTheRange() {
        let top = [LinuxIDMapping(containerID: UInt32.max - 1, hostID: 10, size: 2)]
        #expect(IDMappings.hostID(UInt32.max, in: top) == 11)
    }
}

@Suite struct NamespaceKindTests {
    @Test func cloneFlags() {
        #expect(NamespaceKind.user.cloneFlag == 0x1000_0000)
        #expect(NamespaceKind.mount.cloneFlag == 0x0002_0000)
        #expect(NamespaceKind.pid.cloneFlag == 0x2000_0000)
        #expect(NamespaceKind.network.cloneFlag == 0x4000_0000)
        #expect(NamespaceKind.ipc.cloneFlag == 0x0800_0000)
        #expect(NamespaceKind.uts.cloneFlag == 0x0400_0000)
        #expect(NamespaceKind.cgroup.cloneFlag == 0x0200_0000)
        #expect(NamespaceKind.time.cloneFlag == 0x0000_0080)
        #expect(Set(NamespaceKind.allCases.map(\.cloneFlag)).count == NamespaceKind.allCases.count)
    }

    @Test func procNames() {
        #expect(NamespaceKind.allCases.map(\.procName) == ["user", "mnt", "pid", "net", "ipc", "uts", "cgroup", "time"])
        #expect(NamespaceKind.allCases.map(\.procChildName) == ["user", "mnt", "pid_for_children", "net", "ipc", "uts", "cgroup", "time_for_children"])
    }

    @Test func everyProcNameExistsOnThisKernel() {
        for kind in NamespaceKind.allCases {
            #expect(access("/proc/self/ns/\(kind.procName)", F_OK) == 0, "\(kind)")
            #expect(access("/proc/self/ns/\(kind.procChildName)", F_OK) == 0, "\(kind)")
        }
    }

    @Test func specTypes() throws {
        for type in LinuxNamespaceType.allCases {
            #expect(try NamespaceKind(specType: type.rawValue).rawValue == type.rawValue)
        }
        #expect(failure { try NamespaceKind(specType: "net") } == #"linux.namespaces: unknown namespace type "net""#)
        #expect(failure { try NamespaceKind(specType: "") } == #"linux.namespaces: unknown namespace type """#)
    }
}

@Suite struct NamespacePlanTests {
    @Test func newNamespaces() throws {
        let plan = try NamespacePlan([LinuxNamespace(type: "pid"), LinuxNamespace(type: "mount"), LinuxNamespace(type: "network", path: "")])
        #expect(plan.new == [.pid, .mount, .network])
        #expect(plan.joins.isEmpty)
        #expect(plan.has(.pid) && plan.isNew(.pid))
        #expect(!plan.has(.user))
        #expect(plan.cloneFlags() == NamespaceKind.pid.cloneFlag | NamespaceKind.mount.cloneFlag | NamespaceKind.network.cloneFlag)
        #expect(plan.cloneFlags(excluding: [.pid]) == NamespaceKind.mount.cloneFlag | NamespaceKind.network.cloneFlag)
        #expect(NamespacePlan().cloneFlags() == 0)
    }

    @Test func duplicateTypeIsAnError() {
        let message = failure { try NamespacePlan([LinuxNamespace(type: "ipc"), LinuxNamespace(type: "uts"), LinuxNamespace(type: "ipc")]) }
        #expect(message == #"linux.namespaces: namespace type "ipc" listed twice"#)
    }

    @Test func unknownTypeIsAnError() {
        #expect(failure { try NamespacePlan([LinuxNamespace(type: "pid"), LinuxNamespace(type: "foo")]) } == #"linux.namespaces: unknown namespace type "foo""#)
    }

    @Test func joinByPath() throws {
        let plan = try NamespacePlan([LinuxNamespace(type: "network", path: "/proc/self/ns/net"), LinuxNamespace(type: "uts")])
        defer { plan.closeAll() }
        #expect(plan.new == [.uts])
        let join = try #require(plan.join(.network))
        #expect(join.kind == .network)
        #expect(join.path == "/proc/self/ns/net")
        #expect(join.fd >= 0)
        #expect(fcntl(join.fd, F_GETFD) & FD_CLOEXEC != 0)
        #expect(plan.has(.network) && !plan.isNew(.network))
        #expect(plan.cloneFlags() == NamespaceKind.uts.cloneFlag)
        // The fd is that namespace: same inode as /proc/self/ns/net.
        var viaFD = stat()
        var viaPath = stat()
        #expect(fstat(join.fd, &viaFD) == 0 && stat("/proc/self/ns/net", &viaPath) == 0)
        #expect(viaFD.st_ino == viaPath.st_ino)
    }

    @Test func everyKindJoinsItsOwnFile() throws {
        for kind in NamespaceKind.allCases {
            let join = try NamespacePlan.open(kind: kind, path: "/proc/self/ns/\(kind.procName)")
            #expect(join.kind == kind)
            close(join.fd)
        }
    }

    @Test func joinOfTheWrongType() {
        let message = failure { try NamespacePlan([LinuxNamespace(type: "ipc", path: "/proc/self/ns/net")]) }
        #expect(message == "namespace path /proc/self/ns/net is a network namespace, not ipc")
        let mnt = failure { try NamespacePlan.open(kind: .pid, path: "/proc/self/ns/mnt") }
        #expect(mnt == "namespace path /proc/self/ns/mnt is a mount namespace, not pid")
    }

    @Test func joinOfARegularFile() {
        #expect(failure { try NamespacePlan([LinuxNamespace(type: "network", path: "/proc/self/status")]) }
            == "namespace path /proc/self/status is not a namespace file (wanted network)")
        #expect(failure { try NamespacePlan.open(kind: .uts, path: "/dev/null") } == "namespace path /dev/null is not a namespace file (wanted uts)")
    }

    @Test func joinOfAMissingPath() {
        #expect(failure { try NamespacePlan([LinuxNamespace(type: "network", path: "/nonexistent/netns")]) }
            == "open network namespace /nonexistent/netns: No such file or directory")
    }
}
