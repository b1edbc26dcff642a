import OCISpec
import Testing
@testable import Security

private func failure<T>(_ body: () throws -> T) -> String? {
    do {
        _ = try body()
        return nil
    } catch {
        return "\(error)"
    }
}

@Suite struct CapabilityNameTests {
    @Test(arguments: [
        ("CAP_CHOWN", 0), ("CAP_KILL", 5), ("CAP_NET_BIND_SERVICE", 10), ("CAP_NET_ADMIN", 12), ("CAP_SYS_CHROOT", 18),
        ("CAP_SYS_ADMIN", 21), ("CAP_AUDIT_WRITE", 29), ("CAP_CHECKPOINT_RESTORE", 40),
        ("cap_sys_admin", 21), ("Cap_Sys_Admin", 21), ("cap_chown", 0),
    ] as [(String, Int32)])
    func value(name: String, expected: Int32) {
        #expect(CapabilitySets.value(of: name) == expected)
    }

    @Test(arguments: [
        "CAP_NOT_A_THING", "CAP_", "", "CAP_21", "21", "0", "cap_21", "CAP_SYS_ADMIN ", " CAP_SYS_ADMIN", "CAP_SYS_ADMIN,CAP_KILL",
        "CAP_ALL", "all",
    ])
    func unknownNamesAndNumbersAreRefused(name: String) {
        #expect(CapabilitySets.value(of: name) == nil)
    }

    @Test(arguments: [(0, "CAP_CHOWN"), (21, "CAP_SYS_ADMIN"), (12, "CAP_NET_ADMIN"), (40, "CAP_CHECKPOINT_RESTORE")] as [(Int32, String)])
    func name(value: Int32, expected: String) {
        #expect(CapabilitySets.name(of: value) == expected)
    }

    @Test func namesRoundTrip() {
        for value in 0...CapabilitySets.lastCapability() {
            let name = CapabilitySets.name(of: value)
            #expect(name.hasPrefix("CAP_"), "\(value)")
            #expect(CapabilitySets.value(of: name) == value, "\(name)")
        }
    }

    @Test func lastCapabilityOfThisKernel() {
        // Kernel 6.x: CAP_CHECKPOINT_RESTORE (40) is the last.
        #expect(CapabilitySets.lastCapability() >= 40)
    }
}

@Suite struct CapabilitySetsTests {
    @Test func nilMeansEmpty() throws {
        var warnings = [String]()
        let sets = try CapabilitySets(nil) { warnings.append($0) }
        #expect(sets == CapabilitySets())
        #expect(warnings.isEmpty)
    }

    @Test func resolvesEverySet() throws {
        var warnings = [String]()
        let caps = LinuxCapabilities(
            bounding: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
            effective: ["CAP_KILL", "cap_chown"],
            inheritable: ["CAP_NET_BIND_SERVICE", "CAP_KILL"],
            permitted: ["CAP_KILL", "CAP_CHOWN", "CAP_NET_BIND_SERVICE"],
            ambient: ["CAP_NET_BIND_SERVICE"]
        )
        let sets = try CapabilitySets(caps) { warnings.append($0) }
        #expect(sets.bounding == [0, 5, 10])
        #expect(sets.effective == [5, 0])
        #expect(sets.inheritable == [10, 5])
        #expect(sets.permitted == [5, 0, 10])
        #expect(sets.ambient == [10])
        #expect(warnings.isEmpty)
    }

    @Test func duplicatesAreDropped() throws {
        let sets = try CapabilitySets(LinuxCapabilities(bounding: ["CAP_KILL", "cap_kill", "CAP_KILL", "CAP_CHOWN"]))
        #expect(sets.bounding == [5, 0])
    }

    @Test(arguments: [
        (LinuxCapabilities(bounding: ["CAP_BOGUS"]), #"process.capabilities.bounding: unknown capability "CAP_BOGUS", skipped"#),
        (LinuxCapabilities(effective: ["CAP_KILL", "KILL"]), #"process.capabilities.effective: unknown capability "KILL", skipped"#),
        (LinuxCapabilities(inheritable: ["21"]), #"process.capabilities.inheritable: unknown capability "21", skipped"#),
        (LinuxCapabilities(permitted: [""]), #"process.capabilities.permitted: unknown capability "", skipped"#),
        (LinuxCapabilities(ambient: ["CAP_NOPE"]), #"process.capabilities.ambient: unknown capability "CAP_NOPE", skipped"#),
    ])
    func anUnknownNameIsAWarningNamingTheSet(caps: LinuxCapabilities, expected: String) throws {
        var warnings = [String]()
        let sets = try CapabilitySets(caps) { warnings.append($0) }
        #expect(warnings == [expected])
        // What is known stays.
        #expect(sets.effective == (caps.effective == nil ? [] : [5]))
    }

    @Test func ambientNeedsPermittedAndInheritable() throws {
        var warnings = [String]()
        let caps = LinuxCapabilities(
            inheritable: ["CAP_KILL", "CAP_NET_RAW"],
            permitted: ["CAP_KILL", "CAP_CHOWN"],
            ambient: ["CAP_KILL", "CAP_CHOWN", "CAP_NET_RAW", "CAP_SYS_ADMIN"]
        )
        let sets = try CapabilitySets(caps) { warnings.append($0) }
        #expect(sets.ambient == [5])
        #expect(warnings == [
            "process.capabilities.ambient: CAP_CHOWN is not both permitted and inheritable, so it cannot be ambient; skipped",
            "process.capabilities.ambient: CAP_NET_RAW is not both permitted and inheritable, so it cannot be ambient; skipped",
            "process.capabilities.ambient: CAP_SYS_ADMIN is not both permitted and inheritable, so it cannot be ambient; skipped",
        ])
    }
}
