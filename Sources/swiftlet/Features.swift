import ArgumentParser
import LinuxCore
import OCISpec
import Runtime

struct FeaturesVerb: Verb {
    static let configuration = CommandConfiguration(commandName: "features", abstract: "Print what this runtime supports (runtime-spec features JSON).")

    @OptionGroup var global: GlobalOptions

    func execute() throws(RuntimeError) -> Int32 {
        do {
            let bytes = try FeaturesReport.make(version: VersionInfo.version, commit: VersionInfo.commit).encodedJSON(pretty: true)
            print(String(decoding: bytes, as: UTF8.self))
        } catch {
            throw RuntimeError("encode features: \(error)")
        }
        return 0
    }
}
