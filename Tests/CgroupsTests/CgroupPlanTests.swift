import LinuxCore
import OCISpec
import Testing
@testable import Cgroups

private func failure<T>(_ body: () throws -> T) -> String? {
    do {
        _ = try body()
        return nil
    } catch {
        return "\(error)"
    }
}

/// A hybrid host shaped like this machine, with the runtime in a nested
/// memory cgroup and co-mounted cpu,cpuacct.
private let hybridHost = CgroupHost(
    mode: .hybrid,
    hierarchies: [
        CgroupHierarchy(key: "cpu,cpuacct", mountPoint: "/sys/fs/cgroup/cpu,cpuacct", mountRoot: "/", controllers: ["cpu", "cpuacct"]),
        CgroupHierarchy(key: "memory", mountPoint: "/sys/fs/cgroup/memory", mountRoot: "/", controllers: ["memory"]),
        CgroupHierarchy(key: "freezer", mountPoint: "/sys/fs/cgroup/freezer", mountRoot: "/", controllers: ["freezer"]),
        CgroupHierarchy(key: "name=systemd", mountPoint: "/sys/fs/cgroup/systemd", mountRoot: "/", controllers: ["name=systemd"]),
        CgroupHierarchy(key: "", mountPoint: "/sys/fs/cgroup/unified", mountRoot: "/", controllers: []),
    ],
    ownPaths: ["cpu,cpuacct": "/", "memory": "/process_api/abc", "freezer": "/", "name=systemd": "/user.slice/s.scope", "": "/"]
)

private let unifiedHost = CgroupHost(
    mode: .unified,
    hierarchies: [CgroupHierarchy(key: "", mountPoint: "/sys/fs/cgroup", mountRoot: "/", controllers: ["cpu", "memory", "pids"])],
    ownPaths: ["": "/user.slice/user-0.slice/session-1.scope"]
)

