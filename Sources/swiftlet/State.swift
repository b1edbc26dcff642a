import ArgumentParser
import LinuxCore
import Runtime

struct StateVerb: Verb {
    static let configuration = CommandConfiguration(commandName: "state", abstract: "Print the state of a container (JSON).")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The container id.") var id: String

    func execute() throws(RuntimeError) -> Int32 {
        let container = try Lifecycle(runtime: global.runtime).state(id: id)
        print(JSONOut.render(container.stateDocument(), indent: 2))
        return 0
    }
}
