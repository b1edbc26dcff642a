#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Writes TAP lines to stdout as they are decided (write(2), no buffering:
/// a crash keeps every line already printed). The plan comes last.
final class TAP {
    private(set) var count = 0
    private(set) var failures = 0

    /// One verdict. `got`/`want` are only printed when `ok` is false.
    func check(_ ok: Bool, _ name: String, got: @autoclosure () -> String, want: @autoclosure () -> String) {
        count += 1
        if ok {
            emit("ok \(count) - \(name)")
        } else {
            failures += 1
            emit("not ok \(count) - \(name) # got \(TAP.clean(got())), want \(TAP.clean(want()))")
        }
    }

    /// Compares two values; prints both when they differ.
    func equal<T: Equatable>(_ got: T, _ want: T, _ name: String) {
        check(got == want, name, got: "\(got)", want: "\(want)")
    }

    func fail(_ name: String, _ reason: String) {
        count += 1
        failures += 1
        emit("not ok \(count) - \(name) # \(TAP.clean(reason))")
    }

    func skip(_ name: String, _ reason: String) {
        count += 1
        emit("ok \(count) - \(name) # SKIP \(TAP.clean(reason))")
    }

    func finish() {
        emit("1..\(count)")
    }

    /// One line per verdict: newlines escaped, " # " (the directive
    /// separator) never appears inside a value.
    static func clean(_ text: String) -> String {
        var out = ""
        for ch in text {
            switch ch {
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "#": out += "%23"
            default: out.append(ch)
            }
        }
        return out
    }

    private func emit(_ line: String) {
        var bytes = Array((line + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { write(1, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += n
        }
        bytes.removeAll()
    }
}
