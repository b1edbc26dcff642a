import JSONOutput

/// An `Encoder` that builds a `JSONValue`, printed with `JSONOut`: what
/// Foundation's JSONEncoder did for us, without linking Foundation (a third
/// of the binary's protocol conformances, which every dynamic cast scans
/// once per process). Nil optionals are omitted (the synthesized
/// `encodeIfPresent`), keys are sorted, slashes are not escaped.
enum JSONValueEncoding {
    static func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        let root = EncodingBox()
        try value.encode(to: BoxEncoder(box: root, codingPath: []))
        return root.resolved
    }
}

/// A value under construction: containers hand out child boxes that are
/// filled later, so the tree is built by reference and resolved at the end.
private final class EncodingBox {
    enum Storage {
        case empty
        case scalar(JSONValue)
        case object([String: EncodingBox])
        case array([EncodingBox])
    }

    var storage = Storage.empty

    var resolved: JSONValue {
        switch storage {
        case .empty: return .object([:])
        case .scalar(let value): return value
        case .object(let members): return .object(members.mapValues(\.resolved))
        case .array(let items): return .array(items.map(\.resolved))
        }
    }

    func child(_ key: String) -> EncodingBox {
        let box = EncodingBox()
        if case .object(var members) = storage {
            members[key] = box
            storage = .object(members)
        } else {
            storage = .object([key: box])
        }
        return box
    }

    func appended() -> EncodingBox {
        let box = EncodingBox()
        if case .array(var items) = storage {
            items.append(box)
            storage = .array(items)
        } else {
            storage = .array([box])
        }
        return box
    }

    var count: Int {
        if case .array(let items) = storage { return items.count }
        return 0
    }
}

