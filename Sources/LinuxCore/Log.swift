import CShim
import Glibc

public enum LogFormat: String, Sendable {
    case text, json
}

public enum LogLevel: String, Sendable {
    case debug, info, warning, error
}

/// The runtime's log: runc's `--log`, `--log-format`, `--debug`.
///
/// Lines look like logrus' (which clients parse): text
/// `time="…" level=error msg="…"`, json `{"level":"error","msg":"…","time":"…"}`.
/// Without `--log` they go to stderr. A failure is reported once with
/// `fail(_:)`: as a log line, and, when the log is a file, also as the plain
/// message on stderr, as runc does.
public struct Logger: Sendable {
    public var format: LogFormat = .text
    public var debugEnabled = false
    /// fd of the --log file, or 2 when there is none.
    public var fd: Int32 = 2
    public var toFile = false

    public init() {}

    /// Opens (creating) the --log file at start-up, as runc does: clients
    /// read it after a failure and expect it to exist.
    public mutating func open(path: String?, format: LogFormat, debug: Bool) throws(RuntimeError) {
        self.format = format
        self.debugEnabled = debug
        guard let path, !path.isEmpty, path != "/dev/stderr" else { return }
        let flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC
        fd = try sys("open log file \(path)") { sl_open_mode(path, flags, 0o644) }
        toFile = true
    }

    public func line(_ level: LogLevel, _ message: String) -> String {
        let time = Timestamp.nowSeconds()
        switch format {
        case .json:
            return JSONOut.render(.object([("level", .string(level.rawValue)), ("msg", .string(message)), ("time", .string(time))]))
        case .text:
            return "time=\"\(time)\" level=\(level.rawValue) msg=\(JSONOut.escape(message))"
        }
    }

    public func write(_ level: LogLevel, _ message: String) {
        if level == .debug && !debugEnabled { return }
        let text = line(level, message) + "\n"
        _ = try? FileIO.write(fd: fd, Array(text.utf8), name: "log")
    }

    public func debug(_ message: @autoclosure () -> String) {
        if debugEnabled { write(.debug, message()) }
    }

    public func warn(_ message: String) { write(.warning, message) }

    /// Reports the error that ends this invocation.
    public func fail(_ message: String) {
        write(.error, message)
        if toFile {
            _ = try? FileIO.write(fd: 2, Array((message + "\n").utf8), name: "stderr")
        }
    }
}

/// The process-wide logger. The runtime is single-threaded by design (see
/// docs/architecture), so a plain global is safe.
nonisolated(unsafe) public var log = Logger()
