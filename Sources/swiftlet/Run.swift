import CLI
import LinuxCore
import Runtime

struct Run: Verb {
    static let entersContainer = true

    static let command = CommandSpec(
        "run", abstract: "Create and start a container; in the foreground, wait for it and exit with its status.",
        options: ContainerFlags.options + [
            .flag("detach", short: "d", "Do not wait: leave the container running."),
            .flag("keep", "Do not delete the container after it exits."),
        ],
        arguments: [ArgumentHelp.id])

    let flags: ContainerFlags
    let detach: Bool
    let keep: Bool
    let id: String

    init(_ arguments: ParsedArguments) throws(UsageError) {
        flags = try ContainerFlags(arguments)
        detach = arguments.flag("detach")
        keep = arguments.flag("keep")
        id = try arguments.required("id")
    }

    func execute(_ global: GlobalOptions) throws(RuntimeError) -> Int32 {
        if detach && keep { throw RuntimeError("--keep and --detach cannot be used together") }
        let options = try flags.options(id: id, detach: detach)
        return try Runner(options: options, runtime: global.runtime, keep: keep).run()
    }
}
