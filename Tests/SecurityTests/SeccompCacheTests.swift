import Glibc
import LinuxCore
import OCISpec
import Testing
@testable import Security

@Suite struct SeccompCacheTests {
    let base = LinuxSeccomp(defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64"],
                            syscalls: [LinuxSyscall(names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 13,
                                                    args: [LinuxSeccompArg(index: 1, value: 0o755, op: "SCMP_CMP_EQ")])])

    /// A fresh root per test, removed afterwards.
    func withRoot(_ body: (String) throws -> Void) throws {
        var template = Array("/tmp/swiftlet-seccomp-cache-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }
        let root = try #require(made.map { String(cString: $0) })
        defer { try? FileIO.removeTree(root) }
        try body(root)
    }

    @Test func everyFieldChangesTheKey() {
        var variants: [LinuxSeccomp] = [base]
        func variant(_ change: (inout LinuxSeccomp) -> Void) {
            var p = base
            change(&p)
            variants.append(p)
        }
        variant { $0.defaultAction = "SCMP_ACT_LOG" }
        variant { $0.defaultErrnoRet = 1 }
        variant { $0.architectures = ["SCMP_ARCH_X86"] }
        variant { $0.architectures = nil }
        variant { $0.flags = ["SECCOMP_FILTER_FLAG_LOG"] }
        variant { $0.listenerPath = "/run/agent.sock" }
        variant { $0.listenerMetadata = "m" }
        variant { $0.syscalls = nil }
        variant { $0.syscalls = [] }
        variant { $0.syscalls?[0].names = ["rmdir"] }
        variant { $0.syscalls?[0].names = ["mkdir", "rmdir"] }
        variant { $0.syscalls?[0].action = "SCMP_ACT_KILL" }
        variant { $0.syscalls?[0].errnoRet = nil }
        variant { $0.syscalls?[0].args = nil }
        variant { $0.syscalls?[0].args?[0].index = 2 }
        variant { $0.syscalls?[0].args?[0].value = 0o700 }
        variant { $0.syscalls?[0].args?[0].valueTwo = 0 }
        variant { $0.syscalls?[0].args?[0].op = "SCMP_CMP_NE" }
        // Concatenations cannot collide: ["ab"] against ["a", "b"].
        variant { $0.syscalls?[0].names = ["mk", "dir"] }
        let keys = variants.map(SeccompCache.key(for:))
        #expect(Set(keys).count == variants.count)
        #expect(SeccompCache.key(for: base) == SeccompCache.key(for: base))
    }

    @Test func entriesRoundTripAndAnyDamageIsRefused() {
        let key = SeccompCache.key(for: base)
        let entry = SeccompCache.Entry(bpf: Array(repeating: 7, count: 64), flags: 9, notify: true)
        let bytes = SeccompCache.encode(entry, key: key)
        #expect(SeccompCache.decode(bytes, key: key) == entry)
        // Another key: a miss, never another profile's program.
        var otherProfile = base
        otherProfile.defaultAction = "SCMP_ACT_LOG"
        #expect(SeccompCache.decode(bytes, key: SeccompCache.key(for: otherProfile)) == nil)
        // Every single flipped byte and every truncation is caught.
        for index in bytes.indices {
            var damaged = bytes
            damaged[index] ^= 0x20
            #expect(SeccompCache.decode(damaged, key: key) == nil, "byte \(index)")
            #expect(SeccompCache.decode(Array(bytes[..<index]), key: key) == nil, "first \(index) bytes")
        }
        #expect(SeccompCache.decode(bytes + [0], key: key) == nil)
        // Programs that are no whole number of instructions, empty or too long.
        for count in [0, 12, 8 * 4097] {
            let odd = SeccompCache.encode(SeccompCache.Entry(bpf: Array(repeating: 0, count: count), flags: 0, notify: false), key: key)
            #expect(SeccompCache.decode(odd, key: key) == nil, "\(count) bytes")
        }
    }

    @Test func aCachedProgramIsTheCompiledOne() throws {
        try withRoot { root in
            let cache = SeccompCache(root: root)
            let compiled = try SeccompProgram.compile(base)
            let first = try cache.program(for: base)
            #expect(first == compiled)
            let names = try FileIO.listDirectory(cache.directory)
            #expect(names.count == 1 && names[0].hasSuffix(".bpf"))
            let path = cache.directory + "/" + names[0]
            #expect(cache.lookup(path: path, key: SeccompCache.key(for: base))?.bpf == compiled.bpf)
            #expect(try cache.program(for: base) == compiled)
        }
    }

    @Test func entriesOthersCouldWriteAreIgnored() throws {
        try withRoot { root in
            let cache = SeccompCache(root: root)
            _ = try cache.program(for: base)
            let key = SeccompCache.key(for: base)
            let path = cache.directory + "/" + (try FileIO.listDirectory(cache.directory))[0]
            #expect(cache.lookup(path: path, key: key) != nil)
            chmod(path, 0o602)
            #expect(cache.lookup(path: path, key: key) == nil, "world-writable entry")
            chmod(path, 0o600)
            chown(path, 65534, 65534)
            #expect(cache.lookup(path: path, key: key) == nil, "entry of another user")
            chown(path, geteuid(), getegid())
            chmod(cache.directory, 0o770)
            #expect(cache.lookup(path: path, key: key) == nil, "group-writable directory")
            chmod(cache.directory, 0o700)
            #expect(cache.lookup(path: path, key: key) != nil)
        }
    }

    @Test func theOldestEntriesMakeRoom() throws {
        try withRoot { root in
            let cache = SeccompCache(root: root)
            var profile = base
            for errno in 1...UInt32(SeccompCache.maxEntries + 3) {
                profile.syscalls?[0].errnoRet = errno
                _ = try cache.program(for: profile)
            }
            #expect(try FileIO.listDirectory(cache.directory).count == SeccompCache.maxEntries)
            // The newest is still there.
            let newest = cache.directory + "/" + SeccompCache.hex(SeccompCache.fnv64(SeccompCache.key(for: profile))) + ".bpf"
            #expect(cache.lookup(path: newest, key: SeccompCache.key(for: profile)) != nil)
        }
    }
}
