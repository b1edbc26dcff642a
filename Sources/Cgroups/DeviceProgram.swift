import CShim
import Glibc
import LinuxCore

/// cgroup v2 device rules: an eBPF program of type BPF_PROG_TYPE_CGROUP_DEVICE
/// attached to the container's cgroup.
///
/// The kernel runs it for every device access with a context of three u32:
/// access_type (access << 16 | device type), major, minor. Rules apply in
/// config order, a later one overriding an earlier one, so the program
/// checks them from the last to the first and the first match decides;
/// no match denies.
public enum DeviceProgram {
    /// One eBPF instruction (struct bpf_insn).
    public struct Instruction: Equatable, Sendable {
        public var code: UInt8
        public var registers: UInt8  // dst in the low nibble, src in the high one
        public var offset: Int16
        public var immediate: Int32

        init(_ code: UInt8, dst: UInt8 = 0, src: UInt8 = 0, offset: Int16 = 0, imm: Int32 = 0) {
            self.code = code
            self.registers = (src << 4) | (dst & 0x0f)
            self.offset = offset
            self.immediate = imm
        }

        var bytes: [UInt8] {
            let off = UInt16(bitPattern: offset)
            let imm = UInt32(bitPattern: immediate)
            return [code, registers, UInt8(off & 0xff), UInt8(off >> 8),
                    UInt8(imm & 0xff), UInt8((imm >> 8) & 0xff), UInt8((imm >> 16) & 0xff), UInt8(imm >> 24)]
        }
    }

    // Opcodes used (linux/bpf.h, linux/bpf_common.h).
    static let loadWord: UInt8 = 0x61       // BPF_LDX | BPF_MEM | BPF_W
    static let and32Imm: UInt8 = 0x54       // BPF_ALU | BPF_AND | BPF_K
    static let rsh32Imm: UInt8 = 0x74       // BPF_ALU | BPF_RSH | BPF_K
    static let mov32Reg: UInt8 = 0xbc       // BPF_ALU | BPF_MOV | BPF_X
    static let mov64Imm: UInt8 = 0xb7       // BPF_ALU64 | BPF_MOV | BPF_K
    static let jneImm: UInt8 = 0x55         // BPF_JMP | BPF_JNE | BPF_K
    static let jneReg: UInt8 = 0x5d         // BPF_JMP | BPF_JNE | BPF_X
    static let exit: UInt8 = 0x95           // BPF_JMP | BPF_EXIT

    static let typeBlock: Int32 = 1         // BPF_DEVCG_DEV_BLOCK
    static let typeChar: Int32 = 2          // BPF_DEVCG_DEV_CHAR
    static let accessMknod: Int32 = 1       // BPF_DEVCG_ACC_MKNOD
    static let accessRead: Int32 = 2
    static let accessWrite: Int32 = 4

    /// The program for `rules` (already including the default allow-list).
    public static func assemble(_ rules: [DeviceRules.Rule]) -> [Instruction] {
        // r2 = device type, r3 = access bits, r4 = major, r5 = minor
        var program: [Instruction] = [
            Instruction(loadWord, dst: 2, src: 1, offset: 0),
            Instruction(and32Imm, dst: 2, imm: 0xffff),
            Instruction(loadWord, dst: 3, src: 1, offset: 0),
            Instruction(rsh32Imm, dst: 3, imm: 16),
            Instruction(loadWord, dst: 4, src: 1, offset: 4),
            Instruction(loadWord, dst: 5, src: 1, offset: 8),
        ]
        for rule in rules.reversed() {
            program += block(for: rule)
            // A rule that matches every access decides alone: what would
            // follow is unreachable, and the verifier refuses that.
            if matchesEverything(rule) { return program }
        }
        program += [Instruction(mov64Imm, dst: 0, imm: 0), Instruction(exit)]
        return program
    }

    static func matchesEverything(_ rule: DeviceRules.Rule) -> Bool {
        rule.type == "a" && Set(rule.access) == Set("rwm") && (rule.major ?? -1) < 0 && (rule.minor ?? -1) < 0
    }

