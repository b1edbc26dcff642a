import CCap
import CShim
import Glibc
import LinuxCore
import OCISpec

/// process.capabilities applied through libcap.
///
/// Order: drop the bounding set (needs CAP_SETPCAP, so while still root),
/// keep capabilities across the uid switch, then set effective, permitted
/// and inheritable, and raise the ambient ones.
public struct CapabilitySets: Sendable, Equatable {
    public var bounding: [Int32] = []
    public var effective: [Int32] = []
    public var permitted: [Int32] = []
    public var inheritable: [Int32] = []
    public var ambient: [Int32] = []

    public init() {}

    /// Resolves names to numbers. config.md: a value that cannot be mapped to
    /// the kernel or cannot be granted MUST be logged as a warning and SHOULD
    /// NOT fail the container: unknown names, names this kernel lacks and
    /// capabilities outside our own bounding set are left out with a warning
    /// (`warn`), as runc does.
    public init(_ caps: LinuxCapabilities?, warn: (String) -> Void = { _ in }) throws(RuntimeError) {
        guard let caps else { return }
        let last = Self.lastCapability()
        func resolve(_ names: [String]?, _ set: String) throws(RuntimeError) -> [Int32] {
            var out = [Int32]()
            for name in names ?? [] {
                guard let value = Self.value(of: name) else {
                    warn("process.capabilities.\(set): unknown capability \(name.debugDescription), skipped")
                    continue
                }
                if value > last {
                    warn("process.capabilities.\(set): \(name) is not supported by this kernel, skipped")
                    continue
                }
                // config.md: a capability that cannot be granted is a
                // warning, not a failure (we cannot give what we lack).
                if cap_get_bound(value) != 1 {
                    warn("process.capabilities.\(set): \(name) is not in the runtime's own bounding set, so it cannot be granted; skipped")
                    continue
                }
                if !out.contains(value) { out.append(value) }
            }
            return out
        }
        bounding = try resolve(caps.bounding, "bounding")
        effective = try resolve(caps.effective, "effective")
        permitted = try resolve(caps.permitted, "permitted")
        inheritable = try resolve(caps.inheritable, "inheritable")
        // The kernel raises an ambient capability only when it is both
        // permitted and inheritable; others cannot be honoured.
        for value in try resolve(caps.ambient, "ambient") {
            if permitted.contains(value) && inheritable.contains(value) {
                ambient.append(value)
            } else {
                warn("process.capabilities.ambient: \(Self.name(of: value)) is not both permitted and inheritable, so it cannot be ambient; skipped")
            }
        }
    }

    /// "CAP_SYS_ADMIN" (any case, CAP_ prefix required) to its number.
    public static func value(of name: String) -> Int32? {
        let upper = name.uppercased()
        guard upper.hasPrefix("CAP_") else { return nil }
        var value: cap_value_t = 0
        guard cap_from_name(upper.lowercased(), &value) == 0 else { return nil }
        // cap_from_name also accepts plain numbers; names only here.
        return upper.dropFirst(4).allSatisfy({ $0.isLetter || $0 == "_" }) ? value : nil
    }

    public static func name(of value: Int32) -> String {
        guard let text = cap_to_name(value) else { return "CAP_\(value)" }
        defer { cap_free(text) }
        return String(cString: text).uppercased()
    }

    /// The highest capability number this kernel knows.
    public static func lastCapability() -> Int32 {
        if let text = try? FileIO.readString("/proc/sys/kernel/cap_last_cap"),
           let value = Int32(text.filter { $0.isNumber }) {
            return value
        }
        return Int32(cap_max_bits()) - 1
    }

    /// Drops every capability not in `bounding` from the bounding set.
    public func applyBounding() throws(RuntimeError) {
        for value in 0...Self.lastCapability() where !bounding.contains(value) {
            if cap_drop_bound(value) != 0 {
                throw RuntimeError.sys("drop \(Self.name(of: value)) from the bounding set", currentErrno())
            }
        }
    }

    /// Keeps permitted capabilities across setuid.
    public static func keepAcrossUserSwitch(_ on: Bool) throws(RuntimeError) {
        try sys("prctl(PR_SET_KEEPCAPS)") { sl_prctl(Int32(SL_PR_SET_KEEPCAPS), on ? 1 : 0, 0, 0, 0) }
    }

    /// Sets effective, permitted and inheritable, then the ambient set.
    public func applyProcessSets() throws(RuntimeError) {
        guard let state = cap_init() else { throw RuntimeError.sys("cap_init", currentErrno()) }
        defer { cap_free(UnsafeMutableRawPointer(state)) }
        func set(_ flag: cap_flag_t, _ values: [Int32]) throws(RuntimeError) {
            if values.isEmpty { return }
            var list = values.map { cap_value_t($0) }
            if cap_set_flag(state, flag, Int32(list.count), &list, CAP_SET) != 0 {
                throw RuntimeError.sys("cap_set_flag", currentErrno())
            }
        }
        try set(CAP_EFFECTIVE, effective)
        try set(CAP_PERMITTED, permitted)
        try set(CAP_INHERITABLE, inheritable)
        try sys("set capabilities (capset)") { cap_set_proc(state) }
        if cap_reset_ambient() != 0 && currentErrno() != EINVAL {
            throw RuntimeError.sys("clear ambient capabilities", currentErrno())
        }
        for value in ambient {
            if cap_set_ambient(value, CAP_SET) != 0 {
                throw RuntimeError.sys("raise ambient \(Self.name(of: value)) (it must be permitted and inheritable)", currentErrno())
            }
        }
    }
}
