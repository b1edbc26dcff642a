import CLI
import Glibc
import LinuxCore
import Runtime

struct Events: Verb {
    static let command = CommandSpec(
        "events", abstract: "Print resource usage (stats) and OOM events of a container as JSON lines.",
        options: [
            .option("interval", value: "duration", "How often to print stats (Go duration: 500ms, 5s, 1m; default 5s)."),
            .flag("stats", "Print the stats once and exit."),
        ],
        arguments: [ArgumentHelp.id])

    let interval: String
    let stats: Bool
    let id: String

    init(_ arguments: ParsedArguments) throws(UsageError) {
        interval = arguments.value("interval") ?? "5s"
        stats = arguments.flag("stats")
        id = try arguments.required("id")
    }

    func execute(_ global: GlobalOptions) throws(RuntimeError) -> Int32 {
        let millis = try Duration.millis(interval)
        guard millis > 0 else { throw RuntimeError("--interval: must be positive") }
        try Lifecycle(runtime: global.runtime).events(id: id, interval: millis, statsOnce: stats) { line in
            // Unbuffered: a reader sees each event as it happens.
            _ = try? FileIO.write(fd: 1, Array((line + "\n").utf8), name: "stdout")
        }
        return 0
    }
}

/// Go's duration syntax, as runc's flags take it.
enum Duration {
    static func millis(_ text: String) throws(RuntimeError) -> Int32 {
        let units: [(String, Double)] = [("ms", 1), ("us", 0.001), ("µs", 0.001), ("ns", 0.000001), ("s", 1000), ("m", 60_000), ("h", 3_600_000)]
        var rest = Substring(text)
        var total = 0.0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard let value = Double(number), !number.isEmpty else { throw RuntimeError("invalid duration \(text.debugDescription)") }
            rest = rest.dropFirst(number.count)
            guard let unit = units.first(where: { rest.hasPrefix($0.0) }) else { throw RuntimeError("invalid duration \(text.debugDescription)") }
            rest = rest.dropFirst(unit.0.count)
            total += value * unit.1
        }
        guard total > 0, total < Double(Int32.max) else { throw RuntimeError("invalid duration \(text.debugDescription)") }
        return Int32(max(1, total))
    }
}
