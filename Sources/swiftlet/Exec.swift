import CLI
import LinuxCore
import OCISpec
import Runtime

struct Exec: Verb {
    static let entersContainer = true

    static let command = CommandSpec(
        "exec", abstract: "Run a new process in a created or running container.",
        discussion: "The process comes from --process (a runtime-spec process JSON), or from the container's own process with the flags' changes and COMMAND ARGS. Options go before the id: every word after the id belongs to the command.",
        options: [
            .option("process", short: "p", value: "file", "Process JSON file."),
            .flag("detach", short: "d", "Do not wait for the process."),
            .option("pid-file", value: "path", "File to write the process's pid to."),
            .option("console-socket", value: "path", "Unix socket that receives the pty master with --tty."),
            .flag("tty", short: "t", "Allocate a terminal."),
            .option("cwd", value: "dir", "Working directory."),
            .option("env", short: "e", value: "K=V", "Add an environment variable.", repeats: true),
            .option("user", short: "u", value: "uid[:gid]", "User and group to run as."),
            .option("additional-gids", short: "g", value: "gid", "Additional gid.", repeats: true),
            .option("cap", short: "c", value: "name", "Add a capability.", repeats: true),
            .flag("no-new-privs", "Set no_new_privs."),
            .option("preserve-fds", value: "n", "Pass this many extra fds (from 3) to the process."),
            .option("process-label", value: "label", "SELinux label."),
            .option("apparmor", value: "profile", "AppArmor profile."),
            .flag("ignore-paused", "Run even if the container is paused (joins its frozen cgroup last)."),
        ],
        arguments: [ArgumentHelp.id, .rest("command", "The command and its arguments.")])

    let process: String?
    let detach: Bool
    let pidFile: String?
    let consoleSocket: String?
    let tty: Bool
    let cwd: String?
    let env: [String]
    let user: String?
    let additionalGids: [UInt32]
    let cap: [String]
    let noNewPrivs: Bool
    let preserveFDs: Int
    let processLabel: String?
    let apparmor: String?
    let ignorePaused: Bool
    let id: String
    let command: [String]

    init(_ arguments: ParsedArguments) throws(UsageError) {
        process = arguments.value("process")
        detach = arguments.flag("detach")
        pidFile = arguments.value("pid-file")
        consoleSocket = arguments.value("console-socket")
        tty = arguments.flag("tty")
        cwd = arguments.value("cwd")
        env = arguments.values("env")
        user = arguments.value("user")
        additionalGids = try arguments.integers("additional-gids")
        cap = arguments.values("cap")
        noNewPrivs = arguments.flag("no-new-privs")
        preserveFDs = try arguments.integer("preserve-fds") ?? 0
        processLabel = arguments.value("process-label")
        apparmor = arguments.value("apparmor")
        ignorePaused = arguments.flag("ignore-paused")
        id = try arguments.required("id")
        command = arguments.rest
    }

    func execute(_ global: GlobalOptions) throws(RuntimeError) -> Int32 {
        guard preserveFDs >= 0 else { throw RuntimeError("--preserve-fds: must not be negative") }
        var options = ExecOptions(id: id, process: try makeProcess(global))
        options.detach = detach
        options.pidFile = pidFile
        options.consoleSocket = consoleSocket
        options.preserveFDs = preserveFDs
        options.ignorePaused = ignorePaused
        return try Executor(options: options, runtime: global.runtime).run()
    }

    private func makeProcess(_ global: GlobalOptions) throws(RuntimeError) -> Process {
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
        let args = command
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
