import CLI
import LinuxCore
import Runtime

struct Delete: Verb {
    static let command = CommandSpec(
        "delete", abstract: "Delete a stopped container (with --force, any container).",
        options: [.flag("force", short: "f", "Kill the container first if it is still running.")],
        arguments: [ArgumentHelp.id])

    let force: Bool
    let id: String

    init(_ arguments: ParsedArguments) throws(UsageError) {
        force = arguments.flag("force")
        id = try arguments.required("id")
    }

    func execute(_ global: GlobalOptions) throws(RuntimeError) -> Int32 {
        try Lifecycle(runtime: global.runtime).delete(id: id, force: force)
        return 0
    }
}
