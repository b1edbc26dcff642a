import CLI
import LinuxCore
import Runtime

/// Flags shared by create and run.
struct ContainerFlags {
    static let options: [OptionSpec] = [
        .option("bundle", short: "b", value: "path", "Path to the bundle (default: the current directory)."),
        .option("pid-file", value: "path", "File to write the container init's pid to."),
        .option("console-socket", value: "path", "Unix socket that receives the pty master when process.terminal is true."),
        .flag("no-pivot", "Use MS_MOVE and chroot instead of pivot_root."),
        .flag("no-new-keyring", "Keep the caller's session keyring."),
        .option("preserve-fds", value: "n", "Pass this many extra fds (from 3) to the container."),
    ]

    var bundle: String
    var pidFile: String?
    var consoleSocket: String?
    var noPivot: Bool
    var noNewKeyring: Bool
    var preserveFDs: Int

    init(_ arguments: ParsedArguments) throws(UsageError) {
        bundle = arguments.value("bundle") ?? "."
        pidFile = arguments.value("pid-file")
        consoleSocket = arguments.value("console-socket")
        noPivot = arguments.flag("no-pivot")
        noNewKeyring = arguments.flag("no-new-keyring")
        preserveFDs = try arguments.integer("preserve-fds") ?? 0
    }

    func options(id: String, detach: Bool) throws(RuntimeError) -> CreateOptions {
        guard preserveFDs >= 0 else { throw RuntimeError("--preserve-fds: must not be negative") }
        var options = CreateOptions(id: id, bundle: bundle)
        options.pidFile = pidFile
        options.consoleSocket = consoleSocket
        options.noPivot = noPivot
        options.noNewKeyring = noNewKeyring
        options.preserveFDs = preserveFDs
        options.detach = detach
        return options
    }
}

struct Create: Verb {
    static let entersContainer = true

    static let command = CommandSpec(
        "create", abstract: "Create a container: init waits, set up, until start.",
        options: ContainerFlags.options, arguments: [ArgumentHelp.id])

    let flags: ContainerFlags
    let id: String

    init(_ arguments: ParsedArguments) throws(UsageError) {
        flags = try ContainerFlags(arguments)
        id = try arguments.required("id")
    }

    func execute(_ global: GlobalOptions) throws(RuntimeError) -> Int32 {
        let created = try Creator(options: try flags.options(id: id, detach: true), runtime: global.runtime).create()
        log.debug("created \(created.id), init pid \(created.pid)")
        return 0
    }
}
