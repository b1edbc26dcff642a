/// The command line as data: each verb declares its options and arguments;
/// `CommandLineParser` reads argv against them and `HelpText` renders help.
/// A table and a loop, with no reflection: runc-style command lines parse in
/// microseconds, which matters to a runtime started three times per
/// container.

/// An option of a command: a flag (no value) or an option that takes one.
public struct OptionSpec: Sendable, Equatable {
    /// The long name without dashes: `bundle` for `--bundle`.
    public var long: String
    /// The one-letter form (`-b`), if any.
    public var short: Character?
    /// The value's placeholder in help (`path`); nil for a flag.
    public var valueName: String?
    /// Values accumulate (`-e A=1 -e B=2`); otherwise the last one counts.
    public var repeats: Bool
    public var help: String
    public var hidden: Bool

    public var isFlag: Bool { valueName == nil }

    public static func flag(_ long: String, short: Character? = nil, _ help: String, hidden: Bool = false) -> OptionSpec {
        OptionSpec(long: long, short: short, valueName: nil, repeats: false, help: help, hidden: hidden)
    }

    public static func option(_ long: String, short: Character? = nil, value: String, _ help: String,
                              repeats: Bool = false, hidden: Bool = false) -> OptionSpec {
        OptionSpec(long: long, short: short, valueName: value, repeats: repeats, help: help, hidden: hidden)
    }

    /// `--bundle <path>` or `-b, --bundle <path>`, as help and errors show it.
    var synopsis: String {
        let value = valueName.map { " <\($0)>" } ?? ""
        return "--\(long)\(value)"
    }
}

/// A positional argument.
public struct ArgumentSpec: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case required
        case optional
        /// Every word from here on, verbatim, options included (exec's
        /// command, ps's options for ps(1)); a leading `--` is dropped.
        case rest
    }

    public var name: String
    public var kind: Kind
    public var help: String

    public static func required(_ name: String, _ help: String) -> ArgumentSpec {
        ArgumentSpec(name: name, kind: .required, help: help)
    }

    public static func optional(_ name: String, _ help: String) -> ArgumentSpec {
        ArgumentSpec(name: name, kind: .optional, help: help)
    }

    public static func rest(_ name: String, _ help: String) -> ArgumentSpec {
        ArgumentSpec(name: name, kind: .rest, help: help)
    }

    var synopsis: String {
        switch kind {
        case .required: "<\(name)>"
        case .optional: "[<\(name)>]"
        case .rest: "[<\(name)> ...]"
        }
    }
}

/// A verb: its name, what help says about it, its options and arguments.
public struct CommandSpec: Sendable {
    public var name: String
    public var abstract: String
    public var discussion: String
    public var options: [OptionSpec]
    public var arguments: [ArgumentSpec]

    public init(_ name: String, abstract: String, discussion: String = "",
                options: [OptionSpec] = [], arguments: [ArgumentSpec] = []) {
        self.name = name
        self.abstract = abstract
        self.discussion = discussion
        self.options = options
        self.arguments = arguments
    }
}

/// A program: global options (accepted before and after the verb) and verbs.
public struct ProgramSpec: Sendable {
    public var name: String
    public var abstract: String
    public var discussion: String
    /// What `--version` prints.
    public var version: String
    public var globalOptions: [OptionSpec]
    public var commands: [CommandSpec]

    public init(name: String, abstract: String, discussion: String = "", version: String,
                globalOptions: [OptionSpec], commands: [CommandSpec]) {
        self.name = name
        self.version = version
        self.abstract = abstract
        self.discussion = discussion
        self.globalOptions = globalOptions
        self.commands = commands
    }

    public func command(named name: String) -> CommandSpec? {
        commands.first { $0.name == name }
    }
}
