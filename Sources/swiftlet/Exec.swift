import ArgumentParser
import LinuxCore
import OCISpec
import Runtime

struct Exec: Verb {
    static let configuration = CommandConfiguration(
        abstract: "Run a new process in a created or running container.",
        discussion: "The process comes from --process (a runtime-spec process JSON), or from the container's own process with the flags' changes and COMMAND ARGS.")

    @OptionGroup var global: GlobalOptions
    @Option(name: [.customShort("p"), .long], help: "Process JSON file.") var process: String?
    @Flag(name: [.customShort("d"), .long], help: "Do not wait for the process.") var detach = false
    @Option(name: .customLong("pid-file")) var pidFile: String?
    @Option(name: .customLong("console-socket")) var consoleSocket: String?
    @Flag(name: [.customShort("t"), .long], help: "Allocate a terminal.") var tty = false
    @Option(help: "Working directory.") var cwd: String?
    @Option(name: [.customShort("e"), .long], help: "Add an environment variable (K=V).") var env: [String] = []
    @Option(name: [.customShort("u"), .long], help: "UID[:GID].") var user: String?
    @Option(name: [.customShort("g"), .customLong("additional-gids")], help: "Additional gid.") var additionalGids: [UInt32] = []
    @Option(name: [.customShort("c"), .long], help: "Add a capability.") var cap: [String] = []
    @Flag(name: .customLong("no-new-privs")) var noNewPrivs = false
    @Option(name: .customLong("preserve-fds")) var preserveFDs: Int = 0
    @Option(name: .customLong("process-label")) var processLabel: String?
    @Option(help: "AppArmor profile.") var apparmor: String?
    @Flag(name: .customLong("ignore-paused")) var ignorePaused = false
    @Argument(help: "The container id.") var id: String
    @Argument(parsing: .captureForPassthrough, help: "The command and its arguments.") var command: [String] = []

    func execute() throws(RuntimeError) -> Int32 {
        guard preserveFDs >= 0 else { throw RuntimeError("--preserve-fds: must not be negative") }
        var options = ExecOptions(id: id, process: try makeProcess())
        options.detach = detach
        options.pidFile = pidFile
        options.consoleSocket = consoleSocket
        options.preserveFDs = preserveFDs
        options.ignorePaused = ignorePaused
        return try Executor(options: options, runtime: global.runtime).run()
    }

    private func makeProcess() throws(RuntimeError) -> Process {
        if let path = process {
            do {
                var p = try Spec.decodeProcess(try FileIO.read(path), name: path)
                if tty { p.terminal = true }
                return p
            } catch let error as RuntimeError {
                throw error
            } catch {
                throw RuntimeError("\(error)")
            }
        }
        var args = command
        if args.first == "--" { args.removeFirst() }
        guard !args.isEmpty else { throw RuntimeError("exec: a COMMAND (or --process FILE) is required") }
        // The container's own process, as configured at create.
        var p = try Lifecycle(runtime: global.runtime).configuredProcess(id: id)
        p.args = args
        p.terminal = tty
        if let cwd { p.cwd = cwd }
        p.env = (p.env ?? []) + env
        if let apparmor { p.apparmorProfile = apparmor }
        if let processLabel { p.selinuxLabel = processLabel }
        if noNewPrivs { p.noNewPrivileges = true }
        if !cap.isEmpty {
            var caps = p.capabilities ?? LinuxCapabilities()
            caps.bounding = (caps.bounding ?? []) + cap
            caps.effective = (caps.effective ?? []) + cap
            caps.permitted = (caps.permitted ?? []) + cap
            caps.inheritable = (caps.inheritable ?? []) + cap
            caps.ambient = (caps.ambient ?? []) + cap
            p.capabilities = caps
        }
        if let user {
            let parts = user.split(separator: ":", maxSplits: 1)
            guard let uid = UInt32(parts[0]), parts.count == 1 || UInt32(parts[1]) != nil else {
                throw RuntimeError("--user: \(user.debugDescription) is not UID or UID:GID")
            }
            var u = p.user ?? User(uid: 0, gid: 0)
            u.uid = uid
            if parts.count == 2, let gid = UInt32(parts[1]) { u.gid = gid }
            p.user = u
        }
        if !additionalGids.isEmpty {
            var u = p.user ?? User(uid: 0, gid: 0)
            u.additionalGids = (u.additionalGids ?? []) + additionalGids
            p.user = u
        }
        return p
    }
}
