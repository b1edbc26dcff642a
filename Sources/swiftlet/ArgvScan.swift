/// The log options read from argv that failed to parse, so that the usage
/// error is still reported the way --log and --log-format ask.
struct ArgvScan {
    var logPath: String?
    var logFormat = "text"
    var debug = false

    static let globalWithValue = Set(GlobalOptions.options.filter { !$0.isFlag }.map { "--" + $0.long })

    init(_ arguments: [String]) {
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" { break }
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
            default: break
            }
            index += 1
        }
    }
}
