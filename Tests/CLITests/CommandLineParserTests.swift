import Testing
@testable import CLI

let program = ProgramSpec(
    name: "tool", abstract: "A test program.", version: "tool 1.0",
    globalOptions: [
        .option("root", value: "dir", "State directory."),
        .flag("debug", "Debug."),
    ],
    commands: [
        CommandSpec("create", abstract: "Create.",
                    options: [.option("bundle", short: "b", value: "path", "Bundle."),
                              .flag("detach", short: "d", "Detach."),
                              .flag("tty", short: "t", "Terminal."),
                              .option("env", short: "e", value: "K=V", "Env.", repeats: true),
                              .option("fds", value: "n", "Count.")],
                    arguments: [.required("id", "Id.")]),
        CommandSpec("kill", abstract: "Kill.", arguments: [.required("id", "Id."), .optional("signal", "Signal.")]),
        CommandSpec("exec", abstract: "Exec.",
                    options: [.flag("tty", short: "t", "Terminal."), .option("cwd", value: "dir", "Cwd.")],
                    arguments: [.required("id", "Id."), .rest("command", "Command.")]),
    ])

func run(_ argv: [String]) throws(UsageError) -> (String, ParsedArguments) {
    switch try CommandLineParser.parse(argv, program: program) {
    case .run(let command, let parsed): return (command.name, parsed)
    case .info(let text): throw UsageError("unexpected info: \(text)")
    }
}

func info(_ argv: [String]) throws -> String {
    guard case .info(let text) = try CommandLineParser.parse(argv, program: program) else {
        Issue.record("expected help or version for \(argv)")
        return ""
    }
    return text
}

func usageError(_ argv: [String]) -> String? {
    do {
        _ = try CommandLineParser.parse(argv, program: program)
        return nil
    } catch {
        return error.message
    }
}

@Suite struct CommandLineParserTests {
    @Test func globalOptionsBeforeAndAfterTheVerb() throws {
        let (verb, parsed) = try run(["--root", "/r", "create", "--debug", "x"])
        #expect(verb == "create")
        #expect(parsed.value("root") == "/r")
        #expect(parsed.flag("debug"))
        #expect(parsed.argument("id") == "x")
        let (_, later) = try run(["--root=/a", "create", "--root", "/b", "x"])
        #expect(later.value("root") == "/b", "the last value counts")
    }

    @Test func valueForms() throws {
        for argv in [["create", "--bundle", "B", "x"], ["create", "--bundle=B", "x"], ["create", "-b", "B", "x"],
                     ["create", "-bB", "x"], ["create", "x", "-b", "B"]] {
            let (_, parsed) = try run(argv)
            #expect(parsed.value("bundle") == "B", "\(argv)")
            #expect(parsed.argument("id") == "x", "\(argv)")
        }
    }

    @Test func clusteredShortFlagsAndGoStyleBooleans() throws {
        let (_, parsed) = try run(["create", "-dt", "x"])
        #expect(parsed.flag("detach") && parsed.flag("tty"))
        let (_, off) = try run(["create", "--detach=true", "--tty", "--tty=false", "x"])
        #expect(off.flag("detach") && !off.flag("tty"))
        #expect(usageError(["create", "--detach=yes", "x"])?.contains("--detach") == true)
    }

    @Test func repeatedOptionsAccumulate() throws {
        let (_, parsed) = try run(["create", "-e", "A=1", "--env", "B=2", "-eC=3", "x"])
        #expect(parsed.values("env") == ["A=1", "B=2", "C=3"])
        #expect(parsed.value("env") == "C=3")
    }

    @Test func integers() throws {
        let (_, parsed) = try run(["create", "--fds", "3", "x"])
        #expect(try parsed.integer("fds", as: Int.self) == 3)
        #expect(try parsed.integer("bundle", as: Int.self) == nil)
        let (_, bad) = try run(["create", "--fds", "three", "x"])
        #expect(throws: UsageError.self) { try bad.integer("fds", as: Int.self) }
        let (_, big) = try run(["create", "--fds", "70000", "x"])
        #expect(throws: UsageError.self) { try big.integer("fds", as: UInt16.self) }
    }