    /// Checks one rule; jumps past itself when it does not match.
    static func block(for rule: DeviceRules.Rule) -> [Instruction] {
        // Each condition is a list of instructions ending in a jump whose
        // offset is filled in once the block's length is known.
        var conditions = [[Instruction]]()
        if rule.type != "a" {
            conditions.append([Instruction(jneImm, dst: 2, imm: rule.type == "b" ? typeBlock : typeChar)])
        }
        var mask: Int32 = 0
        if rule.access.contains("m") { mask |= accessMknod }
        if rule.access.contains("r") { mask |= accessRead }
        if rule.access.contains("w") { mask |= accessWrite }
        if mask != accessMknod | accessRead | accessWrite {
            // requested ⊆ allowed: (r3 & mask) == r3
            conditions.append([Instruction(mov32Reg, dst: 1, src: 3), Instruction(and32Imm, dst: 1, imm: mask),
                               Instruction(jneReg, dst: 1, src: 3)])
        }
        if let major = rule.major, major >= 0 {
            conditions.append([Instruction(jneImm, dst: 4, imm: Int32(truncatingIfNeeded: major))])
        }
        if let minor = rule.minor, minor >= 0 {
            conditions.append([Instruction(jneImm, dst: 5, imm: Int32(truncatingIfNeeded: minor))])
        }
        let verdict = [Instruction(mov64Imm, dst: 0, imm: rule.allow ? 1 : 0), Instruction(exit)]
        var out = [Instruction]()
        let total = conditions.reduce(0) { $0 + $1.count } + verdict.count
        var emitted = 0
        for var condition in conditions {
            emitted += condition.count
            // Jump to the end of this block: skip what follows the jump.
            let last = condition.count - 1
            condition[last].offset = Int16(total - emitted)
            out += condition
        }
        return out + verdict
    }

    /// Loads the program and attaches it to the cgroup, then detaches any
    /// device program attached before (so that `update` replaces rules).
    public static func install(_ rules: [DeviceRules.Rule], cgroup directory: String) throws(RuntimeError) {
        let instructions = assemble(rules)
        let bytes = instructions.flatMap(\.bytes)
        // Without a verifier log first: asking for one makes the kernel
        // record every step (about 0.7 ms here). Only a refused program is
        // loaded again with the log, to say why.
        var program = bytes.withUnsafeBytes { raw in
            sl_bpf_load_device_program(raw.baseAddress, Int32(instructions.count), nil, 0)
        }
        var code = program < 0 ? currentErrno() : 0
        var log = [CChar]()
        if program < 0 && code != EPERM {
            log = [CChar](repeating: 0, count: 65536)
            program = bytes.withUnsafeBytes { raw in
                sl_bpf_load_device_program(raw.baseAddress, Int32(instructions.count), &log, UInt32(log.count))
            }
            code = program < 0 ? currentErrno() : 0
        }
        if program < 0 {
            let verifier = String(decoding: log.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                .split(separator: "\n").suffix(2).joined(separator: "; ")
            throw RuntimeError("load the device cgroup program: \(errnoText(code))\(verifier.isEmpty ? "" : " (\(verifier))")", errno: code)
        }
        defer { close(program) }
        let dir = try sys("open cgroup \(directory)") { sl_open_mode(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0) }
        defer { close(dir) }
        let previous = attachedPrograms(dir)
        try sys("attach the device cgroup program to \(directory)") { sl_bpf_attach_device_program(dir, program) }
        for old in previous {
            _ = sl_bpf_detach_device_program(dir, old)
            close(old)
        }
    }

    /// fds of the device programs attached to a cgroup directory.
    static func attachedPrograms(_ dir: Int32) -> [Int32] {
        var ids = [UInt32](repeating: 0, count: 64)
        var count = UInt32(ids.count)
        guard sl_bpf_query_device_programs(dir, &ids, &count) == 0 else { return [] }
        return ids.prefix(Int(count)).compactMap { id in
            let fd = sl_bpf_prog_fd_by_id(id)
            return fd >= 0 ? fd : nil
        }
    }
}
