import CLI
import LinuxCore
import Runtime

struct List: Verb {
    static let command = CommandSpec(
        "list", abstract: "List the containers under --root.",
        options: [
            .option("format", short: "f", value: "format", "table or json (default table)."),
            .flag("quiet", short: "q", "Print only the ids."),
        ])

    let format: String
    let quiet: Bool

    init(_ arguments: ParsedArguments) throws(UsageError) {
        format = arguments.value("format") ?? "table"
        quiet = arguments.flag("quiet")
    }

    func execute(_ global: GlobalOptions) throws(RuntimeError) -> Int32 {
        let containers = try Lifecycle(runtime: global.runtime).list()
        if quiet {
            for container in containers { print(container.id) }
            return 0
        }
        switch format {
        case "json":
            print(JSONOut.render(.array(containers.map { $0.stateDocument() })))
        case "table":
            var rows = [["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"]]
            for container in containers {
                let status = container.status
                rows.append([container.id, String(status == .stopped ? 0 : container.record.pid), status.rawValue,
                             container.record.bundle, container.record.created, container.owner])
            }
            print(Table.render(rows), terminator: "")
        default:
            throw RuntimeError("--format: unknown format \(format.debugDescription) (table or json)")
        }
        return 0
    }
}

/// Columns as Go's tabwriter lays them out for runc (min width 12, padding 3).
enum Table {
    static func render(_ rows: [[String]]) -> String {
        guard let columns = rows.first?.count else { return "" }
        var widths = [Int](repeating: 12, count: columns)
        for row in rows {
            for (i, cell) in row.enumerated() where i < columns - 1 {
                widths[i] = max(widths[i], cell.count + 3)
            }
        }
        var out = ""
        for row in rows {
            for (i, cell) in row.enumerated() {
                out += cell
                if i < columns - 1 { out += String(repeating: " ", count: widths[i] - cell.count) }
            }
            out += "\n"
        }
        return out
    }
}
