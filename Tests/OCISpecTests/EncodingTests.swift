import FoundationEssentials
import Testing
@testable import OCISpec

@Suite struct EncodingTests {
    @Test func foundationReadsWhatWeWrite() throws {
        // An independent decoder agrees with ours on every field of the default spec.
        let spec = Spec.defaultSpec(rootless: false)
        for pretty in [true, false] {
            let bytes = try spec.encodedJSON(pretty: pretty)
            #expect(try JSONDecoder().decode(Spec.self, from: Data(bytes)) == spec)
        }
    }

    @Test func compactFormSortedKeysNoNilsUnescapedSlashes() throws {
        let user = User(uid: 0, gid: 0)
        var process = Process(args: ["/bin/sh", "-c", "echo \"hi\"\n\t\u{1}"], cwd: "/tmp/x")
        process.user = user
        let text = String(decoding: try process.encodedJSON(pretty: false), as: UTF8.self)
        #expect(text == #"{"args":["/bin/sh","-c","echo \"hi\"\n\t\u0001"],"cwd":"/tmp/x","user":{"gid":0,"uid":0}}"#)
    }

    @Test func prettyFormIndentsByTwo() throws {
        let resources = LinuxResources(pids: LinuxPids(limit: 5))
        let text = String(decoding: try resources.encodedJSON(pretty: true), as: UTF8.self)
        #expect(text == "{\n  \"pids\": {\n    \"limit\": 5\n  }\n}")
    }

    @Test func numbersKeepTheirRange() throws {
        let resources = LinuxResources(memory: LinuxMemory(limit: Int64.min, swap: Int64.max))
        let back = try Spec.decodeResources(resources.encodedJSON(pretty: false))
        #expect(back.memory?.limit == Int64.min && back.memory?.swap == Int64.max)
    }
}
