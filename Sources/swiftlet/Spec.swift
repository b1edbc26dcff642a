import ArgumentParser
import Glibc
import LinuxCore
import OCISpec

struct SpecVerb: Verb {
    static let configuration = CommandConfiguration(commandName: "spec", abstract: "Write a default config.json in the bundle.")

    @OptionGroup var global: GlobalOptions
    @Option(name: [.customShort("b"), .long], help: "Bundle directory to write config.json into.")
    var bundle: String = "."
    @Flag(help: "A config for a container run by a non-root user.")
    var rootless = false

    func execute() throws(RuntimeError) -> Int32 {
        let path = Path.join(bundle, "config.json")
        if FileIO.exists(path) {
            throw RuntimeError("\(path) exists; remove it first")
        }
        let bytes: [UInt8]
        do {
            bytes = try Spec.defaultSpec(rootless: rootless).encodedJSON(pretty: true)
        } catch {
            throw RuntimeError("encode default spec: \(error)")
        }
        try FileIO.writeAtomic(path, bytes + [UInt8(ascii: "\n")], mode: 0o644)
        return 0
    }
}
