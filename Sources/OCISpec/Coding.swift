import JSONOutput

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// JSON reading and writing for OCI documents, with one-line `SpecError`s.
public enum OCIJSON {
    /// Parses and decodes `bytes` as `T`. Every failure is a `SpecError` whose
    /// document is `name`: syntax errors carry line and column, type errors the field path.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], name: String) throws -> T {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw SpecError(document: name, reason: "invalid JSON at line \(error.line), column \(error.column): \(error.message)")
        }
        do {
            return try JSONUnbox.decode(type, value, [])
        } catch {
            throw SpecError.from(error, document: name)
        }
    }

    /// Encodes with sorted keys (deterministic output), unescaped slashes, nil optionals omitted.
    public static func encode<T: Encodable>(_ value: T, pretty: Bool) throws -> [UInt8] {
        let json = try JSONValueEncoding.encode(value)
        return Array(JSONOut.render(json.output, indent: pretty ? 2 : nil).utf8)
    }

    /// Reads a whole file; failures read like `<name>: open <path>: No such file or directory`.
    public static func readFile(atPath path: String, name: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ioError("open", path: path, name: name) }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ioError("read", path: path, name: name)
            }
            if n == 0 { break }
            result.append(contentsOf: chunk[0..<n])
        }
        return result
    }

    private static func ioError(_ op: String, path: String, name: String) -> SpecError {
        let code = errno
        let text = strerror(code).map { String(cString: $0) } ?? "errno \(code)"
        return SpecError(document: name, reason: "\(op) \(path): \(text)")
    }
}

extension Spec {
    /// Reads, decodes and validates `<bundle>/config.json`.
    public static func load(bundle: String) throws -> Spec {
        let path = bundle.isEmpty ? "config.json" : (bundle.hasSuffix("/") ? bundle + "config.json" : bundle + "/config.json")
        let spec = try decode(OCIJSON.readFile(atPath: path, name: "config.json"))
        try spec.validate()
        return spec
    }

    /// Decodes a config.json document without validating it (see `validate(document:)`).
    public static func decode(_ bytes: [UInt8], name: String = "config.json") throws -> Spec {
        try OCIJSON.decode(Spec.self, from: bytes, name: name)
    }

    /// Whether a config.json has a process, and its hooks: what `start` and
    /// `delete` need from the copy saved at create. Only `hooks` is decoded;
    /// the rest is parsed and skipped, a fraction of the cost of `decode`.
    public static func decodeOutline(_ bytes: [UInt8], name: String = "config.json") throws -> SpecOutline {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw SpecError(document: name, reason: "invalid JSON at line \(error.line), column \(error.column): \(error.message)")
        }
        guard case .object(let members) = value else {
            throw SpecError(document: name, reason: "expected an object, got \(value.kindDescription)")
        }
        var outline = SpecOutline()
        if let process = members["process"], process.isPresent { outline.hasProcess = true }
        if let hooks = members["hooks"], hooks.isPresent {
            do {
                outline.hooks = try JSONUnbox.decode(Hooks.self, hooks, [MemberKey("hooks")])
            } catch {
                throw SpecError.from(error, document: name)
            }
        }
        return outline
    }

    /// Decodes and validates a bare `Process` document (`exec --process`).
    public static func decodeProcess(_ bytes: [UInt8], name: String = "process.json") throws -> Process {
        let process = try OCIJSON.decode(Process.self, from: bytes, name: name)
        try process.validate(document: name)
        return process
    }

    /// Decodes and validates a bare `LinuxResources` document (`update --resources`).
    public static func decodeResources(_ bytes: [UInt8], name: String = "resources") throws -> LinuxResources {
        let resources = try OCIJSON.decode(LinuxResources.self, from: bytes, name: name)
        try resources.validate(document: name)
        return resources
    }

    public func encodedJSON(pretty: Bool = true) throws -> [UInt8] { try OCIJSON.encode(self, pretty: pretty) }
}

/// See `Spec.decodeOutline`.
public struct SpecOutline: Sendable, Equatable {
    public var hasProcess = false
    public var hooks: Hooks?

    public init(hasProcess: Bool = false, hooks: Hooks? = nil) {
        self.hasProcess = hasProcess
        self.hooks = hooks
    }
}

extension Process {
    public func encodedJSON(pretty: Bool = true) throws -> [UInt8] { try OCIJSON.encode(self, pretty: pretty) }
}

extension LinuxResources {
    public func encodedJSON(pretty: Bool = true) throws -> [UInt8] { try OCIJSON.encode(self, pretty: pretty) }
}

extension State {
    /// Decodes a state document (e.g. a hook's stdin or a stored state.json). No validation.
    public static func decode(_ bytes: [UInt8], name: String = "state.json") throws -> State {
        try OCIJSON.decode(State.self, from: bytes, name: name)
    }

    public func encodedJSON(pretty: Bool = false) throws -> [UInt8] { try OCIJSON.encode(self, pretty: pretty) }
}

extension Features {
    public static func decode(_ bytes: [UInt8], name: String = "features.json") throws -> Features {
        try OCIJSON.decode(Features.self, from: bytes, name: name)
    }

    public func encodedJSON(pretty: Bool = true) throws -> [UInt8] { try OCIJSON.encode(self, pretty: pretty) }
}
