/// A Semantic Versioning 2.0.0 version.
public struct SemanticVersion: Sendable, Equatable, CustomStringConvertible {
    public var major: UInt64
    public var minor: UInt64
    public var patch: UInt64
    /// Dot-separated pre-release identifiers (after `-`).
    public var prerelease: [String]
    /// Dot-separated build metadata identifiers (after `+`).
    public var build: [String]

    /// Parses strictly: three numeric parts without leading zeros, optional `-pre` and `+build`.
    public init?(_ text: String) {
        var rest = Substring(text)
        var build: [String] = []
        if let plus = rest.firstIndex(of: "+") {
            guard let ids = Self.identifiers(rest[rest.index(after: plus)...], numericRule: false) else { return nil }
            build = ids
            rest = rest[..<plus]
        }
        var prerelease: [String] = []
        if let dash = rest.firstIndex(of: "-") {
            guard let ids = Self.identifiers(rest[rest.index(after: dash)...], numericRule: true) else { return nil }
            prerelease = ids
            rest = rest[..<dash]
        }
        let core = rest.split(separator: ".", omittingEmptySubsequences: false)
        guard core.count == 3 else { return nil }
        var numbers: [UInt64] = []
        for part in core {
            guard Self.isNumeric(part), part == "0" || part.first != "0", let n = UInt64(part) else { return nil }
            numbers.append(n)
        }
        self.major = numbers[0]
        self.minor = numbers[1]
        self.patch = numbers[2]
        self.prerelease = prerelease
        self.build = build
    }

    public var description: String {
        var s = "\(major).\(minor).\(patch)"
        if !prerelease.isEmpty { s += "-" + prerelease.joined(separator: ".") }
        if !build.isEmpty { s += "+" + build.joined(separator: ".") }
        return s
    }

    private static func isNumeric(_ s: Substring) -> Bool {
        !s.isEmpty && s.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// Non-empty `[0-9A-Za-z-]` identifiers; pre-release numeric ones have no leading zero.
    private static func identifiers(_ s: Substring, numericRule: Bool) -> [String]? {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        var out: [String] = []
        for part in parts {
            guard !part.isEmpty, part.utf8.allSatisfy({
                ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D
            }) else { return nil }
            if numericRule, isNumeric(part), part.count > 1, part.first == "0" { return nil }
            out.append(String(part))
        }
        return out
    }
}
