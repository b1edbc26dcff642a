import Testing
@testable import Cgroups

/// Runs a device program on one access the way the kernel would (a tiny
/// interpreter of the instructions the assembler emits).
private func evaluate(_ program: [DeviceProgram.Instruction], type: Int32, access: Int32, major: Int32, minor: Int32) -> Int64? {
    var r = [Int64](repeating: 0, count: 11)
    let context = [(access << 16) | type, major, minor]
    var pc = 0
    var steps = 0
    while pc < program.count && steps < 10_000 {
        steps += 1
        let i = program[pc]
        let dst = Int(i.registers & 0x0f)
        let src = Int(i.registers >> 4)
        pc += 1
        switch i.code {
        case 0x61: r[dst] = Int64(UInt32(bitPattern: context[Int(i.offset) / 4]))
        case 0x54: r[dst] = Int64(UInt32(truncatingIfNeeded: r[dst]) & UInt32(bitPattern: i.immediate))
        case 0x74: r[dst] = Int64(UInt32(truncatingIfNeeded: r[dst]) >> UInt32(i.immediate))
        case 0xbc: r[dst] = Int64(UInt32(truncatingIfNeeded: r[src]))
        case 0xb7: r[dst] = Int64(i.immediate)
        case 0x55: if r[dst] != Int64(i.immediate) { pc += Int(i.offset) }
        case 0x5d: if r[dst] != r[src] { pc += Int(i.offset) }
        case 0x95: return r[0]
        default: return nil
        }
    }
    return nil
}

@Suite struct DeviceProgramTests {
    typealias Rule = DeviceRules.Rule
    let read: Int32 = 2, write: Int32 = 4, mknod: Int32 = 1
    let char: Int32 = 2, block: Int32 = 1

    @Test func denyAllThenDefaultsAllowsOnlyTheDefaults() throws {
        let rules = try DeviceRules.rules([.init(allow: false, access: "rwm")])
        let program = DeviceProgram.assemble(rules)
        #expect(evaluate(program, type: char, access: read, major: 1, minor: 3) == 1, "/dev/null")
        #expect(evaluate(program, type: char, access: write, major: 136, minor: 5) == 1, "a pty")
        #expect(evaluate(program, type: char, access: read, major: 10, minor: 229) == 0, "fuse is denied")
        #expect(evaluate(program, type: block, access: mknod, major: 8, minor: 0) == 1, "mknod of anything is allowed")
        #expect(evaluate(program, type: block, access: read, major: 8, minor: 0) == 0)
    }

    @Test func laterRulesOverrideEarlierOnes() throws {
        let rules: [Rule] = [
            Rule(allow: false, type: "a", major: nil, minor: nil, access: "rwm"),
            Rule(allow: true, type: "c", major: 10, minor: nil, access: "rw"),
            Rule(allow: false, type: "c", major: 10, minor: 229, access: "w"),
        ]
        let program = DeviceProgram.assemble(rules)
        #expect(evaluate(program, type: char, access: read, major: 10, minor: 229) == 1)
        #expect(evaluate(program, type: char, access: write, major: 10, minor: 229) == 0)
        #expect(evaluate(program, type: char, access: write, major: 10, minor: 200) == 1)
        #expect(evaluate(program, type: char, access: mknod, major: 10, minor: 200) == 0, "m was not allowed")
        #expect(evaluate(program, type: block, access: read, major: 10, minor: 1) == 0)
    }

    @Test func nothingFollowsARuleThatMatchesEverything() {
        let rules: [Rule] = [
            Rule(allow: true, type: "c", major: 1, minor: 3, access: "rwm"),
            Rule(allow: true, type: "a", major: nil, minor: nil, access: "rwm"),
        ]
        let program = DeviceProgram.assemble(rules)
        #expect(program.last?.code == 0x95)
        #expect(program.count == 6 + 2, "prologue and one unconditional verdict")
        #expect(evaluate(program, type: block, access: read, major: 8, minor: 0) == 1)
    }

    @Test func noRulesDeniesEverything() {
        let program = DeviceProgram.assemble([])
        #expect(evaluate(program, type: char, access: read, major: 1, minor: 3) == 0)
    }
}
