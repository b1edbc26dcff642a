import Glibc

/// A failure of one step of the runtime's work. `description` is the one line
/// the user sees: "pivot_root(/run/x): Invalid argument".
public struct RuntimeError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String
    /// The errno behind the failure, when a syscall failed.
    public var errno: Int32?

    public init(_ message: String, errno: Int32? = nil) {
        self.message = message
        self.errno = errno
    }

    /// A syscall failure: the step it belongs to and the errno text.
    public static func sys(_ step: String, _ code: Int32) -> RuntimeError {
        RuntimeError("\(step): \(errnoText(code))", errno: code)
    }

    public var description: String { message }

    /// Prefix the message with the larger step it happened in.
    public func context(_ outer: String) -> RuntimeError {
        RuntimeError("\(outer): \(message)", errno: errno)
    }
}

/// strerror text for an errno value ("No such file or directory").
public func errnoText(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "errno \(code)" }
    return String(cString: text)
}

/// The current thread's errno.
@inline(__always) public func currentErrno() -> Int32 { Glibc.errno }

/// Runs a syscall wrapper that returns -1 and sets errno on failure, retrying
/// on EINTR; throws `RuntimeError.sys(step, errno)` otherwise.
@discardableResult
@inline(__always)
public func sys<T: BinaryInteger>(_ step: @autoclosure () -> String, _ call: () -> T) throws(RuntimeError) -> T {
    while true {
        let result = call()
        if result >= 0 { return result }
        let code = Glibc.errno
        if code == EINTR { continue }
        throw RuntimeError.sys(step(), code)
    }
}

/// Adds the step a failure belongs to, whatever threw it.
public func step<T>(_ name: @autoclosure () -> String, _ body: () throws -> T) throws(RuntimeError) -> T {
    do {
        return try body()
    } catch let error as RuntimeError {
        throw error.context(name())
    } catch {
        throw RuntimeError("\(name()): \(error)")
    }
}
