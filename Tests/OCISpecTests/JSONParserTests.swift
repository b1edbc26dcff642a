import Testing
@testable import OCISpec

@Suite struct JSONParserTests {
    private func string(_ json: String) throws -> String {
        try OCIJSON.decode([String].self, from: Array(json.utf8), name: "t").first ?? ""
    }

    @Test func escapes() throws {
        #expect(try string(#"["a\"b\\c\/d\b\f\n\r\t"]"#) == "a\"b\\c/d\u{8}\u{C}\n\r\t")
        #expect(try string(#"["\u00e9\u4e2d"]"#) == "é中")
        #expect(try string(#"["\ud83d\ude00"]"#) == "😀")
        #expect(try string(#"["\ud83dx"]"#) == "\u{FFFD}x")
        #expect(try string(#"["\ude00"]"#) == "\u{FFFD}")
        #expect(try string("[\"héllo\"]") == "héllo")
    }

    @Test func byteOrderMarkAndWhitespace() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array(" \t\r\n [\"x\"] \n".utf8)
        #expect(try OCIJSON.decode([String].self, from: bytes, name: "t") == ["x"])
    }

    @Test func numbers() throws {
        let values = try OCIJSON.decode([Int64].self, from: Array("[0, -0, 9223372036854775807, -9223372036854775808, 1E2, 5e-0]".utf8), name: "t")
        #expect(values == [0, 0, Int64.max, Int64.min, 100, 5])
        #expect(try OCIJSON.decode([UInt64].self, from: Array("[18446744073709551615]".utf8), name: "t") == [UInt64.max])
        #expect(try OCIJSON.decode([Double].self, from: Array("[1.5, -2e-3]".utf8), name: "t") == [1.5, -0.002])
        let error = #expect(throws: SpecError.self) {
            try OCIJSON.decode([UInt8].self, from: Array("[1, 256]".utf8), name: "t")
        }
        #expect(error?.description == "t: [1]: expected an unsigned 8-bit integer, got 256")
        for bad in ["[1.]", "[-]", "[.5]", "[1e]", "[+1]", "[0x10]", "[NaN]"] {
            #expect(throws: SpecError.self, "\(bad)") { try OCIJSON.decode([Double].self, from: Array(bad.utf8), name: "t") }
        }
    }

    @Test func deepNestingIsRejected() {
        let json = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        let error = #expect(throws: SpecError.self) { try OCIJSON.decode([String].self, from: Array(json.utf8), name: "t") }
        #expect(error?.description == "t: invalid JSON at line 1, column 513: nesting deeper than 512 levels")
    }

    @Test func duplicateKeysLastWins() throws {
        let spec = try Spec.decode(Array(#"{"ociVersion": "1.0.0", "root": {"path": "a"}, "root": {"path": "b"}}"#.utf8))
        #expect(spec.root.path == "b")
    }

    @Test func pathQuoting() {
        #expect(FieldPath("linux").key("sysctl").key("kernel.shm_rmid_forced").text == #"linux.sysctl["kernel.shm_rmid_forced"]"#)
        #expect(FieldPath().key("mounts").index(3).key("destination").text == "mounts[3].destination")
        #expect(FieldPath("a").key("").text == #"a[""]"#)
    }
}

@Suite struct SemanticVersionTests {
    @Test(arguments: ["1.0.0", "1.0.2-dev", "1.3.0+dev", "1.1.0-rc.2", "10.20.30", "1.0.0-alpha-a.b-c+build.1-aef.1"])
    func valid(text: String) throws {
        let v = try #require(SemanticVersion(text))
        #expect(v.description == text)
    }

    @Test(arguments: ["1", "1.0", "1.0.0.0", "01.0.0", "1.0.0-", "1.0.0+", "1.0.0-01", "1.0.0-a..b", "v1.0.0", "1.0.0 ", "a.b.c", "1.-1.0"])
    func invalid(text: String) {
        #expect(SemanticVersion(text) == nil)
    }

    @Test func parts() throws {
        let v = try #require(SemanticVersion("1.3.0-rc.1+dev"))
        #expect(v.major == 1 && v.minor == 3 && v.patch == 0)
        #expect(v.prerelease == ["rc", "1"])
        #expect(v.build == ["dev"])
    }
}
