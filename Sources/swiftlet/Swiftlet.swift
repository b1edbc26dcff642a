import CLI
import CShim
import Glibc

/// The program: its verbs, in the order help lists them.
enum Swiftlet {
    static let verbs: [any Verb.Type] = [
        Create.self, Start.self, StateVerb.self, Kill.self, Delete.self, Run.self, List.self, SpecVerb.self,
        Pause.self, Resume.self, Ps.self, Events.self, Update.self, Exec.self, FeaturesVerb.self,
    ]

    static let program = ProgramSpec(
        name: "swiftlet",
        abstract: "An OCI container runtime (runc-compatible command line).",
        discussion: """
        To run a container from a bundle (a directory with config.json and a root file system):

            swiftlet run [-b bundle] <container-id>
        """,
        version: VersionInfo.text,
        globalOptions: GlobalOptions.options,
        commands: verbs.map { $0.command })

    /// The verb's type, when `name` is one.
    static func verb(named name: String) -> (any Verb.Type)? {
        verbs.first { $0.command.name == name }
    }
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
