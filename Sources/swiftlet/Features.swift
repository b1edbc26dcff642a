import CLI
import LinuxCore
import OCISpec
import Runtime

struct FeaturesVerb: Verb {
    static let command = CommandSpec("features", abstract: "Print what this runtime supports (runtime-spec features JSON).")

    init(_ arguments: ParsedArguments) {}

    func execute(_ global: GlobalOptions) throws(RuntimeError) -> Int32 {
        do {
            let bytes = try FeaturesReport.make(version: VersionInfo.version, commit: VersionInfo.commit).encodedJSON(pretty: true)
            print(String(decoding: bytes, as: UTF8.self))
        } catch {
            throw RuntimeError("encode features: \(error)")
        }
        return 0
    }
}