    @Test func optionalArgument() throws {
        let (_, one) = try run(["kill", "x"])
        #expect(one.argument("signal") == nil)
        let (_, two) = try run(["kill", "x", "KILL"])
        #expect(two.argument("signal") == "KILL")
    }

    @Test func restIsVerbatimAfterTheArgumentsBeforeIt() throws {
        let (_, parsed) = try run(["exec", "-t", "--cwd", "/", "x", "sh", "-c", "echo --help"])
        #expect(parsed.flag("tty") && parsed.value("cwd") == "/")
        #expect(parsed.argument("id") == "x")
        #expect(parsed.rest == ["sh", "-c", "echo --help"])
        // Options after the id belong to the command (runc's exec does the same).
        let (_, after) = try run(["exec", "x", "-t", "ls"])
        #expect(!after.flag("tty") && after.rest == ["-t", "ls"])
        let (_, dashes) = try run(["exec", "x", "--", "ls", "--", "-l"])
        #expect(dashes.rest == ["ls", "--", "-l"])
        let (_, none) = try run(["exec", "x"])
        #expect(none.rest.isEmpty)
    }

    @Test func doubleDashEndsOptions() throws {
        let (_, parsed) = try run(["create", "--", "-odd-id"])
        #expect(parsed.argument("id") == "-odd-id")
    }

    @Test func usageErrorsNameTheCulprit() {
        #expect(usageError(["create", "--bogus", "x"]) == "unknown option '--bogus'")
        #expect(usageError(["--bundle", "B", "create", "x"]) == "unknown option '--bundle'", "verb options only after the verb")
        #expect(usageError(["create", "-z", "x"]) == "unknown option '-z'")
        #expect(usageError(["create"]) == "missing argument <id>")
        #expect(usageError(["create", "x", "y"]) == "unexpected argument 'y'")
        #expect(usageError(["create", "x", "--bundle"]) == "missing value for '--bundle <path>'")
        #expect(usageError(["frobnicate"]) == "unknown verb 'frobnicate'")
        #expect(usageError(["help", "frobnicate"]) == "unknown verb 'frobnicate'")
        #expect(usageError(["--root"]) == "missing value for '--root <dir>'")
    }

    @Test func usageErrorsCarryTheVerb() {
        do {
            _ = try CommandLineParser.parse(["kill"], program: program)
            Issue.record("kill without an id parsed")
        } catch {
            #expect(error.command == "kill")
        }
    }

    @Test func helpAndVersion() throws {
        let top = try info([])
        #expect(top.contains("USAGE: tool [<global options>] <verb>"))
        #expect(top.contains("  create") && top.contains("  kill") && top.contains("--root <dir>"))
        #expect(try info(["--help"]) == top)
        #expect(try info(["help"]) == top)
        for argv in [["kill", "--help"], ["kill", "-h"], ["help", "kill"], ["kill", "x", "--help"]] {
            let text = try info(argv)
            #expect(text.contains("USAGE: tool kill <id> [<signal>]"), "\(argv)")
            #expect(text.contains("OVERVIEW: Kill."))
            #expect(!text.contains("  create"), "a verb's help is its own")
        }
        #expect(try info(["create", "-dh"]).contains("USAGE: tool create [<options>] <id>"))
        #expect(try info(["--version"]) == "tool 1.0\n")
        #expect(try info(["-v"]) == "tool 1.0\n")
    }

    @Test func helpListsOptionsWithTheirValues() throws {
        let text = try info(["help", "create"])
        #expect(text.contains("-b, --bundle <path>"))
        #expect(text.contains("-e, --env <K=V>"))
        #expect(text.contains("Env. (can be repeated)"))
        #expect(text.contains("GLOBAL OPTIONS:") && text.contains("--root <dir>"))
    }
}
