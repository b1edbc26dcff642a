/// Help pages rendered from the specs.
public enum HelpText {
    static let column = 28

    public static func program(_ program: ProgramSpec) -> String {
        var out = "OVERVIEW: \(program.abstract)\n\n"
        if !program.discussion.isEmpty { out += program.discussion + "\n\n" }
        out += "USAGE: \(program.name) [<global options>] <verb> [<options>] [<arguments>]\n\n"
        out += "VERBS:\n"
        for command in program.commands { out += row(command.name, command.abstract) }
        out += "\nGLOBAL OPTIONS:\n"
        out += rows(program.globalOptions)
        out += row("-v, --version", "Print the version.")
        out += row("-h, --help", CommandLineParser.helpOption.help)
        out += "\nSee '\(program.name) help <verb>' for a verb's options and arguments.\n"
        return out
    }

    public static func command(_ command: CommandSpec, program: ProgramSpec) -> String {
        var out = "OVERVIEW: \(command.abstract)\n\n"
        if !command.discussion.isEmpty { out += command.discussion + "\n\n" }
        var usage = "USAGE: \(program.name) \(command.name)"
        if command.options.contains(where: { !$0.hidden }) { usage += " [<options>]" }
        for argument in command.arguments { usage += " " + argument.synopsis }
        out += usage + "\n\n"
        if !command.arguments.isEmpty {
            out += "ARGUMENTS:\n"
            for argument in command.arguments { out += row("<\(argument.name)>", argument.help) }
            out += "\n"
        }
        let visible = command.options.filter { !$0.hidden }
        if !visible.isEmpty {
            out += "OPTIONS:\n" + rows(visible) + "\n"
        }
        out += "GLOBAL OPTIONS:\n" + rows(program.globalOptions)
        out += row("-h, --help", CommandLineParser.helpOption.help)
        return out
    }

    private static func rows(_ options: [OptionSpec]) -> String {
        var out = ""
        for option in options where !option.hidden {
            let label = (option.short.map { "-\($0), " } ?? "") + option.synopsis
            out += row(label, option.help + (option.repeats ? " (can be repeated)" : ""))
        }
        return out
    }

    private static func row(_ label: String, _ help: String) -> String {
        let indent = String(repeating: " ", count: column)
        let left = "  " + label
        if left.count + 2 > column {
            return left + "\n" + indent + help + "\n"
        }
        return left + String(repeating: " ", count: column - left.count) + help + "\n"
    }
}
