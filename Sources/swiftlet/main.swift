import ArgumentParser
import Glibc
import LinuxCore
import Runtime

let arguments = Array(CommandLine.arguments.dropFirst())
let scan = ArgvScan(arguments)

if scan.wantsVersion {
    print(VersionInfo.text)
    exit(0)
}
do {
    try log.open(path: scan.logPath, format: scan.logFormat == "json" ? .json : .text, debug: scan.debug)
} catch {
    FileHandleOut.stderr("swiftlet: \(error)")
    exit(1)
}
if scan.logFormat != "text" && scan.logFormat != "json" {
    log.fail("--log-format: unknown format \(scan.logFormat.debugDescription) (text or json)")
    exit(1)
}
if scan.entersContainer {
    Seal.reexecIfNeeded()
}

do {
    let command = try Swiftlet.parseAsRoot(arguments)
    guard let verb = command as? any Verb else {
        print(Swiftlet.helpMessage())
        exit(0)
    }
    exit(try verb.execute())
} catch let error as RuntimeError {
    log.fail(error.message)
    exit(1)
} catch {
    let code = Swiftlet.exitCode(for: error)
    if code == .success {
        print(Swiftlet.fullMessage(for: error))
        exit(0)
    }
    let prefix = scan.verb.map { "swiftlet \($0)" } ?? "swiftlet"
    log.fail("\(prefix): \(Swiftlet.message(for: error)) (see --help)")
    exit(1)
}
