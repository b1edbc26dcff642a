/// A usage error: one line that names the argument or option at fault.
public struct UsageError: Error, Equatable, CustomStringConvertible {
    public var message: String
    /// The verb being parsed, when known (`swiftlet kill: ...`).
    public var command: String?

    public init(_ message: String, command: String? = nil) {
        self.message = message
        self.command = command
    }

    public var description: String { message }
}

/// What argv asked for.
public enum ParseOutcome {
    /// Run a verb with these arguments.
    case run(CommandSpec, ParsedArguments)
    /// Print this text and exit 0: help (`--help`, `help VERB`, no verb) or
    /// the version (`--version`, `-v` before the verb).
    case info(String)
}

/// Options and arguments as given; typed accessors turn values into
/// numbers with errors that name the option.
public struct ParsedArguments: Sendable, Equatable {
    public private(set) var flags: Set<String> = []
    public private(set) var values: [String: [String]] = [:]
    public private(set) var arguments: [String: String] = [:]
    public private(set) var rest: [String] = []

    public init() {}

    public func flag(_ long: String) -> Bool { flags.contains(long) }

    /// The option's value (the last one given), if any.
    public func value(_ long: String) -> String? { values[long]?.last }

    /// Every value of a repeated option, in order.
    public func values(_ long: String) -> [String] { values[long] ?? [] }

    /// A positional argument's value, if given.
    public func argument(_ name: String) -> String? { arguments[name] }

    /// A required positional argument (the parser has checked it is there).
    public func required(_ name: String) throws(UsageError) -> String {
        guard let value = arguments[name] else { throw UsageError("missing argument <\(name)>") }
        return value
    }

    /// The option's value as an integer of type `T`.
    public func integer<T: FixedWidthInteger>(_ long: String, as type: T.Type = T.self) throws(UsageError) -> T? {
        guard let text = value(long) else { return nil }
        return try Self.integer(text, name: "--\(long)")
    }

    /// Every value of a repeated option, as integers.
    public func integers<T: FixedWidthInteger>(_ long: String, as type: T.Type = T.self) throws(UsageError) -> [T] {
        var out = [T]()
        for text in values(long) { out.append(try Self.integer(text, name: "--\(long)")) }
        return out
    }

    static func integer<T: FixedWidthInteger>(_ text: String, name: String) throws(UsageError) -> T {
        guard let number = T(text) else {
            throw UsageError("\(name): invalid value '\(text)' (an integer from \(T.min) to \(T.max))")
        }
        return number
    }

    mutating func set(flag long: String, _ on: Bool) {
        if on { flags.insert(long) } else { flags.remove(long) }
    }

    mutating func add(value: String, for option: OptionSpec) {
        if option.repeats {
            values[option.long, default: []].append(value)
        } else {
            values[option.long] = [value]
        }
    }

    mutating func set(argument name: String, _ value: String) { arguments[name] = value }
    mutating func append(rest word: String) { rest.append(word) }
}

/// Reads argv the way runc's users write it: `--name value`, `--name=value`,
/// `-n value`, `-nvalue`, clustered short flags (`-dt`), `--` to end the
/// options, global options before or after the verb, and a trailing
/// command taken verbatim.
public enum CommandLineParser {
    static let helpOption = OptionSpec.flag("help", short: "h", "Show help information.")

