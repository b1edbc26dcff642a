import ArgumentParser
import LinuxCore
import Runtime

struct Pause: Verb {
    static let configuration = CommandConfiguration(abstract: "Freeze every process of a running container.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The container id.") var id: String

    func execute() throws(RuntimeError) -> Int32 {
        try Lifecycle(runtime: global.runtime).pause(id: id)
        return 0
    }
}

struct Resume: Verb {
    static let configuration = CommandConfiguration(abstract: "Thaw a paused container.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The container id.") var id: String

    func execute() throws(RuntimeError) -> Int32 {
        try Lifecycle(runtime: global.runtime).resume(id: id)
        return 0
    }
}
