import ArgumentParser
import LinuxCore
import Runtime

struct Start: Verb {
    static let configuration = CommandConfiguration(abstract: "Start the process of a created container.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The container id.") var id: String

    func execute() throws(RuntimeError) -> Int32 {
        try Lifecycle(runtime: global.runtime).start(id: id)
        return 0
    }
}
