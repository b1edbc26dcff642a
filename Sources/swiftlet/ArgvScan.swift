import LinuxCore

/// A first look at argv before ArgumentParser: which verb, and the log
/// options, so that even a usage error is reported the way --log asks.
struct ArgvScan {
    var verb: String?
    var logPath: String?
    var logFormat = "text"
    var debug = false
    var wantsVersion = false

    static let globalWithValue: Set<String> = ["--root", "--log", "--log-format", "--criu"]

    init(_ arguments: [String]) {
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            var name = argument
            var value: String? = nil
            if let eq = argument.firstIndex(of: "="), argument.hasPrefix("--") {
                name = String(argument[..<eq])
                value = String(argument[argument.index(after: eq)...])
            }
            if value == nil && Self.globalWithValue.contains(name) && index + 1 < arguments.count {
                index += 1
                value = arguments[index]
            }
            switch name {
            case "--log": logPath = value
            case "--log-format": logFormat = value ?? "text"
            case "--debug": debug = true
            case "--version", "-v": if verb == nil { wantsVersion = true }
            default:
                if verb == nil && !argument.hasPrefix("-") { verb = argument }
            }
            index += 1
        }
    }

    /// Verbs whose process enters a container.
    var entersContainer: Bool { ["create", "run", "exec"].contains(verb ?? "") }
}
