import CShim
import Glibc
import LinuxCore
import OCISpec

/// Compiled seccomp programs kept under the runtime's root, so that the
/// containers of one profile (every container of a podman or containerd
/// host) pay libseccomp's compilation once: ~14 ms for podman's default
/// profile on three architectures, against well under 1 ms to read an entry.
///
///     <root>/@seccomp-cache/<fnv64 of the key>.bpf   (the name is no valid id)
///
/// An entry is used only when every check passes; otherwise the profile is
/// compiled as if there were no cache, and the entry rewritten:
/// - the directory and file belong to this user, are not writable by
///   anyone else, and are not symlinks (O_NOFOLLOW, fstat);
/// - the entry holds the whole key it was compiled from (the profile
///   re-encoded canonically, libseccomp's version, this build's commit and
///   the compiler's revision), compared byte for byte: a hash collision or
///   an older Swiftlet's entry is a miss, never a wrong program;
/// - a checksum over the whole entry catches torn or truncated writes;
/// - the program is a whole number of BPF instructions, at most BPF_MAXINSNS.
/// Writes go through a temporary file and rename, so readers see whole
/// entries. Errors while caching are never the container's errors.
public struct SeccompCache: Sendable {
    public static let directoryName = "@seccomp-cache"
    /// Bump when `SeccompProgram.compile` changes what it emits.
    static let compilerRevision = 2
    /// Entries beyond this are evicted, oldest first, when one is added.
    static let maxEntries = 64
    static let maxEntrySize = 4 << 20
    static let maxInstructions = 4096
    static let magic: [UInt8] = Array("SWSECC1\n".utf8)

    public let root: String
    public let directory: String

    public init(root: String) {
        self.root = root
        directory = root + "/" + Self.directoryName
    }

    /// The profile's program: from the cache when a verified entry exists,
    /// else compiled (and stored for the next container).
    public func program(for profile: LinuxSeccomp) throws(RuntimeError) -> SeccompProgram {
        let key = Self.key(for: profile)
        let path = directory + "/" + Self.hex(Self.fnv64(key)) + ".bpf"
        if let hit = lookup(path: path, key: key) {
            return SeccompProgram(bpf: hit.bpf, flags: hit.flags, notify: hit.notify,
                                  listenerPath: profile.listenerPath, listenerMetadata: profile.listenerMetadata)
        }
        let program = try SeccompProgram.compile(profile)
        store(program, path: path, key: key)
        return program
    }

    /// Everything compile's output depends on, as bytes: a header naming
    /// the compiler, then every field of the profile, each length-prefixed
    /// or tagged so that no two profiles share a key. (Written by hand: the
    /// Encodable route costs more than half of a cached create.)
    /// A field added to LinuxSeccomp, LinuxSyscall or LinuxSeccompArg must
    /// be added here.
    static func key(for profile: LinuxSeccomp) -> [UInt8] {
        var key = KeyWriter()
        key.string("swiftlet seccomp \(compilerRevision); commit \(String(cString: sl_build_commit())); libseccomp \(SeccompProgram.libraryVersion)")
        key.string(profile.defaultAction)
        key.number(profile.defaultErrnoRet.map(UInt64.init))
        key.strings(profile.architectures)
        key.strings(profile.flags)
        key.string(profile.listenerPath)
        key.string(profile.listenerMetadata)
        key.count(profile.syscalls?.count)
        for rule in profile.syscalls ?? [] {
            key.strings(rule.names)
            key.string(rule.action)
            key.number(rule.errnoRet.map(UInt64.init))
            key.count(rule.args?.count)
            for arg in rule.args ?? [] {
                key.number(UInt64(arg.index))
                key.number(arg.value)
                key.number(arg.valueTwo)
                key.string(arg.op)
            }
        }
        return key.bytes
    }

    /// Tagged fields: 0 absent, 1 present followed by the value.
    struct KeyWriter {
        var bytes: [UInt8] = []

        init() { bytes.reserveCapacity(16 << 10) }

        mutating func number(_ value: UInt64?) {
            guard let value else { bytes.append(0); return }
            bytes.append(1)
            SeccompCache.append(value, to: &bytes)
        }

        mutating func count(_ value: Int?) { number(value.map(UInt64.init)) }

        mutating func string(_ value: String?) {
            guard let value else { bytes.append(0); return }
            bytes.append(1)
            SeccompCache.append(UInt32(value.utf8.count), to: &bytes)
            bytes.append(contentsOf: value.utf8)
        }

        mutating func strings(_ values: [String]?) {
            count(values?.count)
            for value in values ?? [] { string(value) }
        }
    }

