import ArgumentParser
import LinuxCore
import Runtime

struct Kill: Verb {
    static let configuration = CommandConfiguration(
        abstract: "Send a signal (default TERM) to the container's init.",
        discussion: "SIGNAL may be a name (KILL, SIGKILL) or a number (9).")

    @OptionGroup var global: GlobalOptions
    @Flag(name: [.customShort("a"), .long], help: "Send the signal to every process of the container.")
    var all = false
    @Argument(help: "The container id.") var id: String
    @Argument(help: "The signal.") var signal: String = "TERM"

    func execute() throws(RuntimeError) -> Int32 {
        let number = try Signals.parse(signal)
        try Lifecycle(runtime: global.runtime).kill(id: id, signal: number, all: all)
        return 0
    }
}
