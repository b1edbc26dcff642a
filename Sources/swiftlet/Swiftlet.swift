import ArgumentParser
import CShim
import Glibc

struct Swiftlet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swiftlet",
        abstract: "An OCI container runtime (runc-compatible command line).",
        discussion: """
        To run a container from a bundle (a directory with config.json and a root file system):

            swiftlet run [-b bundle] <container-id>
        """,
        subcommands: [
            Create.self, Start.self, StateVerb.self, Kill.self, Delete.self, Run.self, List.self, SpecVerb.self,
            Pause.self, Resume.self, Ps.self, Events.self, Update.self, Exec.self, FeaturesVerb.self,
        ])

    @OptionGroup var global: GlobalOptions
}

enum VersionInfo {
    static let version = "0.1.0"
    static var commit: String { String(cString: sl_build_commit()) }
    static var text: String {
        "swiftlet version \(version)\ncommit: \(commit)\nspec: 1.3.0"
    }
}

enum FileHandleOut {
    static func stdout(_ text: String) {
        print(text)
    }

    static func stderr(_ text: String) {
        let bytes = Array((text + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }
}
