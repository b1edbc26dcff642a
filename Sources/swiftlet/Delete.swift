import ArgumentParser
import LinuxCore
import Runtime

struct Delete: Verb {
    static let configuration = CommandConfiguration(abstract: "Delete a stopped container (with --force, any container).")

    @OptionGroup var global: GlobalOptions
    @Flag(name: [.customShort("f"), .long], help: "Kill the container first if it is still running.")
    var force = false
    @Argument(help: "The container id.") var id: String

    func execute() throws(RuntimeError) -> Int32 {
        try Lifecycle(runtime: global.runtime).delete(id: id, force: force)
        return 0
    }
}