    struct Entry: Equatable {
        var bpf: [UInt8]
        var flags: UInt32
        var notify: Bool
    }

    func lookup(path: String, key: [UInt8]) -> Entry? {
        guard Self.trusted(directory: directory) else { return nil }
        let fd = sl_open_mode(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0)
        if fd < 0 { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_uid == geteuid(),
              st.st_mode & 0o022 == 0, st.st_size <= Self.maxEntrySize,
              let bytes = try? FileIO.read(fd: fd, name: path) else { return nil }
        return Self.decode(bytes, key: key)
    }

    func store(_ program: SeccompProgram, path: String, key: [UInt8]) {
        if mkdir(directory, 0o700) != 0 && currentErrno() != EEXIST {
            // The first container under a new root: make the root as the state store would.
            guard currentErrno() == ENOENT, (try? FileIO.makeDirectories(root, mode: 0o700)) != nil,
                  mkdir(directory, 0o700) == 0 || currentErrno() == EEXIST else { return }
        }
        guard Self.trusted(directory: directory) else { return }
        evictIfFull()
        try? FileIO.writeAtomic(path, Self.encode(Entry(bpf: program.bpf, flags: program.flags, notify: program.notify), key: key),
                                mode: 0o600)
    }

    /// Our own directory, not a symlink, writable by nobody else.
    static func trusted(directory: String) -> Bool {
        var st = stat()
        return lstat(directory, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR && st.st_uid == geteuid()
            && st.st_mode & 0o022 == 0
    }

    private func evictIfFull() {
        guard let names = try? FileIO.listDirectory(directory), names.count >= Self.maxEntries else { return }
        var aged: [(time: Int, name: String)] = []
        for name in names {
            var st = stat()
            if lstat(directory + "/" + name, &st) == 0 { aged.append((st.st_mtim.tv_sec * 1_000_000_000 + st.st_mtim.tv_nsec, name)) }
        }
        for old in aged.sorted(by: { $0.time < $1.time }).prefix(aged.count - Self.maxEntries + 1) {
            unlink(directory + "/" + old.name)
        }
    }

    // MARK: entry format
    //   magic, u32 key length, key, u32 flags, u8 notify, u32 program length,
    //   program, u64 FNV-1a of everything before it (all little endian)

    static func encode(_ entry: Entry, key: [UInt8]) -> [UInt8] {
        var out = magic
        out.reserveCapacity(magic.count + key.count + entry.bpf.count + 32)
        append(UInt32(key.count), to: &out)
        out += key
        append(entry.flags, to: &out)
        out.append(entry.notify ? 1 : 0)
        append(UInt32(entry.bpf.count), to: &out)
        out += entry.bpf
        append(fnv64(out), to: &out)
        return out
    }

    static func decode(_ bytes: [UInt8], key: [UInt8]) -> Entry? {
        guard bytes.count >= magic.count + 8, bytes.starts(with: magic) else { return nil }
        let body = bytes.count - 8
        guard let sum = readInt(UInt64.self, bytes, at: body), sum == fnv64(bytes[..<body]) else { return nil }
        var at = magic.count
        guard let keyLength = readInt(UInt32.self, bytes, at: at) else { return nil }
        at += 4
        guard Int(keyLength) == key.count, at + key.count <= body, bytes[at..<(at + key.count)].elementsEqual(key) else {
            return nil
        }
        at += key.count
        guard let flags = readInt(UInt32.self, bytes, at: at), at + 9 <= body else { return nil }
        let notifyByte = bytes[at + 4]
        at += 5
        guard notifyByte <= 1, let length = readInt(UInt32.self, bytes, at: at) else { return nil }
        at += 4
        let count = Int(length)
        guard at + count == body, count > 0, count % 8 == 0, count / 8 <= maxInstructions else { return nil }
        return Entry(bpf: Array(bytes[at..<body]), flags: flags, notify: notifyByte == 1)
    }

    static func append<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        var v = value.littleEndian
        withUnsafeBytes(of: &v) { out.append(contentsOf: $0) }
    }

    private static func readInt<T: FixedWidthInteger>(_: T.Type, _ bytes: [UInt8], at offset: Int) -> T? {
        let size = MemoryLayout<T>.size
        guard offset >= 0, offset + size <= bytes.count else { return nil }
        var value: T = 0
        for i in 0..<size { value |= T(bytes[offset + i]) << (8 * i) }
        return value
    }

    static func fnv64<C: Collection>(_ bytes: C) -> UInt64 where C.Element == UInt8 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }

    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
