import ArgumentParser
import LinuxCore
import Runtime

struct Run: Verb {
    static let configuration = CommandConfiguration(
        abstract: "Create and start a container; in the foreground, wait for it and exit with its status.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var flags: ContainerFlags
    @Flag(name: [.customShort("d"), .long], help: "Do not wait: leave the container running.")
    var detach = false
    @Flag(help: "Do not delete the container after it exits.")
    var keep = false
    @Argument(help: "The container id.") var id: String

    func execute() throws(RuntimeError) -> Int32 {
        if detach && keep { throw RuntimeError("--keep and --detach cannot be used together") }
        let options = try flags.options(id: id, detach: detach)
        return try Runner(options: options, runtime: global.runtime, keep: keep).run()
    }
}
