import Testing
@testable import OCISpec

/// A bounded, deterministic fuzzer run in every CI: the runtime-spec example
/// configs and the default spec, mutated at the byte level and at the JSON
/// tree level, must each give a Spec or a one-line error; never a crash.
/// (scripts/fuzz runs libFuzzer on the same code for longer.)
@Suite struct MutationFuzzTests {
    /// xorshift64*: reproducible across runs.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            return state &* 2_685_821_657_736_338_717
        }
        mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(next() % UInt64(n)) }
    }

    static var seeds: [[UInt8]] {
        var out = Fixtures.files("config", "good").map(\.bytes)
        if let spec = try? Spec.defaultSpec(rootless: false).encodedJSON(pretty: true) { out.append(spec) }
        return out
    }

    static let fragments: [String] = [
        "null", "true", "-1", "18446744073709551616", "1e400", "0.5", "\"\"", "[]", "{}", "\"\\u0000\"", "\"\\ud800\"",
        "[[[[[[[[[[", "}", "]", ",", ":", "\"ociVersion\"", "\"x\":", "99999999999999999999999999", "-0", "\u{FEFF}",
    ]

    static func check(_ bytes: [UInt8]) {
        do {
            let spec = try Spec.decode(bytes)
            try spec.validate()
            _ = try spec.encodedJSON(pretty: false)
        } catch {
            let message = "\(error)"
            #expect(!message.isEmpty)
            #expect(!message.contains("\n"), "multi-line error: \(message.debugDescription)")
        }
    }

    @Test func byteMutations() {
        var random = Random(state: 0x5357_4946_544c_4554)
        let seeds = Self.seeds
        #expect(!seeds.isEmpty)
        for _ in 0..<6000 {
            var bytes = seeds[random.below(seeds.count)]
            for _ in 0...random.below(4) {
                switch random.below(5) {
                case 0 where !bytes.isEmpty: bytes[random.below(bytes.count)] = UInt8(truncatingIfNeeded: random.next())
                case 1 where !bytes.isEmpty: bytes.remove(at: random.below(bytes.count))
                case 2: bytes.insert(contentsOf: Array(Self.fragments[random.below(Self.fragments.count)].utf8), at: random.below(bytes.count + 1))
                case 3 where !bytes.isEmpty: bytes = Array(bytes.prefix(random.below(bytes.count)))
                default:
                    // Replace a number or a string value with a fragment.
                    if let start = bytes.indices.filter({ bytes[$0] == UInt8(ascii: ":") }).randomElement(using: &random) {
                        let end = bytes[start...].firstIndex { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "}") } ?? bytes.count
                        bytes.replaceSubrange((start + 1)..<end, with: Array(Self.fragments[random.below(Self.fragments.count)].utf8))
                    }
                }
            }
            Self.check(bytes)
        }
    }

    @Test func deepAndWideDocumentsDoNotHang() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        Self.check(Array(deep.utf8))
        let wide = "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"annotations\":{" +
            (0..<20_000).map { "\"k\($0)\":\"v\"" }.joined(separator: ",") + "}}"
        Self.check(Array(wide.utf8))
        let longString = "{\"ociVersion\":\"" + String(repeating: "1", count: 1_000_000) + "\"}"
        Self.check(Array(longString.utf8))
    }
}

extension Array {
    func randomElement(using random: inout MutationFuzzTests.Random) -> Element? {
        isEmpty ? nil : self[random.below(count)]
    }
}
