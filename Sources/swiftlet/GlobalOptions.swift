import CLI
import LinuxCore
import Runtime
import StateStore

/// runc's global flags. They work before the verb (`swiftlet --root R
/// create ...`, as clients call it) and after it.
struct GlobalOptions {
    static let options: [OptionSpec] = [
        .option("root", value: "root", "Root directory for container state (default \(ContainerStore.defaultRoot); keep it on tmpfs)."),
        .option("log", value: "file", "Log file (default: stderr)."),
        .option("log-format", value: "format", "Log format: text or json (default text)."),
        .flag("debug", "Log debug messages."),
        .flag("systemd-cgroup", "Use the systemd cgroup driver (not supported yet)."),
        .option("criu", value: "path", "Accepted for runc compatibility; checkpoint/restore is not supported.", hidden: true),
    ]

    var root: String
    var systemdCgroup: Bool

    init(_ arguments: ParsedArguments) {
        root = arguments.value("root") ?? ContainerStore.defaultRoot
        systemdCgroup = arguments.flag("systemd-cgroup")
    }

    var runtime: RuntimeOptions {
        RuntimeOptions(root: Path.absolute(root, cwd: "/"), systemdCgroup: systemdCgroup)
    }
}

/// A verb: built from its parsed arguments, executed with a typed error and
/// an exit status.
protocol Verb: SendableMetatype {
    static var command: CommandSpec { get }
    /// Its process enters a container (and so first re-executes itself
    /// from a sealed copy, see `Seal`).
    static var entersContainer: Bool { get }
    init(_ arguments: ParsedArguments) throws(UsageError)
    func execute(_ global: GlobalOptions) throws(RuntimeError) -> Int32
}

extension Verb {
    static var entersContainer: Bool { false }
}

/// Help text shared by the verbs.
enum ArgumentHelp {
    static let id = ArgumentSpec.required("id", "The container id.")
}
