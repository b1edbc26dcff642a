import CLI
import LinuxCore
import Runtime

struct Start: Verb {
    static let command = CommandSpec(
        "start", abstract: "Start the process of a created container.", arguments: [ArgumentHelp.id])

    let id: String

    init(_ arguments: ParsedArguments) throws(UsageError) {
        id = try arguments.required("id")
    }

    func execute(_ global: GlobalOptions) throws(RuntimeError) -> Int32 {
        try Lifecycle(runtime: global.runtime).start(id: id)
        return 0
    }
}