@Suite struct CgroupPlanTests {
    @Test func absolutePathGoesUnderEveryMountPoint() throws {
        let plan = try CgroupManager.plan(host: hybridHost, cgroupsPath: "/swiftlet/c1", id: "ignored")
        #expect(plan.paths == [
            "cpu,cpuacct": "/sys/fs/cgroup/cpu,cpuacct/swiftlet/c1",
            "memory": "/sys/fs/cgroup/memory/swiftlet/c1",
            "freezer": "/sys/fs/cgroup/freezer/swiftlet/c1",
            "name=systemd": "/sys/fs/cgroup/systemd/swiftlet/c1",
            "unified": "/sys/fs/cgroup/unified/swiftlet/c1",
        ])
        #expect(plan.unifiedPath == "/sys/fs/cgroup/unified/swiftlet/c1")
    }

    @Test func absolutePathIsCleaned() throws {
        let plan = try CgroupManager.plan(host: unifiedHost, cgroupsPath: "//a/./b/../c//", id: "x")
        #expect(plan.paths == ["unified": "/sys/fs/cgroup/a/c"])
        let escape = try CgroupManager.plan(host: unifiedHost, cgroupsPath: "/../../etc", id: "x")
        #expect(escape.paths == ["unified": "/sys/fs/cgroup/etc"])
    }

    @Test func relativePathGoesUnderOwnCgroupPerHierarchy() throws {
        let plan = try CgroupManager.plan(host: hybridHost, cgroupsPath: "group/c1", id: "ignored")
        #expect(plan.paths == [
            "cpu,cpuacct": "/sys/fs/cgroup/cpu,cpuacct/group/c1",
            "memory": "/sys/fs/cgroup/memory/process_api/abc/group/c1",
            "freezer": "/sys/fs/cgroup/freezer/group/c1",
            "name=systemd": "/sys/fs/cgroup/systemd/user.slice/s.scope/group/c1",
            "unified": "/sys/fs/cgroup/unified/group/c1",
        ])
    }

    @Test(arguments: [nil, ""] as [String?])
    func absentPathUsesTheID(cgroupsPath: String?) throws {
        let plan = try CgroupManager.plan(host: unifiedHost, cgroupsPath: cgroupsPath, id: "my-id")
        #expect(plan.paths == ["unified": "/sys/fs/cgroup/user.slice/user-0.slice/session-1.scope/my-id"])
        let hybrid = try CgroupManager.plan(host: hybridHost, cgroupsPath: cgroupsPath, id: "my-id")
        #expect(hybrid.paths["memory"] == "/sys/fs/cgroup/memory/process_api/abc/my-id")
        #expect(hybrid.paths["unified"] == "/sys/fs/cgroup/unified/my-id")
    }

    @Test func ownPathMissingForAHierarchyMeansRoot() throws {
        var host = hybridHost
        host.ownPaths = [:]
        let plan = try CgroupManager.plan(host: host, cgroupsPath: nil, id: "c")
        #expect(plan.paths["memory"] == "/sys/fs/cgroup/memory/c")
    }

    @Test(arguments: ["/", "//", "/a/..", "/./"])
    func rootCgroupIsRefused(path: String) {
        let message = failure { try CgroupManager.plan(host: hybridHost, cgroupsPath: path, id: "c") }
        #expect(message == "linux.cgroupsPath \(path.debugDescription): refusing to use the root cgroup")
    }

    @Test func relativePathClimbingToTheRootIsRefused() {
        let message = failure { try CgroupManager.plan(host: unifiedHost, cgroupsPath: "../../../..", id: "c") }
        #expect(message == #"linux.cgroupsPath "../../../..": refusing to use the root cgroup"#)
    }

    @Test(arguments: ["system.slice:swiftlet:c1", ":swiftlet:c1", "a:b"])
    func systemdSliceSyntaxIsRefused(path: String) throws {
        let message = try #require(failure { try CgroupManager.plan(host: hybridHost, cgroupsPath: path, id: "c") })
        #expect(message.hasPrefix("linux.cgroupsPath \(path.debugDescription) looks like a systemd slice:prefix:name"))
        #expect(message.contains("systemd"))
        #expect(!message.contains("\n"))
    }

    @Test func absolutePathWithAColonIsAPath() throws {
        let plan = try CgroupManager.plan(host: unifiedHost, cgroupsPath: "/a:b", id: "c")
        #expect(plan.paths == ["unified": "/sys/fs/cgroup/a:b"])
    }

    @Test func mountRootIsStrippedInsideAContainer() throws {
        let host = CgroupHost(
            mode: .legacy,
            hierarchies: [CgroupHierarchy(key: "memory", mountPoint: "/sys/fs/cgroup/memory", mountRoot: "/docker/abc", controllers: ["memory"])],
            ownPaths: ["memory": "/docker/abc"]
        )
        let relative = try CgroupManager.plan(host: host, cgroupsPath: "c1", id: "x")
        #expect(relative.paths == ["memory": "/sys/fs/cgroup/memory/c1"])
        let inside = try CgroupManager.plan(host: host, cgroupsPath: "/docker/abc/c2", id: "x")
        #expect(inside.paths == ["memory": "/sys/fs/cgroup/memory/c2"])
        let outside = try CgroupManager.plan(host: host, cgroupsPath: "/other/c3", id: "x")
        #expect(outside.paths == ["memory": "/sys/fs/cgroup/memory/other/c3"])
        // A sibling that merely shares the prefix is not under the mount root.
        let sibling = try CgroupManager.plan(host: host, cgroupsPath: "/docker/abcdef", id: "x")
        #expect(sibling.paths == ["memory": "/sys/fs/cgroup/memory/docker/abcdef"])
    }

    @Test func controllerLookup() throws {
        let plan = try CgroupManager.plan(host: hybridHost, cgroupsPath: "/s/c", id: "c")
        #expect(plan.path(for: "cpu") == "/sys/fs/cgroup/cpu,cpuacct/s/c")
        #expect(plan.path(for: "cpuacct") == "/sys/fs/cgroup/cpu,cpuacct/s/c")
        #expect(plan.path(for: "memory") == "/sys/fs/cgroup/memory/s/c")
        #expect(plan.path(for: "freezer") == "/sys/fs/cgroup/freezer/s/c")
        #expect(plan.path(for: "pids") == nil)
        let unified = try CgroupManager.plan(host: unifiedHost, cgroupsPath: "/s/c", id: "c")
        #expect(unified.path(for: "memory") == "/sys/fs/cgroup/s/c")
        #expect(unified.path(for: "freezer") == "/sys/fs/cgroup/s/c")
    }

    @Test func recordedPathsRebuildTheManager() {
        let recorded = ["unified": "/sys/fs/cgroup/unified/c", "memory": "/sys/fs/cgroup/memory/c", "cpu,cpuacct": "/sys/fs/cgroup/cpu,cpuacct/c"]
        let manager = CgroupManager(recordedPaths: recorded)
        #expect(manager.host.mode == .hybrid)
        #expect(manager.paths == recorded)
        #expect(manager.path(for: "cpuacct") == "/sys/fs/cgroup/cpu,cpuacct/c")
        #expect(manager.unifiedPath == "/sys/fs/cgroup/unified/c")
        let v2 = CgroupManager(recordedPaths: ["unified": "/sys/fs/cgroup/c"])
        #expect(v2.host.mode == .unified)
        #expect(v2.path(for: "memory") == "/sys/fs/cgroup/c")
    }

    @Test func freezerWithoutDirectoriesIsAnError() {
        let manager = CgroupManager(recordedPaths: [:])
        #expect(failure { try CgroupFreezer.freeze(manager) } == "the container has no freezer cgroup")
        #expect((try? manager.isFrozen()) == false)
        #expect((try? manager.pids()) == [])
    }
}

