import ArgumentParser
import LinuxCore
import Runtime
import StateStore

/// runc's global flags. Every verb includes them, so they work before the
/// verb (`swiftlet --root R create ...`, as clients call it) and after it.
struct GlobalOptions: ParsableArguments {
    @Option(help: "Root directory for container state (keep it on tmpfs).")
    var root: String = ContainerStore.defaultRoot

    @Option(help: "Log file (default: stderr).")
    var log: String?

    @Option(name: .customLong("log-format"), help: "Log format: text or json.")
    var logFormat: String = "text"

    @Flag(help: "Log debug messages.")
    var debug = false

    @Flag(name: .customLong("systemd-cgroup"), help: "Use the systemd cgroup driver (not supported yet).")
    var systemdCgroup = false

    @Option(help: .hidden)
    var criu: String?

    var runtime: RuntimeOptions {
        RuntimeOptions(root: Path.absolute(root, cwd: "/"), systemdCgroup: systemdCgroup)
    }
}

/// A verb: parsed by ArgumentParser, executed with a typed error and an
/// exit status.
protocol Verb: ParsableCommand {
    var global: GlobalOptions { get }
    func execute() throws(RuntimeError) -> Int32
}

extension Verb {
    mutating func run() throws {
        // main.swift calls execute() directly; this keeps ParsableCommand happy.
    }
}
