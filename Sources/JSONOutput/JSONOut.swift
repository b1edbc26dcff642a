/// A tiny JSON writer for output whose key order matters to people (state,
/// log lines). Values are appended in order; strings are escaped per RFC 8259.
public struct JSONOut: Sendable {
    public indirect enum Value: Sendable {
        case string(String)
        case int(Int64)
        case bool(Bool)
        case null
        case array([Value])
        case object([(String, Value)])
        /// Pre-encoded JSON, inserted as is.
        case raw(String)
    }

    public static func escape(_ text: String) -> String {
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    public static func render(_ value: Value, indent: Int? = nil) -> String {
        var out = ""
        write(value, indent: indent, level: 0, into: &out)
        return out
    }

    private static func write(_ value: Value, indent: Int?, level: Int, into out: inout String) {
        let newline = indent == nil ? "" : "\n"
        func pad(_ l: Int) -> String { indent.map { String(repeating: " ", count: $0 * l) } ?? "" }
        switch value {
        case .string(let s): out += escape(s)
        case .int(let n): out += String(n)
        case .bool(let b): out += b ? "true" : "false"
        case .null: out += "null"
        case .raw(let r): out += r
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            out += "[" + newline
            for (i, item) in items.enumerated() {
                out += pad(level + 1)
                write(item, indent: indent, level: level + 1, into: &out)
                out += (i + 1 < items.count ? "," : "") + newline
            }
            out += pad(level) + "]"
        case .object(let fields):
            if fields.isEmpty { out += "{}"; return }
            out += "{" + newline
            for (i, (key, item)) in fields.enumerated() {
                out += pad(level + 1) + escape(key) + (indent == nil ? ":" : ": ")
                write(item, indent: indent, level: level + 1, into: &out)
                out += (i + 1 < fields.count ? "," : "") + newline
            }
            out += pad(level) + "}"
        }
    }
}
