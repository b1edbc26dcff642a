import Testing
@testable import OCISpec

@Suite struct DecodingErrorTests {
    @Test func malformedJSONIsOneLineWithPosition() {
        let json = "{\n  \"ociVersion\": \"1.0.0\",\n  \"root\": tru\n}"
        let message = configError(json)
        #expect(message == "config.json: invalid JSON at line 3, column 11: unexpected 't', expected a value")
        #expect(message?.contains("\n") == false)
    }

    @Test(arguments: [
        ("", "config.json: invalid JSON at line 1, column 1: empty document"),
        ("{]", "config.json: invalid JSON at line 1, column 2: unexpected ']', expected a string key"),
        ("{\"a\": 1,}", "config.json: invalid JSON at line 1, column 9: unexpected '}', expected a string key"),
        ("{\"a\" 1}", "config.json: invalid JSON at line 1, column 6: unexpected '1', expected ':' after object key"),
        ("[1 2]", "config.json: invalid JSON at line 1, column 4: unexpected '2', expected ',' or ']' in array"),
        ("{} x", "config.json: invalid JSON at line 1, column 4: unexpected 'x' after the top-level value"),
        ("{\"a\": \"x\ny\"}", "config.json: invalid JSON at line 1, column 9: control character byte 0x0a in string"),
        ("{\"a\": 01}", "config.json: invalid JSON at line 1, column 8: unexpected '1', expected ',' or '}' in object"),
        ("{\"a\": \"\\q\"}", "config.json: invalid JSON at line 1, column 9: invalid escape sequence '\\q' in string"),
        ("{\"a\": \"abc", "config.json: invalid JSON at line 1, column 11: unexpected end of input in string"),
    ])
    func syntaxErrors(json: String, expected: String) {
        #expect(configError(json) == expected)
    }