    /// Parses `argv` (without the program's name).
    public static func parse(_ argv: [String], program: ProgramSpec) throws(UsageError) -> ParseOutcome {
        var parsed = ParsedArguments()
        // Before the verb: global options only.
        var index = 0
        var verbName: String?
        while index < argv.count {
            let word = argv[index]
            if word == "--" || !word.hasPrefix("-") || word == "-" {
                verbName = word == "--" ? (index + 1 < argv.count ? argv[index + 1] : nil) : word
                index += word == "--" ? 2 : 1
                break
            }
            if word == "--version" || word == "-v" { return .info(program.version + "\n") }
            if try consumeOption(argv, &index, options: program.globalOptions, into: &parsed, command: nil) {
                return .info(HelpText.program(program))
            }
        }
        guard let verbName else { return .info(HelpText.program(program)) }
        if verbName == "help" {
            guard index < argv.count else { return .info(HelpText.program(program)) }
            guard let command = program.command(named: argv[index]) else {
                throw UsageError("unknown verb '\(argv[index])'")
            }
            return .info(HelpText.command(command, program: program))
        }
        guard let command = program.command(named: verbName) else {
            throw UsageError("unknown verb '\(verbName)'")
        }
        let options = program.globalOptions + command.options
        var positional = 0
        var optionsEnded = false
        while index < argv.count {
            // A trailing command starts once every argument before it is given.
            if positional < command.arguments.count, command.arguments[positional].kind == .rest, positional > 0 || optionsEnded {
                var words = argv[index...]
                if !optionsEnded, words.first == "--" { words = words.dropFirst() }
                for word in words { parsed.append(rest: word) }
                break
            }
            let word = argv[index]
            if !optionsEnded && word == "--" {
                optionsEnded = true
                index += 1
                continue
            }
            if !optionsEnded && word.hasPrefix("-") && word != "-" {
                if try consumeOption(argv, &index, options: options, into: &parsed, command: command.name) {
                    return .info(HelpText.command(command, program: program))
                }
                continue
            }
            guard positional < command.arguments.count else {
                throw UsageError("unexpected argument '\(word)'", command: command.name)
            }
            let spec = command.arguments[positional]
            if spec.kind == .rest {
                parsed.append(rest: word)
                // Everything after the first word of the command is its own.
                positional = command.arguments.count
                for later in argv[(index + 1)...] { parsed.append(rest: later) }
                break
            }
            parsed.set(argument: spec.name, word)
            positional += 1
            index += 1
        }
        if let missing = command.arguments.dropFirst(positional).first(where: { $0.kind == .required }) {
            throw UsageError("missing argument <\(missing.name)>", command: command.name)
        }
        return .run(command, parsed)
    }

    /// Reads the option at `argv[index]` (and its value), advancing `index`.
    /// Returns true for `-h`/`--help`.
    private static func consumeOption(_ argv: [String], _ index: inout Int, options: [OptionSpec],
                                      into parsed: inout ParsedArguments, command: String?) throws(UsageError) -> Bool {
        let word = argv[index]
        index += 1
        if word.hasPrefix("--") {
            var name = Substring(word.dropFirst(2))
            var inline: String?
            if let eq = name.firstIndex(of: "=") {
                inline = String(name[name.index(after: eq)...])
                name = name[..<eq]
            }
            if name == "help" && inline == nil { return true }
            guard let option = options.first(where: { $0.long == name }) else {
                throw UsageError("unknown option '--\(name)'", command: command)
            }
            if option.isFlag {
                // Go's flag package (runc's) also takes --flag=true|false.
                switch inline {
                case nil, "true": parsed.set(flag: option.long, true)
                case "false": parsed.set(flag: option.long, false)
                default: throw UsageError("--\(name): a flag takes no value (or true, false)", command: command)
                }
                return false
            }
            if let inline {
                parsed.add(value: inline, for: option)
            } else {
                guard index < argv.count else {
                    throw UsageError("missing value for '\(option.synopsis)'", command: command)
                }
                parsed.add(value: argv[index], for: option)
                index += 1
            }
            return false
        }
        // A cluster of short options: -dt, -b path, -bpath.
        var letters = word.dropFirst()
        while let letter = letters.first {
            letters = letters.dropFirst()
            if letter == "h" { return true }
            guard let option = options.first(where: { $0.short == letter }) else {
                throw UsageError("unknown option '-\(letter)'", command: command)
            }
            if option.isFlag {
                parsed.set(flag: option.long, true)
                continue
            }
            if !letters.isEmpty {
                parsed.add(value: String(letters), for: option)
            } else {
                guard index < argv.count else {
                    throw UsageError("missing value for '-\(letter) <\(option.valueName ?? "value")>'", command: command)
                }
                parsed.add(value: argv[index], for: option)
                index += 1
            }
            return false
        }
        return false
    }
}
