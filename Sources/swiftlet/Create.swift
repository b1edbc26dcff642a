import ArgumentParser
import LinuxCore
import Runtime

/// Flags shared by create and run.
struct ContainerFlags: ParsableArguments {
    @Option(name: [.customShort("b"), .long], help: "Path to the bundle (default: the current directory).")
    var bundle: String = "."

    @Option(name: .customLong("pid-file"), help: "File to write the container init's pid to.")
    var pidFile: String?

    @Option(name: .customLong("console-socket"), help: "Unix socket that receives the pty master when process.terminal is true.")
    var consoleSocket: String?

    @Flag(name: .customLong("no-pivot"), help: "Use MS_MOVE and chroot instead of pivot_root.")
    var noPivot = false

    @Flag(name: .customLong("no-new-keyring"), help: "Keep the caller's session keyring.")
    var noNewKeyring = false

    @Option(name: .customLong("preserve-fds"), help: "Pass this many extra fds (from 3) to the container.")
    var preserveFDs: Int = 0

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
    static let configuration = CommandConfiguration(
        abstract: "Create a container: init waits, set up, until start.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var flags: ContainerFlags
    @Argument(help: "The container id.") var id: String

    func execute() throws(RuntimeError) -> Int32 {
        let created = try Creator(options: try flags.options(id: id, detach: true), runtime: global.runtime).create()
        log.debug("created \(created.id), init pid \(created.pid)")
        return 0
    }
}