    @Test(arguments: [
        (#"{"ociVersion": "1.0.0", "root": {"path": "r"}, "process": {"cwd": "/", "args": ["sh"], "user": {"uid": -1, "gid": 0}}}"#,
         "config.json: process.user.uid: expected an unsigned 32-bit integer, got -1"),
        (#"{"ociVersion": "1.0.0", "root": {"path": "r"}, "process": {"cwd": "/", "args": ["sh"], "user": {"uid": 4294967296, "gid": 0}}}"#,
         "config.json: process.user.uid: expected an unsigned 32-bit integer, got 4294967296"),
        (#"{"ociVersion": "1.0.0", "root": {"path": "r"}, "process": {"cwd": "/", "args": ["sh"], "user": {"uid": "0", "gid": 0}}}"#,
         "config.json: process.user.uid: expected an unsigned 32-bit integer, got a string"),
        (#"{"ociVersion": "1.0.0", "root": {"path": "r"}, "process": {"cwd": "/", "args": ["sh"], "user": {"uid": 1.5, "gid": 0}}}"#,
         "config.json: process.user.uid: expected an unsigned 32-bit integer, got 1.5"),
        (#"{"ociVersion": "1.0.0", "root": {"path": "r"}, "process": {"cwd": "/", "args": ["sh"], "user": {"gid": 0}}}"#,
         "config.json: process.user.uid: required field missing"),
        (#"{"ociVersion": "1.0.0", "root": {"path": "r"}, "process": {"cwd": "/", "args": ["sh", null]}}"#,
         "config.json: process.args[1]: expected a string, got null"),
        (#"{"ociVersion": "1.0.0", "root": {"path": "r"}, "process": {"cwd": "/"}}"#,
         "config.json: process.args: required field missing"),
        (#"{"ociVersion": "1.0.0"}"#, "config.json: root: required field missing"),
        (#"{"root": {"path": "r"}}"#, "config.json: ociVersion: required field missing"),
        (#"{"ociVersion": "1.0.0", "root": {}}"#, "config.json: root.path: required field missing"),
        (#"{"ociVersion": "1.0.0", "root": null}"#, "config.json: root: expected an object, got null"),
        (#"{"ociVersion": 1, "root": {"path": "r"}}"#, "config.json: ociVersion: expected a string, got 1"),
        (#"[]"#, "config.json: expected an object, got an array"),
        (#"{"ociVersion": "1.0.0", "root": {"path": "r"}, "mounts": [{"destination": "/a"}, {"destination": "/b"}, {"destination": "/c"}, {"type": "tmpfs"}]}"#,
         "config.json: mounts[3].destination: required field missing"),
        (#"{"ociVersion": "1.0.0", "root": {"path": "r"}, "mounts": {}}"#,
         "config.json: mounts: expected an array, got an object"),
        (#"{"ociVersion": "1.0.0", "root": {"path": "r"}, "linux": {"resources": {"memory": {"limit": "1G"}}}}"#,
         "config.json: linux.resources.memory.limit: expected a signed 64-bit integer, got a string"),
        (#"{"ociVersion": "1.0.0", "root": {"path": "r"}, "linux": {"resources": {"memory": {"limit": 9223372036854775808}}}}"#,
         "config.json: linux.resources.memory.limit: expected a signed 64-bit integer, got 9223372036854775808"),
        (#"{"ociVersion": "1.0.0", "root": {"path": "r"}, "linux": {"resources": {"blockIO": {"weight": 70000}}}}"#,
         "config.json: linux.resources.blockIO.weight: expected an unsigned 16-bit integer, got 70000"),
        (#"{"ociVersion": "1.0.0", "root": {"path": "r"}, "linux": {"sysctl": {"net.ipv4.ip_forward": 1}}}"#,
         #"config.json: linux.sysctl["net.ipv4.ip_forward"]: expected a string, got 1"#),
        (#"{"ociVersion": "1.0.0", "root": {"path": "r"}, "linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["x"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}, {"index": 1, "value": -5, "op": "SCMP_CMP_EQ"}]}]}}}"#,
         "config.json: linux.seccomp.syscalls[0].args[1].value: expected an unsigned 64-bit integer, got -5"),
        (#"{"ociVersion": "1.0.0", "root": {"path": "r"}, "linux": {"timeOffsets": {"monotonic": {"secs": "1"}}}}"#,
         "config.json: linux.timeOffsets.monotonic.secs: expected a signed 64-bit integer, got a string"),
        (#"{"ociVersion": "1.0.0", "root": {"path": "r"}, "linux": {"resources": {"pids": {}}}}"#,
         "config.json: linux.resources.pids.limit: required field missing"),
        (#"{"ociVersion": "1.0.0", "root": {"path": "r"}, "process": {"cwd": "/", "args": ["sh"], "terminal": "yes"}}"#,
         "config.json: process.terminal: expected a boolean, got a string"),
    ])
    func fieldErrors(json: String, expected: String) {
        #expect(configError(json) == expected)
    }

    @Test func integersMayBeWrittenAsExactFloats() throws {
        let spec = try Spec.decode(Array(minimalConfig(#", "linux": {"resources": {"memory": {"limit": 1e3, "swap": 2.0}}}"#).utf8))
        #expect(spec.linux?.resources?.memory?.limit == 1000)
        #expect(spec.linux?.resources?.memory?.swap == 2)
    }

    @Test func unknownFieldsAreIgnored() throws {
        let json = #"""
        {"ociVersion": "1.0.0", "root": {"path": "rootfs", "futureRootField": [1, {"a": null}]},
         "windows": {"layerFolders": ["C:\\x"]}, "solaris": {"milestone": "x"}, "vm": {"hypervisor": {"path": "/h"}},
         "zos": {}, "freebsd": {"jail": {}}, "someFutureTopLevel": true,
         "process": {"cwd": "/", "args": ["sh"], "commandLine": "sh", "user": {"uid": 1, "gid": 2, "username": "x"}},
         "linux": {"resources": {"oomScoreAdj": 100, "memory": {"newKnob": 5}}, "newLinuxThing": {}}}
        """#
        let spec = try Spec.decode(Array(json.utf8))
        try spec.validate()
        #expect(spec.process?.user == User(uid: 1, gid: 2))
        #expect(spec.linux?.resources?.memory == LinuxMemory())
    }

    @Test func nullMeansAbsentForOptionalFields() throws {
        let spec = try Spec.decode(Array(minimalConfig(#", "hostname": null, "linux": null, "mounts": null"#).utf8))
        #expect(spec.hostname == nil && spec.linux == nil && spec.mounts == nil)
    }

    @Test func missingBundleGivesErrnoText() {
        let error = #expect(throws: SpecError.self) { try Spec.load(bundle: "/nonexistent-swiftlet-bundle") }
        #expect(error?.description == "config.json: open /nonexistent-swiftlet-bundle/config.json: No such file or directory")
    }

    @Test func processDocument() throws {
        let process = try Spec.decodeProcess(Array(#"{"cwd": "/work", "args": ["ls", "-l"], "env": ["A=1"]}"#.utf8))
        #expect(process.args == ["ls", "-l"])
        let missing = #expect(throws: SpecError.self) { try Spec.decodeProcess(Array(#"{"args": ["ls"]}"#.utf8)) }
        #expect(missing?.description == "process.json: cwd: required field missing")
        let relative = #expect(throws: SpecError.self) {
            try Spec.decodeProcess(Array(#"{"cwd": "work", "args": ["ls"]}"#.utf8))
        }
        #expect(relative?.description == #"process.json: cwd: must be an absolute path, got "work""#)
        let rlimit = #expect(throws: SpecError.self) {
            try Spec.decodeProcess(Array(#"{"cwd": "/", "args": ["ls"], "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 1, "hard": -1}]}"#.utf8))
        }
        #expect(rlimit?.description == "process.json: rlimits[0].hard: expected an unsigned 64-bit integer, got -1")
        let roundTrip = try Spec.decodeProcess(process.encodedJSON())
        #expect(roundTrip == process)
    }

    @Test func resourcesDocument() throws {
        let resources = try Spec.decodeResources(Array(#"{"memory": {"limit": 1048576}, "pids": {"limit": -1}, "unified": {"io.max": "8:0 rbps=1"}}"#.utf8))
        #expect(resources.memory?.limit == 1_048_576)
        #expect(resources.pids?.limit == -1)
        #expect(resources.unified?["io.max"] == "8:0 rbps=1")
        let typeError = #expect(throws: SpecError.self) {
            try Spec.decodeResources(Array(#"{"cpu": {"shares": -2}}"#.utf8))
        }
        #expect(typeError?.description == "resources: cpu.shares: expected an unsigned 64-bit integer, got -2")
        let ruleError = #expect(throws: SpecError.self) {
            try Spec.decodeResources(Array(#"{"memory": {"swappiness": 200}}"#.utf8))
        }
        #expect(ruleError?.description == "resources: memory.swappiness: must be between 0 and 100, got 200")
        let syntax = #expect(throws: SpecError.self) { try Spec.decodeResources(Array("{".utf8)) }
        #expect(syntax?.description.hasPrefix("resources: invalid JSON at line 1") == true)
        #expect(try Spec.decodeResources(resources.encodedJSON()) == resources)
    }

    @Test func mapsFoundationDecodingErrors() {
        struct K: CodingKey {
            var stringValue: String
            var intValue: Int?
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { self.stringValue = "Index \(intValue)"; self.intValue = intValue }
        }
        let path: [any CodingKey] = [K(stringValue: "mounts"), K(intValue: 3)!]
        let missing = DecodingError.keyNotFound(K(stringValue: "destination"), .init(codingPath: path, debugDescription: ""))
        #expect(SpecError.from(missing, document: "config.json").description == "config.json: mounts[3].destination: required field missing")
        let mismatch = DecodingError.typeMismatch(UInt32.self, .init(codingPath: path + [K(stringValue: "uid")], debugDescription: "Expected"))
        #expect(SpecError.from(mismatch, document: "config.json").description == "config.json: mounts[3].uid: expected an unsigned 32-bit integer")
        let corrupt = DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "The given data was not valid JSON."))
        #expect(SpecError.from(corrupt, document: "x.json").description == "x.json: invalid JSON")
    }
}

@Suite struct OutlineTests {
    func outline(_ json: String) throws -> SpecOutline {
        try Spec.decodeOutline(Array(json.utf8))
    }

    @Test func agreesWithTheFullDecode() throws {
        let json = #"""
        {"ociVersion": "1.0.0", "root": {"path": "r"}, "process": {"cwd": "/", "args": ["sh"]},
         "hooks": {"poststart": [{"path": "/bin/true", "args": ["true", "x"], "timeout": 3}],
                   "poststop": [{"path": "/bin/echo", "env": ["A=1"]}]},
         "linux": {"namespaces": [{"type": "pid"}]}, "unknown": [1, 2]}
        """#
        let full = try Spec.decode(Array(json.utf8))
        let outline = try outline(json)
        #expect(outline.hasProcess)
        #expect(outline.hooks == full.hooks)
        #expect(outline.hooks?.poststop?.first?.path == "/bin/echo")
    }

    @Test func absentOrNullMembers() throws {
        #expect(try outline(#"{"ociVersion": "1.0.0", "root": {"path": "r"}}"#) == SpecOutline())
        #expect(try outline(#"{"ociVersion": "1.0.0", "process": null, "hooks": null}"#) == SpecOutline())
    }

    @Test func errorsNameTheField() {
        do {
            _ = try outline(#"{"hooks": {"poststop": [{"path": 1}]}}"#)
            Issue.record("a numeric hook path decoded")
        } catch {
            #expect("\(error)".contains("hooks.poststop[0].path"), "\(error)")
        }
        #expect(throws: SpecError.self) { try outline("[1]") }
        #expect(throws: SpecError.self) { try outline("{") }
    }
}
