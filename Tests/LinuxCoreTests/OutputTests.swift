import FoundationEssentials
import Glibc
import Testing
@testable import LinuxCore

let rfc3339Seconds = #"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z"#

func matches(_ text: String, _ pattern: String) -> Bool {
    guard let regex = try? Regex(pattern) else { return false }
    return text.wholeMatch(of: regex) != nil
}

@Suite struct TimestampTests {
    @Test(arguments: [
        (0, 0, true, "1970-01-01T00:00:00Z"),
        (0, 0, false, "1970-01-01T00:00:00Z"),
        (1_700_000_000, 0, false, "2023-11-14T22:13:20Z"),
        (1_700_000_000, 896_620_282, false, "2023-11-14T22:13:20Z"),
        (1_700_000_000, 896_620_282, true, "2023-11-14T22:13:20.896620282Z"),
        (1_700_000_000, 500_000_000, true, "2023-11-14T22:13:20.5Z"),
        (1_700_000_000, 120, true, "2023-11-14T22:13:20.00000012Z"),
        (1_700_000_000, 1, true, "2023-11-14T22:13:20.000000001Z"),
        (951_825_599, 10_000_000, true, "2000-02-29T11:59:59.01Z"),
        (4_102_444_799, 0, true, "2099-12-31T23:59:59Z"),
    ] as [(Int, Int, Bool, String)])
    func format(seconds: Int, nanos: Int, fraction: Bool, expected: String) {
        let ts = timespec(tv_sec: seconds, tv_nsec: nanos)
        #expect(Timestamp.format(ts, fraction: fraction) == expected)
    }

    @Test func nowForms() {
        #expect(matches(Timestamp.nowSeconds(), rfc3339Seconds))
        #expect(matches(Timestamp.nowNano(), #"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z"#))
        #expect(!Timestamp.nowNano().contains(where: { $0 == " " }))
    }
}

@Suite struct JSONOutTests {
    @Test func escapesQuotesBackslashesAndControls() {
        #expect(JSONOut.escape(#"say "hi" \ bye"#) == #""say \"hi\" \\ bye""#)
        #expect(JSONOut.escape("a\nb\rc\td") == #""a\nb\rc\td""#)
        #expect(JSONOut.escape("\u{0}\u{1}\u{8}\u{c}\u{1f}") == #""\u0000\u0001\u0008\u000c\u001f""#)
        #expect(JSONOut.escape("") == #""""#)
    }

    @Test func unicodePassesThrough() {
        #expect(JSONOut.escape("é中😀\u{7f}") == "\"é中😀\u{7f}\"")
        #expect(JSONOut.escape("/") == #""/""#)
    }

