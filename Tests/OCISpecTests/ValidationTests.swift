import Testing
@testable import OCISpec

@Suite struct ValidationTests {
    @Test func baseSpecIsValid() {
        #expect(validationError(baseSpec()) == nil)
    }

    @Test(arguments: ["1.0.0", "1.0.2-dev", "1.3.0+dev", "1.3.7", "1.1.0-rc.1", "1.2.1", "1.0.0-rc5-dev+build.1"])
    func acceptedVersions(version: String) {
        var spec = baseSpec()
        spec.ociVersion = version
        #expect(validationError(spec) == nil)
    }

    @Test(arguments: [
        ("2.0.0", #"config.json: ociVersion: unsupported version "2.0.0" (supported: 1.0.0 to 1.3.x)"#),
        ("1.4.0", #"config.json: ociVersion: unsupported version "1.4.0" (supported: 1.0.0 to 1.3.x)"#),
        ("0.5.0-dev", #"config.json: ociVersion: unsupported version "0.5.0-dev" (supported: 1.0.0 to 1.3.x)"#),
        ("0.9", #"config.json: ociVersion: "0.9" is not a semantic version (supported: 1.0.0 to 1.3.x)"#),
        ("abc", #"config.json: ociVersion: "abc" is not a semantic version (supported: 1.0.0 to 1.3.x)"#),
        ("1.02.0", #"config.json: ociVersion: "1.02.0" is not a semantic version (supported: 1.0.0 to 1.3.x)"#),
        ("", #"config.json: ociVersion: "" is not a semantic version (supported: 1.0.0 to 1.3.x)"#),
    ])
    func rejectedVersions(version: String, expected: String) {
        var spec = baseSpec()
        spec.ociVersion = version
        #expect(validationError(spec) == expected)
    }

    @Test func rootPath() {
        var spec = baseSpec()
        spec.root.path = ""
        #expect(validationError(spec) == "config.json: root.path: must not be empty")
        #expect(configError(#"{"ociVersion": "1.0.0"}"#) == "config.json: root: required field missing")
    }

    @Test func processArgsAndCwd() {
        var spec = baseSpec()
        spec.process?.args = []
        #expect(validationError(spec) == "config.json: process.args: must contain at least one entry")
        spec = baseSpec()
        spec.process?.cwd = "tmp"
        #expect(validationError(spec) == #"config.json: process.cwd: must be an absolute path, got "tmp""#)
    }

    @Test func rlimits() {
        var spec = baseSpec()
        spec.process?.rlimits = [POSIXRlimit(type: "RLIMIT_NOFILE", hard: 1, soft: 1), POSIXRlimit(type: "RLIMIT_FOO", hard: 1, soft: 1)]
        #expect(validationError(spec) == #"config.json: process.rlimits[1].type: unknown resource limit "RLIMIT_FOO""#)
        spec.process?.rlimits = [
            POSIXRlimit(type: "RLIMIT_NOFILE", hard: 1, soft: 1), POSIXRlimit(type: "RLIMIT_CORE", hard: 1, soft: 1),
            POSIXRlimit(type: "RLIMIT_NOFILE", hard: 2, soft: 2),
        ]
        #expect(validationError(spec) == #"config.json: process.rlimits[2].type: duplicate resource limit "RLIMIT_NOFILE""#)
    }

    @Test func capabilityShape() {
        var spec = baseSpec()
        spec.process?.capabilities?.ambient = ["CAP_KILL", "cap_chown"]
        #expect(validationError(spec) == #"config.json: process.capabilities.ambient[1]: invalid capability name "cap_chown""#)
        spec.process?.capabilities?.ambient = ["CAP_SOMETHING_NEW"]
        #expect(validationError(spec) == nil)
        spec.process?.capabilities?.bounding = ["CAP_"]
        #expect(validationError(spec) == #"config.json: process.capabilities.bounding[0]: invalid capability name "CAP_""#)
    }

    @Test func ioPrioritySchedulerAffinity() {
        var spec = baseSpec()
        spec.process?.ioPriority = IOPriority(class: "IOPRIO_CLASS_FOO", priority: 1)
        #expect(validationError(spec) == #"config.json: process.ioPriority.class: unknown I/O priority class "IOPRIO_CLASS_FOO""#)
        spec.process?.ioPriority = IOPriority(class: "IOPRIO_CLASS_BE", priority: 8)
        #expect(validationError(spec) == "config.json: process.ioPriority.priority: must be between 0 and 7, got 8")
        spec = baseSpec()
        spec.process?.scheduler = Scheduler(policy: "SCHED_FAST")
        #expect(validationError(spec) == #"config.json: process.scheduler.policy: unknown scheduler policy "SCHED_FAST""#)
        spec.process?.scheduler = Scheduler(policy: "SCHED_DEADLINE", flags: ["SCHED_FLAG_RECLAIM", "X"])
        #expect(validationError(spec) == #"config.json: process.scheduler.flags[1]: unknown scheduler flag "X""#)
        spec = baseSpec()
        spec.process?.execCPUAffinity = CPUAffinity(initial: "0-3, 7", final: "all")
        #expect(validationError(spec) == #"config.json: process.execCPUAffinity.final: invalid CPU list "all""#)
    }

    @Test func mountDestinationsMustBeAbsolute() {
        var spec = baseSpec()
        spec.mounts?[3].destination = "dev/shm"
        #expect(validationError(spec) == nil, "relative destinations are deprecated but valid on Linux")
        spec.mounts?[3].destination = ""
        #expect(validationError(spec) == #"config.json: mounts[3].destination: must not be empty"#)
    }

    @Test func mountIDMappingsComeInPairs() {
        var spec = baseSpec()
        spec.mounts?[0].uidMappings = [LinuxIDMapping(containerID: 0, hostID: 1000, size: 1)]
        #expect(validationError(spec) == "config.json: mounts[0].gidMappings: required together with uidMappings")
    }

    @Test func hooks() {
        var spec = baseSpec()
        spec.hooks = Hooks(createRuntime: [Hook(path: "/bin/true"), Hook(path: "hook.sh")])
        #expect(validationError(spec) == #"config.json: hooks.createRuntime[1].path: must be an absolute path, got "hook.sh""#)
        spec.hooks = Hooks(poststop: [Hook(path: "/bin/true", timeout: 0)])
        #expect(validationError(spec) == "config.json: hooks.poststop[0].timeout: must be greater than zero, got 0")
    }

    @Test func namespaces() {
        var spec = baseSpec()
        spec.linux?.namespaces?[2] = LinuxNamespace(type: "foo")
        #expect(validationError(spec) == #"config.json: linux.namespaces[2].type: unknown namespace type "foo""#)
        spec = baseSpec()
        spec.linux?.namespaces?.append(LinuxNamespace(.pid))
        #expect(validationError(spec) == #"config.json: linux.namespaces[8].type: duplicate namespace type "pid""#)
        spec = baseSpec()
        spec.linux?.namespaces?[1].path = "proc/1/ns/net"
        #expect(validationError(spec) == #"config.json: linux.namespaces[1].path: must be an absolute path, got "proc/1/ns/net""#)
        spec.linux?.namespaces?[1].path = ""
        #expect(validationError(spec) == nil)
    }

    @Test func userNamespaceMappings() {
        var spec = Spec.defaultSpec(rootless: false)
        spec.linux?.uidMappings = [LinuxIDMapping(containerID: 0, hostID: 1000, size: 1)]
        #expect(validationError(spec) == "config.json: linux.uidMappings: requires a user namespace in linux.namespaces")
        spec.linux?.uidMappings = nil
        spec.linux?.gidMappings = [LinuxIDMapping(containerID: 0, hostID: 1000, size: 1)]
        #expect(validationError(spec) == "config.json: linux.gidMappings: requires a user namespace in linux.namespaces")

        spec = baseSpec()
        spec.linux?.uidMappings = nil
        #expect(validationError(spec) == "config.json: linux.uidMappings: required when creating a new user namespace")
        spec = baseSpec()
        spec.linux?.gidMappings = []
        #expect(validationError(spec) == "config.json: linux.gidMappings: required when creating a new user namespace")

        // Joining an existing user namespace needs no mappings.
        spec = baseSpec()
        spec.linux?.uidMappings = nil
        spec.linux?.gidMappings = nil
        let joined = spec.linux?.namespaces?.map { $0.type == "user" ? LinuxNamespace(.user, path: "/proc/42/ns/user") : $0 }
        spec.linux?.namespaces = joined
        #expect(validationError(spec) == nil)
    }

    @Test func timeOffsets() {
        var spec = Spec.defaultSpec(rootless: false)
        spec.linux?.timeOffsets = ["monotonic": LinuxTimeOffset(secs: 10)]
        #expect(validationError(spec) == "config.json: linux.timeOffsets: requires a time namespace in linux.namespaces")
        spec = baseSpec()
        spec.linux?.timeOffsets = ["monotonic": LinuxTimeOffset(secs: 10), "realtime": LinuxTimeOffset(secs: 1)]
        #expect(validationError(spec) == #"config.json: linux.timeOffsets.realtime: unknown clock "realtime" (expected monotonic or boottime)"#)
    }

    @Test func hostnameAndDomainnameNeedUTS() {
        var spec = baseSpec()
        spec.linux?.namespaces?.removeAll { $0.type == "uts" }
        #expect(validationError(spec) == "config.json: hostname: requires a uts namespace in linux.namespaces")
        spec.hostname = nil
        spec.domainname = "example.org"
        #expect(validationError(spec) == "config.json: domainname: requires a uts namespace in linux.namespaces")
        spec.domainname = ""
        #expect(validationError(spec) == nil)
        spec.linux = nil
        spec.hostname = "h"
        #expect(validationError(spec) == "config.json: hostname: requires a uts namespace in linux.namespaces")
    }

    @Test(arguments: SpecConstants.rootfsPropagations)
    func rootfsPropagationAccepted(value: String) {
        var spec = baseSpec()
        spec.linux?.rootfsPropagation = value
        #expect(validationError(spec) == nil)
    }

    @Test func rootfsPropagationRejected() {
        var spec = baseSpec()
        spec.linux?.rootfsPropagation = "rwhatever"
        #expect(validationError(spec) == #"config.json: linux.rootfsPropagation: unknown rootfs propagation "rwhatever""#)
    }

    @Test func devices() {
        var spec = baseSpec()
        spec.linux?.devices = [LinuxDevice(type: "c", path: "/dev/fuse", major: 10, minor: 229), LinuxDevice(type: "x", path: "/dev/x")]
        #expect(validationError(spec) == #"config.json: linux.devices[1].type: unknown device type "x""#)
        spec.linux?.devices = [LinuxDevice(type: "b", path: "/dev/sda", minor: 0)]
        #expect(validationError(spec) == #"config.json: linux.devices[0].major: required for device type "b""#)
        spec.linux?.devices = [LinuxDevice(type: "u", path: "/dev/sda", major: 8)]
        #expect(validationError(spec) == #"config.json: linux.devices[0].minor: required for device type "u""#)
        spec.linux?.devices = [LinuxDevice(type: "p", path: "/dev/fifo")]
        #expect(validationError(spec) == nil)
        spec.linux?.devices = [LinuxDevice(type: "p", path: "dev/fifo")]
        #expect(validationError(spec) == #"config.json: linux.devices[0].path: must be an absolute path, got "dev/fifo""#)
    }

    @Test func maskedAndReadonlyPaths() {
        var spec = baseSpec()
        spec.linux?.maskedPaths?.append("proc/kcore")
        #expect(validationError(spec) == #"config.json: linux.maskedPaths[12]: must be an absolute path, got "proc/kcore""#)
        spec = baseSpec()
        spec.linux?.readonlyPaths = ["sys"]
        #expect(validationError(spec) == #"config.json: linux.readonlyPaths[0]: must be an absolute path, got "sys""#)
    }

    @Test func seccomp() {
        var spec = baseSpec()
        let rule = LinuxSyscall(names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 1,
                                args: [LinuxSeccompArg(index: 0, value: 1, op: "SCMP_CMP_MASKED_EQ")])
        spec.linux?.seccomp = LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64"],
                                           flags: ["SECCOMP_FILTER_FLAG_LOG"], syscalls: [rule])
        #expect(validationError(spec) == nil)

        var s = spec
        s.linux?.seccomp?.defaultAction = "SCMP_ACT_MAYBE"
        #expect(validationError(s) == #"config.json: linux.seccomp.defaultAction: unknown seccomp action "SCMP_ACT_MAYBE""#)
        s = spec
        s.linux?.seccomp?.syscalls?[0].action = "ALLOW"
        #expect(validationError(s) == #"config.json: linux.seccomp.syscalls[0].action: unknown seccomp action "ALLOW""#)
        s = spec
        s.linux?.seccomp?.syscalls?[0].args?[0].op = "SCMP_CMP_FOO"
        #expect(validationError(s) == #"config.json: linux.seccomp.syscalls[0].args[0].op: unknown seccomp operator "SCMP_CMP_FOO""#)
        s = spec
        s.linux?.seccomp?.architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_VAX"]
        #expect(validationError(s) == #"config.json: linux.seccomp.architectures[1]: unknown seccomp architecture "SCMP_ARCH_VAX""#)
        s = spec
        s.linux?.seccomp?.flags = ["SECCOMP_FILTER_FLAG_NEW"]
        #expect(validationError(s) == #"config.json: linux.seccomp.flags[0]: unknown seccomp flag "SECCOMP_FILTER_FLAG_NEW""#)
        s = spec
        s.linux?.seccomp?.syscalls?[0].names = []
        #expect(validationError(s) == "config.json: linux.seccomp.syscalls[0].names: must contain at least one entry")
        s = spec
        s.linux?.seccomp?.syscalls?[0].action = "SCMP_ACT_KILL"
        #expect(validationError(s) == "config.json: linux.seccomp.syscalls[0].errnoRet: not allowed with action SCMP_ACT_KILL")
        s = spec
        s.linux?.seccomp?.defaultErrnoRet = 38
        #expect(validationError(s) == "config.json: linux.seccomp.defaultErrnoRet: not allowed with default action SCMP_ACT_ALLOW")
        s = spec
        s.linux?.seccomp?.syscalls?.append(LinuxSyscall(names: ["bpf"], action: "SCMP_ACT_NOTIFY"))
        #expect(validationError(s) == "config.json: linux.seccomp.listenerPath: required when SCMP_ACT_NOTIFY is used")
        s.linux?.seccomp?.listenerPath = "/run/agent.sock"
        #expect(validationError(s) == nil)
        s = spec
        s.linux?.seccomp?.listenerMetadata = "x"
        #expect(validationError(s) == "config.json: linux.seccomp.listenerMetadata: requires linux.seccomp.listenerPath")
    }

    @Test func resources() {
        var spec = baseSpec()
        spec.linux?.resources?.devices?.append(LinuxDeviceCgroup(allow: true, type: "x"))
        #expect(validationError(spec) == #"config.json: linux.resources.devices[1].type: unknown device type "x""#)
        spec = baseSpec()
        spec.linux?.resources?.devices?.append(LinuxDeviceCgroup(allow: true, type: "c", major: 1, minor: 3, access: "rwx"))
        #expect(validationError(spec) == #"config.json: linux.resources.devices[1].access: invalid access "rwx" (a combination of r, w, m)"#)
        spec = baseSpec()
        spec.linux?.resources?.blockIO = LinuxBlockIO(weightDevice: [LinuxWeightDevice(major: 8, minor: 0)])
        #expect(validationError(spec) == "config.json: linux.resources.blockIO.weightDevice[0]: needs weight or leafWeight")
        spec = baseSpec()
        spec.linux?.resources?.hugepageLimits = [LinuxHugepageLimit(pageSize: "2MB", limit: 1), LinuxHugepageLimit(pageSize: "02MB", limit: 1)]
        #expect(validationError(spec) == #"config.json: linux.resources.hugepageLimits[1].pageSize: invalid page size "02MB" (expected a form like 2MB, 64KB, 1GB)"#)
        spec = baseSpec()
        spec.linux?.resources?.rdma = ["mlx5_1": LinuxRdma(hcaHandles: 1), "rxe0": LinuxRdma()]
        #expect(validationError(spec) == "config.json: linux.resources.rdma.rxe0: needs hcaHandles or hcaObjects")
        spec = baseSpec()
        spec.linux?.resources?.memory = LinuxMemory(swappiness: 101)
        #expect(validationError(spec) == "config.json: linux.resources.memory.swappiness: must be between 0 and 100, got 101")
    }

    @Test func intelRdtMemoryPolicyPersonality() {
        var spec = baseSpec()
        spec.linux?.intelRdt = LinuxIntelRdt(memBwSchema: "L3:0=1")
        #expect(validationError(spec) == #"config.json: linux.intelRdt.memBwSchema: must start with "MB:""#)
        spec.linux?.intelRdt = LinuxIntelRdt(schemata: ["L3:0=7f0", "MB:0=20\nL2:0=f"])
        #expect(validationError(spec) == "config.json: linux.intelRdt.schemata[1]: must not contain newlines")
        spec = baseSpec()
        spec.linux?.memoryPolicy = LinuxMemoryPolicy(mode: "MPOL_RANDOM")
        #expect(validationError(spec) == #"config.json: linux.memoryPolicy.mode: unknown memory policy mode "MPOL_RANDOM""#)
        spec.linux?.memoryPolicy = LinuxMemoryPolicy(mode: "MPOL_BIND", nodes: "0", flags: ["MPOL_F_X"])
        #expect(validationError(spec) == #"config.json: linux.memoryPolicy.flags[0]: unknown memory policy flag "MPOL_F_X""#)
        spec = baseSpec()
        spec.linux?.personality = LinuxPersonality(domain: "LINUX64")
        #expect(validationError(spec) == #"config.json: linux.personality.domain: unknown personality domain "LINUX64""#)
    }

    @Test func annotationKeys() {
        var spec = baseSpec()
        spec.annotations = ["": "x"]
        #expect(validationError(spec) == "config.json: annotations: keys must not be empty")
    }

    @Test func loadValidates() throws {
        let dir = "/tmp/swiftlet-ocispec-test-\(UInt32.random(in: 0...UInt32.max))"
        try FileHelpers.writeConfig(Array(#"{"ociVersion": "1.0.0", "root": {"path": "rootfs"}, "hostname": "x"}"#.utf8), dir: dir)
        defer { FileHelpers.remove(dir: dir) }
        let error = #expect(throws: SpecError.self) { try Spec.load(bundle: dir) }
        #expect(error?.description == "config.json: hostname: requires a uts namespace in linux.namespaces")
        try FileHelpers.writeConfig(Spec.defaultSpec(rootless: false).encodedJSON(), dir: dir)
        #expect(try Spec.load(bundle: dir + "/") == Spec.defaultSpec(rootless: false))
    }
}
