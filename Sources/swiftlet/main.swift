import CLI
import Glibc
import LinuxCore
import Runtime

let arguments = Array(CommandLine.arguments.dropFirst())

let outcome: ParseOutcome
do {
    outcome = try CommandLineParser.parse(arguments, program: Swiftlet.program)
} catch {
    // Even a usage error is reported the way --log asks, if it can be read.
    let scan = ArgvScan(arguments)
    openLog(path: scan.logPath, format: scan.logFormat, debug: scan.debug)
    let prefix = error.command.map { "swiftlet \($0)" } ?? "swiftlet"
    log.fail("\(prefix): \(error.message) (see --help)")
    exit(1)
}

switch outcome {
case .info(let text):
    print(text, terminator: "")
    exit(0)
case .run(let command, let values):
    openLog(path: values.value("log"), format: values.value("log-format") ?? "text", debug: values.flag("debug"))
    guard let type = Swiftlet.verb(named: command.name) else {
        log.fail("swiftlet: unknown verb '\(command.name)'")
        exit(1)
    }
    if type.entersContainer {
        Seal.reexecIfNeeded()
    }
    log.debug("\(command.name): swiftlet \(arguments.joined(separator: " "))")
    let verb: any Verb
    do {
        verb = try type.init(values)
    } catch {
        log.fail("swiftlet \(command.name): \(error.message) (see --help)")
        exit(1)
    }
    do {
        let status = try verb.execute(GlobalOptions(values))
        log.debug("\(command.name): exit status \(status)")
        exit(status)
    } catch {
        log.fail(error.message)
        exit(1)
    }
}

/// Opens the log that --log and --log-format ask for; exits on failure.
func openLog(path: String?, format: String, debug: Bool) {
    do {
        try log.open(path: path, format: format == "json" ? .json : .text, debug: debug)
    } catch {
        FileHandleOut.stderr("swiftlet: \(error)")
        exit(1)
    }
    if format != "text" && format != "json" {
        log.fail("--log-format: unknown format \(format.debugDescription) (text or json)")
        exit(1)
    }
}
