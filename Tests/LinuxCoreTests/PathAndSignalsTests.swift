import Testing
@testable import LinuxCore

@Suite struct PathTests {
    @Test(arguments: [
        ("/a", "b", "/a/b"),
        ("/a/", "b", "/a/b"),
        ("/a", "/b", "/a/b"),
        ("/a/", "/b/c", "/a/b/c"),
        ("/", "x", "/x"),
        ("/", "/x", "/x"),
        ("rel", "x", "rel/x"),
        ("/a", "", "/a"),
        ("", "x", "x"),
    ])
    func join(base: String, child: String, expected: String) {
        #expect(Path.join(base, child) == expected)
    }

    @Test(arguments: [
        ("/a/b/c", "/a/b"),
        ("/a", "/"),
        ("/", "/"),
        ("a/b", "a"),
        ("a", "."),
        ("", "."),
    ])
    func dirname(path: String, expected: String) {
        #expect(Path.dirname(path) == expected)
    }

    @Test(arguments: [
        ("/a/b/c", "c"),
        ("/a", "a"),
        ("a", "a"),
        ("a/b.json", "b.json"),
        ("/", ""),
    ])
    func basename(path: String, expected: String) {
        #expect(Path.basename(path) == expected)
    }

    @Test(arguments: [
        ("/a/b/../c", "/a/c"),
        ("/a/./b/", "/a/b"),
        ("//a//b///c", "/a/b/c"),
        ("/../a", "/a"),
        ("/../../..", "/"),
        ("/a/b/../../..", "/"),
        ("/", "/"),
        ("", "."),
        (".", "."),
        ("./", "."),
        ("a/..", "."),
        ("a/../..", ".."),
        ("../a", "../a"),
        ("../../a/b/..", "../../a"),
        ("a/b/../../../c", "../c"),
        ("a//b/./c/", "a/b/c"),
        ("/a/b", "/a/b"),
        ("a/b", "a/b"),
        ("/a./.b/..c", "/a./.b/..c"),
        ("/é/\u{301}x/.", "/é/\u{301}x"),
    ])
    func clean(path: String, expected: String) {
        #expect(Path.clean(path) == expected)
        #expect(Path.clean(path).utf8.elementsEqual(expected.utf8))
    }

    @Test func absolute() {
        #expect(Path.absolute("b/../c", cwd: "/x/y") == "/x/y/c")
        #expect(Path.absolute("/abs/./p", cwd: "/x") == "/abs/p")
        #expect(Path.absolute("../../..", cwd: "/x") == "/")
    }
}

@Suite struct SignalsTests {
    @Test(arguments: [
        ("KILL", 9), ("SIGKILL", 9), ("kill", 9), ("sigkill", 9), ("9", 9),
        ("TERM", 15), ("SIGHUP", 1), ("usr1", 10), ("SIGUSR2", 12), ("CHLD", 17), ("CLD", 17),
        ("IOT", 6), ("WINCH", 28), ("SIGSYS", 31),
        ("RTMIN", 34), ("SIGRTMIN", 34), ("RTMIN+3", 37), ("rtmin+3", 37), ("SIGRTMIN+30", 64),
        ("RTMAX", 64), ("SIGRTMAX-1", 63), ("RTMAX-30", 34),
        ("1", 1), ("64", 64), ("34", 34),
    ] as [(String, Int32)])
    func parses(text: String, expected: Int32) throws {
        #expect(try Signals.parse(text) == expected)
    }

    @Test(arguments: [
        ("0", #"invalid signal "0""#),
        ("65", #"invalid signal "65""#),
        ("-9", #"invalid signal "-9""#),
        ("", #"unknown signal """#),
        ("SIG", #"unknown signal "SIG""#),
        ("NOPE", #"unknown signal "NOPE""#),
        ("SIGSIGKILL", #"unknown signal "SIGSIGKILL""#),
        ("RTMIN-1", #"unknown signal "RTMIN-1""#),
        ("RTMAX+1", #"unknown signal "RTMAX+1""#),
        ("RTMIN+31", #"unknown signal "RTMIN+31""#),
        ("RTMAX-31", #"unknown signal "RTMAX-31""#),
        ("RTMIN+", #"unknown signal "RTMIN+""#),
        ("RTMIN+x", #"unknown signal "RTMIN+x""#),
        ("KILL ", #"unknown signal "KILL ""#),
    ])
    func rejects(text: String, expected: String) {
        #expect(failure { try Signals.parse(text) } == expected)
    }

    @Test func names() {
        #expect(Signals.name(9) == "SIGKILL")
        #expect(Signals.name(15) == "SIGTERM")
        #expect(Signals.name(17) == "SIGCHLD")
        #expect(Signals.name(40) == "signal 40")
    }
}

@Suite struct ByteSplitTests {
    @Test(arguments: [
        ("a:b::c", true, ["a", "b", "c"]),
        ("a:b::c", false, ["a", "b", "", "c"]),
        (":a:", false, ["", "a", ""]),
        (":a:", true, ["a"]),
        ("", false, [""]),
        ("", true, []),
        ("x:\u{301}y", false, ["x", "\u{301}y"]),
    ])
    func splitsAtTheByte(text: String, omitting: Bool, expected: [String]) {
        let parts = text.split(byte: UInt8(ascii: ":"), omittingEmpty: omitting)
        #expect(parts.map { Array($0.utf8) } == expected.map { Array($0.utf8) })
        // The same as the Character-based split wherever that one is exact.
        if !text.unicodeScalars.contains("\u{301}") {
            #expect(parts.map(String.init) == text.split(separator: ":", omittingEmptySubsequences: omitting).map(String.init))
        }
    }
}
