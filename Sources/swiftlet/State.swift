import CLI
import LinuxCore
import Runtime

struct StateVerb: Verb {
    static let command = CommandSpec(
        "state", abstract: "Print the state of a container (JSON).", arguments: [ArgumentHelp.id])

    let id: String

    init(_ arguments: ParsedArguments) throws(UsageError) {
        id = try arguments.required("id")
    }

    func execute(_ global: GlobalOptions) throws(RuntimeError) -> Int32 {
        let container = try Lifecycle(runtime: global.runtime).state(id: id)
        print(JSONOut.render(container.stateDocument(), indent: 2))
        return 0
    }
}