    @Test func everyControlCharacterRoundTripsThroughADecoder() throws {
        var text = ""
        for value in 0..<0x20 { text.unicodeScalars.append(try #require(Unicode.Scalar(value))) }
        text += "\"\\é😀"
        let rendered = JSONOut.render(.object([("k", .string(text))]))
        let decoded = try JSONDecoder().decode([String: String].self, from: Data(rendered.utf8))
        #expect(decoded == ["k": text])
    }

    @Test func compactRenderKeepsOrder() {
        let value = JSONOut.Value.object([
            ("zeta", .int(1)), ("alpha", .int(-2)), ("mid", .bool(true)), ("no", .bool(false)), ("n", .null),
            ("list", .array([.string("a"), .int(3), .array([]), .object([])])), ("raw", .raw(#"{"x":[1]}"#)),
        ])
        #expect(JSONOut.render(value) == #"{"zeta":1,"alpha":-2,"mid":true,"no":false,"n":null,"list":["a",3,[],{}],"raw":{"x":[1]}}"#)
    }

    @Test func keysAreEscaped() {
        #expect(JSONOut.render(.object([("a\"b", .int(1))])) == #"{"a\"b":1}"#)
    }

    @Test func prettyRender() {
        let value = JSONOut.Value.object([
            ("id", .string("c1")), ("pids", .array([.int(1), .int(2)])), ("empty", .array([])),
            ("nested", .object([("k", .null)])),
        ])
        let expected = """
        {
          "id": "c1",
          "pids": [
            1,
            2
          ],
          "empty": [],
          "nested": {
            "k": null
          }
        }
        """
        #expect(JSONOut.render(value, indent: 2) == expected)
        #expect(JSONOut.render(.array([.int(1)]), indent: 4) == "[\n    1\n]")
    }

    @Test func scalars() {
        #expect(JSONOut.render(.int(Int64.min)) == "-9223372036854775808")
        #expect(JSONOut.render(.string("x")) == #""x""#)
        #expect(JSONOut.render(.null, indent: 2) == "null")
    }
}

@Suite struct LoggerTests {
    @Test func textLine() {
        var logger = Logger()
        logger.format = .text
        let line = logger.line(.error, #"container "c1" failed"#)
        #expect(matches(line, #"time="\#(rfc3339Seconds)" level=error msg="container \\"c1\\" failed""#), "\(line)")
        #expect(line.hasSuffix(#" level=error msg="container \"c1\" failed""#))
        #expect(logger.line(.warning, "w").contains(" level=warning msg=\"w\""))
        #expect(!logger.line(.info, "a\nb").contains("\n"))
    }

    @Test func jsonLine() throws {
        var logger = Logger()
        logger.format = .json
        let message = "bad \"thing\"\n\tat\u{1} é"
        let line = logger.line(.warning, message)
        #expect(!line.contains("\n"))
        #expect(line.hasPrefix(#"{"level":"warning","msg":"#))
        let object = try JSONDecoder().decode([String: String].self, from: Data(line.utf8))
        #expect(object.keys.sorted() == ["level", "msg", "time"])
        #expect(object["level"] == "warning")
        #expect(object["msg"] == message)
        #expect(matches(object["time"] ?? "", rfc3339Seconds), "\(object)")
    }

    @Test func levelsAndFormatsFromStrings() {
        #expect(LogFormat(rawValue: "json") == .json)
        #expect(LogFormat(rawValue: "xml") == nil)
        #expect(LogLevel.warning.rawValue == "warning")
    }
}

@Suite struct RuntimeErrorTests {
    @Test func sysNamesStepAndErrnoText() {
        let error = RuntimeError.sys("pivot_root(/run/x)", EINVAL)
        #expect(error.description == "pivot_root(/run/x): Invalid argument")
        #expect(error.errno == EINVAL)
        #expect(RuntimeError.sys("open(/x)", ENOENT).description == "open(/x): No such file or directory")
    }

    @Test func contextPrefixesAndKeepsErrno() {
        let error = RuntimeError.sys("mkdir(/a)", EEXIST).context("create container")
        #expect(error.description == "create container: mkdir(/a): File exists")
        #expect(error.errno == EEXIST)
        #expect(RuntimeError("plain").errno == nil)
    }

    @Test func sysWrapperThrowsWithErrno() throws {
        do {
            try sys("close(-1)") { close(-1) }
            Issue.record("close(-1) did not fail")
        } catch {
            #expect(error.description == "close(-1): Bad file descriptor")
            #expect(error.errno == EBADF)
        }
        #expect((try? sys("getpid") { getpid() }) == getpid())
    }

    @Test func stepWrapsAnyError() {
        struct Other: Error, CustomStringConvertible { var description: String { "other failure" } }
        #expect(failure { try step("outer") { throw RuntimeError("inner") } } == "outer: inner")
        #expect(failure { try step("outer") { throw Other() } } == "outer: other failure")
        #expect((try? step("outer") { 42 }) == 42)
    }

    @Test func errnoTextOfUnknownCode() {
        #expect(errnoText(ENOENT) == "No such file or directory")
        #expect(errnoText(99999).contains("99999"))
    }
}
