import CShim
import Glibc
import LinuxCore
import Testing

func failure<T>(_ body: () throws -> T) -> String? {
    do {
        _ = try body()
        return nil
    } catch {
        return "\(error)"
    }
}

/// A fresh directory under /tmp, removed after `body`.
func withTempDirectory<T>(_ body: (String) throws -> T) throws -> T {
    var template = Array("/tmp/swiftlet-runtime-XXXXXX".utf8CString)
    let made: UnsafeMutablePointer<CChar>? = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }
    let dir = String(cString: try #require(made))
    defer { try? FileIO.removeTree(dir) }
    return try body(dir)
}

func writeFile(_ path: String, _ text: String, mode: mode_t = 0o644) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
    try #require(fd >= 0, "create \(path): \(errnoText(errno))")
    defer { close(fd) }
    try FileIO.write(fd: fd, Array(text.utf8), name: path)
    fchmod(fd, mode)
}

/// A value one thread sets and another reads after joining it (or after
/// the pipe handshake of `runWithDeadline`).
final class Box<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}

private final class ThreadBody: @unchecked Sendable {
    let work: () -> Void
    init(_ work: @escaping () -> Void) { self.work = work }
}

/// Runs `work` on a new POSIX thread (not the Swift concurrency pool, which
/// must not be blocked in syscalls).
func startThread(_ work: @escaping @Sendable () -> Void) throws -> pthread_t {
    let context = Unmanaged.passRetained(ThreadBody(work)).toOpaque()
    var thread = pthread_t()
    let rc = pthread_create(&thread, nil, { raw in
        guard let raw else { return nil }
        Unmanaged<ThreadBody>.fromOpaque(raw).takeRetainedValue().work()
        return nil
    }, context)
    if rc != 0 {
        Unmanaged<ThreadBody>.fromOpaque(context).release()
        throw RuntimeError.sys("pthread_create", rc)
    }
    return thread
}

/// Runs `work` on its own thread and waits at most `seconds` for it. Returns
/// false when it did not finish: the thread is then left blocked (the test
/// records a failure instead of hanging the whole run).
func runWithDeadline(seconds: Int32, _ work: @escaping @Sendable () -> Void) throws -> Bool {
    var fds: [Int32] = [-1, -1]
    try #require(sl_pipe_cloexec(&fds) == 0)
    let (readEnd, writeEnd) = (fds[0], fds[1])
    let thread = try startThread {
        work()
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }
    var entry = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
    var ready: Int32
    repeat { ready = poll(&entry, 1, seconds * 1000) } while ready < 0 && errno == EINTR
    if ready == 1 {
        pthread_join(thread, nil)
        close(readEnd)
        close(writeEnd)
        return true
    }
    pthread_detach(thread)
    return false  // both pipe ends stay open: the thread may still write
}
