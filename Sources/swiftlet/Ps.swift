import CLI
import Glibc
import LinuxCore
import Runtime

struct Ps: Verb {
    static let command = CommandSpec(
        "ps", abstract: "List the processes of a container.",
        discussion: "With --format json, prints the pids as a JSON array. Otherwise runs ps(1) with PS_ARGS (default -ef) and keeps the container's lines.",
        options: [.option("format", short: "f", value: "format", "table or json (default table).")],
        arguments: [ArgumentHelp.id, .rest("ps-args", "Options for ps(1), after the id.")])

    let format: String
    let id: String
    let psArgs: [String]

    init(_ arguments: ParsedArguments) throws(UsageError) {
        format = arguments.value("format") ?? "table"
        id = try arguments.required("id")
        psArgs = arguments.rest
    }

    func execute(_ global: GlobalOptions) throws(RuntimeError) -> Int32 {
        let pids = try Lifecycle(runtime: global.runtime).pids(id: id)
        switch format {
        case "json":
            print(JSONOut.render(.array(pids.map { .int(Int64($0)) })))
        case "table":
            print(try PsTable.render(pids: Set(pids), args: psArgs.isEmpty ? ["-ef"] : psArgs), terminator: "")
        default:
            throw RuntimeError("--format: unknown format \(format.debugDescription) (table or json)")
        }
        return 0
    }
}

/// ps(1)'s output restricted to some pids (runc's way).
enum PsTable {
    static func render(pids: Set<Int32>, args: [String]) throws(RuntimeError) -> String {
        let output = try CommandOutput.run("ps", args)
        var lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let header = lines.first else { return "" }
        guard let column = header.split(separator: " ").firstIndex(of: "PID") else {
            throw RuntimeError("ps: no PID column in its output (ps \(args.joined(separator: " ")))")
        }
        lines.removeFirst()
        var out = header + "\n"
        for line in lines {
            let fields = line.split(separator: " ")
            if column < fields.count, let pid = Int32(fields[column]), pids.contains(pid) { out += line + "\n" }
        }
        return out
    }
}

/// Runs a program from PATH and returns its stdout.
enum CommandOutput {
    static func run(_ program: String, _ args: [String]) throws(RuntimeError) -> String {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw RuntimeError.sys("\(program): pipe", currentErrno()) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        var argv = ([program] + args).map { strdup($0) }
        argv.append(nil)
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let code = posix_spawnp(&pid, program, &actions, nil, argv, environ)
        close(fds[1])
        defer { close(fds[0]) }
        guard code == 0 else { throw RuntimeError("\(program): \(errnoText(code))", errno: code) }
        let bytes = (try? FileIO.read(fd: fds[0], name: program)) ?? []
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && currentErrno() == EINTR {}
        guard status == 0 else { throw RuntimeError("\(program) \(args.joined(separator: " ")) failed (status \(status >> 8))") }
        return String(decoding: bytes, as: UTF8.self)
    }
}