@Suite struct DeviceRulesTests {
    @Test func defaultsOnly() throws {
        let rules = try DeviceRules.rules(nil)
        #expect(rules == DeviceRules.defaultAllowed)
        #expect(rules.map(\.v1Line) == [
            "c *:* m", "b *:* m", "c 1:3 rwm", "c 1:8 rwm", "c 1:7 rwm", "c 5:0 rwm", "c 1:5 rwm", "c 1:9 rwm",
            "c 5:1 rwm", "c 136:* rwm", "c 5:2 rwm",
        ])
        #expect(rules.allSatisfy { $0.allow })
        #expect(try DeviceRules.rules([]) == DeviceRules.defaultAllowed)
    }

    @Test func configRulesComeFirstThenDefaults() throws {
        let rules = try DeviceRules.rules([
            LinuxDeviceCgroup(allow: false, access: "rwm"),
            LinuxDeviceCgroup(allow: true, type: "c", major: 10, minor: 200, access: "rw"),
            LinuxDeviceCgroup(allow: true, type: "b", major: 8, access: "r"),
            LinuxDeviceCgroup(allow: false, type: "c", minor: 1, access: "w"),
            LinuxDeviceCgroup(allow: true, type: "c", major: 4, minor: 1),
            LinuxDeviceCgroup(allow: false, type: "", access: "m"),
        ])
        #expect(rules.count == 6 + DeviceRules.defaultAllowed.count)
        #expect(Array(rules.dropFirst(6)) == DeviceRules.defaultAllowed)
        #expect(rules.prefix(6).map(\.v1Line) == ["a *:* rwm", "c 10:200 rw", "b 8:* r", "c *:1 w", "c 4:1 rwm", "a *:* rwm"])
        #expect(rules.prefix(6).map(\.allow) == [false, true, true, false, true, false])
        #expect(rules[0].type == "a")
        #expect(rules[4].access == "rwm")
        #expect(rules[5].type == "a")
    }

    @Test(arguments: [
        (LinuxDeviceCgroup(allow: true, type: "x"), #"linux.resources.devices[1].type: unknown device type "x""#),
        (LinuxDeviceCgroup(allow: true, type: "p", major: 1), #"linux.resources.devices[1].type: unknown device type "p""#),
        (LinuxDeviceCgroup(allow: true, type: "c", access: "rwx"), #"linux.resources.devices[1].access: "rwx" is not a combination of r, w, m"#),
        (LinuxDeviceCgroup(allow: true, type: "c", access: ""), #"linux.resources.devices[1].access: "" is not a combination of r, w, m"#),
        (LinuxDeviceCgroup(allow: true, type: "b", access: "R"), #"linux.resources.devices[1].access: "R" is not a combination of r, w, m"#),
    ])
    func badRules(device: LinuxDeviceCgroup, expected: String) {
        let good = LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 3, access: "r")
        #expect(failure { try DeviceRules.rules([good, device]) } == expected)
    }

    @Test func v1LineOfAnAllRuleIgnoresNumbers() {
        let rule = DeviceRules.Rule(allow: false, type: "a", major: 1, minor: 2, access: "r")
        #expect(rule.v1Line == "a *:* rwm")
    }
}
