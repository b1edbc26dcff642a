import CLI
import Glibc
import LinuxCore
import OCISpec

struct SpecVerb: Verb {
    static let command = CommandSpec(
        "spec", abstract: "Write a default config.json in the bundle.",
        options: [
            .option("bundle", short: "b", value: "path", "Bundle directory to write config.json into (default: the current directory)."),
            .flag("rootless", "A config for a container run by a non-root user."),
        ])

    let bundle: String
    let rootless: Bool

    init(_ arguments: ParsedArguments) throws(UsageError) {
        bundle = arguments.value("bundle") ?? "."
        rootless = arguments.flag("rootless")
    }

    func execute(_ global: GlobalOptions) throws(RuntimeError) -> Int32 {
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