private struct BoxEncoder: Encoder {
    let box: EncodingBox
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .object = box.storage {} else { box.storage = .object([:]) }
        return KeyedEncodingContainer(KeyedBoxContainer<Key>(box: box, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .array = box.storage {} else { box.storage = .array([]) }
        return UnkeyedBoxContainer(box: box, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleBoxContainer(box: box, codingPath: codingPath)
    }
}

/// Scalars as JSON values; everything else through its own `encode(to:)`.
private enum Scalar {
    static func number<T: BinaryInteger>(_ value: T) -> JSONValue { .number(String(value)) }

    static func number<T: BinaryFloatingPoint & LosslessStringConvertible>(_ value: T, _ path: [any CodingKey]) throws -> JSONValue {
        guard value.isFinite else {
            throw EncodingError.invalidValue(value, .init(codingPath: path, debugDescription: "\(value) is not valid in JSON"))
        }
        if value == value.rounded(), abs(value) < 1e15 { return .number(String(Int64(value))) }
        return .number(String(value))
    }

    static func encode<T: Encodable>(_ value: T, into box: EncodingBox, _ path: [any CodingKey]) throws {
        try value.encode(to: BoxEncoder(box: box, codingPath: path))
    }
}

private struct KeyedBoxContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let box: EncodingBox
    let codingPath: [any CodingKey]

    func set(_ value: JSONValue, _ key: Key) { box.child(key.stringValue).storage = .scalar(value) }

    mutating func encodeNil(forKey key: Key) throws { set(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { set(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { set(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { set(try Scalar.number(value, codingPath + [key]), key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { set(try Scalar.number(value, codingPath + [key]), key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { set(Scalar.number(value), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { set(Scalar.number(value), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { set(Scalar.number(value), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { set(Scalar.number(value), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { set(Scalar.number(value), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { set(Scalar.number(value), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { set(Scalar.number(value), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { set(Scalar.number(value), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { set(Scalar.number(value), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { set(Scalar.number(value), key) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try Scalar.encode(value, into: box.child(key.stringValue), codingPath + [key])
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let child = box.child(key.stringValue)
        child.storage = .object([:])
        return KeyedEncodingContainer(KeyedBoxContainer<NestedKey>(box: child, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = box.child(key.stringValue)
        child.storage = .array([])
        return UnkeyedBoxContainer(box: child, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder {
        BoxEncoder(box: box.child("super"), codingPath: codingPath)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        BoxEncoder(box: box.child(key.stringValue), codingPath: codingPath + [key])
    }
}

private struct UnkeyedBoxContainer: UnkeyedEncodingContainer {
    let box: EncodingBox
    let codingPath: [any CodingKey]
    var count: Int { box.count }

    private var path: [any CodingKey] { codingPath + [IndexKey(count)] }

    func append(_ value: JSONValue) { box.appended().storage = .scalar(value) }

    mutating func encodeNil() throws { append(.null) }
    mutating func encode(_ value: Bool) throws { append(.bool(value)) }
    mutating func encode(_ value: String) throws { append(.string(value)) }
    mutating func encode(_ value: Double) throws { append(try Scalar.number(value, path)) }
    mutating func encode(_ value: Float) throws { append(try Scalar.number(value, path)) }
    mutating func encode(_ value: Int) throws { append(Scalar.number(value)) }
    mutating func encode(_ value: Int8) throws { append(Scalar.number(value)) }
    mutating func encode(_ value: Int16) throws { append(Scalar.number(value)) }
    mutating func encode(_ value: Int32) throws { append(Scalar.number(value)) }
    mutating func encode(_ value: Int64) throws { append(Scalar.number(value)) }
    mutating func encode(_ value: UInt) throws { append(Scalar.number(value)) }
    mutating func encode(_ value: UInt8) throws { append(Scalar.number(value)) }
    mutating func encode(_ value: UInt16) throws { append(Scalar.number(value)) }
    mutating func encode(_ value: UInt32) throws { append(Scalar.number(value)) }
    mutating func encode(_ value: UInt64) throws { append(Scalar.number(value)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let path = self.path
        try Scalar.encode(value, into: box.appended(), path)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let path = self.path
        let child = box.appended()
        child.storage = .object([:])
        return KeyedEncodingContainer(KeyedBoxContainer<NestedKey>(box: child, codingPath: path))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let path = self.path
        let child = box.appended()
        child.storage = .array([])
        return UnkeyedBoxContainer(box: child, codingPath: path)
    }

    mutating func superEncoder() -> any Encoder {
        let path = self.path
        return BoxEncoder(box: box.appended(), codingPath: path)
    }
}

private struct SingleBoxContainer: SingleValueEncodingContainer {
    let box: EncodingBox
    let codingPath: [any CodingKey]

    func set(_ value: JSONValue) { box.storage = .scalar(value) }

    mutating func encodeNil() throws { set(.null) }
    mutating func encode(_ value: Bool) throws { set(.bool(value)) }
    mutating func encode(_ value: String) throws { set(.string(value)) }
    mutating func encode(_ value: Double) throws { set(try Scalar.number(value, codingPath)) }
    mutating func encode(_ value: Float) throws { set(try Scalar.number(value, codingPath)) }
    mutating func encode(_ value: Int) throws { set(Scalar.number(value)) }
    mutating func encode(_ value: Int8) throws { set(Scalar.number(value)) }
    mutating func encode(_ value: Int16) throws { set(Scalar.number(value)) }
    mutating func encode(_ value: Int32) throws { set(Scalar.number(value)) }
    mutating func encode(_ value: Int64) throws { set(Scalar.number(value)) }
    mutating func encode(_ value: UInt) throws { set(Scalar.number(value)) }
    mutating func encode(_ value: UInt8) throws { set(Scalar.number(value)) }
    mutating func encode(_ value: UInt16) throws { set(Scalar.number(value)) }
    mutating func encode(_ value: UInt32) throws { set(Scalar.number(value)) }
    mutating func encode(_ value: UInt64) throws { set(Scalar.number(value)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try Scalar.encode(value, into: box, codingPath)
    }
}

extension JSONValue {
    /// For `JSONOut`: object keys sorted, numbers kept as written.
    var output: JSONOut.Value {
        switch self {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .number(let text): return .raw(text)
        case .string(let s): return .string(s)
        case .array(let items): return .array(items.map(\.output))
        case .object(let members):
            return .object(members.keys.sorted().map { key in (key, members[key]?.output ?? .null) })
        }
    }
}
