import CLI
import LinuxCore
import Runtime

struct Pause: Verb {
    static let command = CommandSpec(
        "pause", abstract: "Freeze every process of a running container.", arguments: [ArgumentHelp.id])

    let id: String

    init(_ arguments: ParsedArguments) throws(UsageError) {
        id = try arguments.required("id")
    }

    func execute(_ global: GlobalOptions) throws(RuntimeError) -> Int32 {
        try Lifecycle(runtime: global.runtime).pause(id: id)
        return 0
    }
}

struct Resume: Verb {
    static let command = CommandSpec(
        "resume", abstract: "Thaw a paused container.", arguments: [ArgumentHelp.id])

    let id: String

    init(_ arguments: ParsedArguments) throws(UsageError) {
        id = try arguments.required("id")
    }

    func execute(_ global: GlobalOptions) throws(RuntimeError) -> Int32 {
        try Lifecycle(runtime: global.runtime).resume(id: id)
        return 0
    }
}
