/// A problem with an OCI document (config.json, process.json, state.json, ...).
///
/// `description` is always one line: `<document>: <field>: <reason>`, or
/// `<document>: <reason>` when the problem concerns the whole document.
public struct SpecError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Document name as shown to the user, e.g. `config.json`.
    public var document: String
    /// Dotted/indexed field path, e.g. `linux.namespaces[2].type`; empty for the whole document.
    public var field: String
    /// What is wrong, e.g. `unknown namespace type "foo"`.
    public var reason: String

    public init(document: String, field: String = "", reason: String) {
        self.document = document
        self.field = field
        self.reason = reason
    }

    public var description: String {
        field.isEmpty ? "\(document): \(reason)" : "\(document): \(field): \(reason)"
    }
}

/// Builds field paths such as `mounts[3].destination` or `linux.sysctl["net.ipv4.ip_forward"]`.
struct FieldPath: CustomStringConvertible, Sendable {
    private(set) var text: String

    init(_ text: String = "") { self.text = text }

    var description: String { text }

    /// A struct field or map key; keys that are not plain identifiers are quoted.
    func key(_ name: String) -> FieldPath {
        if !name.isEmpty, name.utf8.allSatisfy(Self.isIdentifierByte) {
            return FieldPath(text.isEmpty ? name : "\(text).\(name)")
        }
        return FieldPath("\(text)[\(Self.quote(name))]")
    }

    func index(_ i: Int) -> FieldPath { FieldPath("\(text)[\(i)]") }

    /// The path of a `CodingKey` chain as reported by a decoder.
    init(codingPath: [any CodingKey]) {
        var path = FieldPath()
        for key in codingPath {
            if let i = key.intValue, key is IndexKey || key.stringValue == "Index \(i)" {
                path = path.index(i)
            } else {
                path = path.key(key.stringValue)
            }
        }
        self = path
    }

    private static func isIdentifierByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b == 0x2D
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if ch.value < 0x20 || ch.value == 0x7F {
                    out += "\\u{\(String(ch.value, radix: 16))}"
                } else {
                    out.unicodeScalars.append(ch)
                }
            }
        }
        return out + "\""
    }
}

/// Array index key used by our JSON decoder.
struct IndexKey: CodingKey, Sendable {
    let index: Int
    init(_ index: Int) { self.index = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.index = intValue }
    var stringValue: String { "Index \(index)" }
    var intValue: Int? { index }
}

/// A member key named at run time, for decoding one member on its own.
struct MemberKey: CodingKey, Sendable {
    let stringValue: String
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
    var intValue: Int? { nil }
}

extension SpecError {
    /// Turns any error thrown while decoding `document` into a one-line `SpecError`.
    static func from(_ error: any Error, document: String) -> SpecError {
        if let e = error as? SpecError { return e }
        guard let e = error as? DecodingError else {
            return SpecError(document: document, reason: "\(error)".oneLine)
        }
        switch e {
        case .keyNotFound(let key, let ctx):
            let path = FieldPath(codingPath: ctx.codingPath + [key])
            return SpecError(document: document, field: path.text, reason: "required field missing")
        case .valueNotFound(let type, let ctx):
            let path = FieldPath(codingPath: ctx.codingPath)
            return SpecError(document: document, field: path.text, reason: "expected \(typeDescription(type)), got null")
        case .typeMismatch(let type, let ctx):
            let path = FieldPath(codingPath: ctx.codingPath)
            var reason = "expected \(typeDescription(type))"
            if ctx.debugDescription.hasPrefix("got ") { reason += ", \(ctx.debugDescription)" }
            return SpecError(document: document, field: path.text, reason: reason)
        case .dataCorrupted(let ctx):
            let path = FieldPath(codingPath: ctx.codingPath)
            let reason = ctx.codingPath.isEmpty && ctx.debugDescription.contains("not valid JSON")
                ? "invalid JSON" : ctx.debugDescription.oneLine
            return SpecError(document: document, field: path.text, reason: reason)
        @unknown default:
            return SpecError(document: document, reason: "\(error)".oneLine)
        }
    }

    /// Human wording for the Swift type a decoder expected.
    static func typeDescription(_ type: Any.Type) -> String {
        switch ObjectIdentifier(type) {
        case ObjectIdentifier(String.self): return "a string"
        case ObjectIdentifier(Bool.self): return "a boolean"
        case ObjectIdentifier(Int.self): return "an integer"
        case ObjectIdentifier(Int8.self): return "a signed 8-bit integer"
        case ObjectIdentifier(Int16.self): return "a signed 16-bit integer"
        case ObjectIdentifier(Int32.self): return "a signed 32-bit integer"
        case ObjectIdentifier(Int64.self): return "a signed 64-bit integer"
        case ObjectIdentifier(UInt.self): return "an unsigned integer"
        case ObjectIdentifier(UInt8.self): return "an unsigned 8-bit integer"
        case ObjectIdentifier(UInt16.self): return "an unsigned 16-bit integer"
        case ObjectIdentifier(UInt32.self): return "an unsigned 32-bit integer"
        case ObjectIdentifier(UInt64.self): return "an unsigned 64-bit integer"
        case ObjectIdentifier(Double.self), ObjectIdentifier(Float.self): return "a number"
        case ObjectIdentifier([Any].self): return "an array"
        case ObjectIdentifier([String: Any].self): return "an object"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array<") { return "an array" }
            if name.hasPrefix("Dictionary<") { return "an object" }
            return "a value of type \(name)"
        }
    }
}

extension String {
    /// Collapses line breaks so a message stays on one line.
    var oneLine: String {
        split(whereSeparator: { $0 == "\n" || $0 == "\r" }).joined(separator: " ")
    }
}
