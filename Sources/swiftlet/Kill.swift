import CLI
import LinuxCore
import Runtime

struct Kill: Verb {
    static let command = CommandSpec(
        "kill", abstract: "Send a signal (default TERM) to the container's init.",
        discussion: "SIGNAL may be a name (KILL, SIGKILL) or a number (9).",
        options: [.flag("all", short: "a", "Send the signal to every process of the container.")],
        arguments: [ArgumentHelp.id, .optional("signal", "The signal.")])

    let all: Bool
    let id: String
    let signal: String

    init(_ arguments: ParsedArguments) throws(UsageError) {
        all = arguments.flag("all")
        id = try arguments.required("id")
        signal = arguments.argument("signal") ?? "TERM"
    }

    func execute(_ global: GlobalOptions) throws(RuntimeError) -> Int32 {
        let number = try Signals.parse(signal)
        try Lifecycle(runtime: global.runtime).kill(id: id, signal: number, all: all)
        return 0
    }
}
