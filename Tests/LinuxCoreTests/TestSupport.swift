import Glibc
import LinuxCore
import Testing

/// The description of the error `body` throws, or nil when it returns.
func failure<T>(_ body: () throws -> T) -> String? {
    do {
        _ = try body()
        return nil
    } catch {
        return "\(error)"
    }
}

/// A fresh directory under /tmp, removed (with everything in it) after `body`.
func withTempDirectory<T>(_ body: (String) throws -> T) throws -> T {
    var template = Array("/tmp/swiftlet-linuxcore-XXXXXX".utf8CString)
    let made: UnsafeMutablePointer<CChar>? = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }
    let dir = String(cString: try #require(made))
    defer { try? FileIO.removeTree(dir) }
    return try body(dir)
}

/// Writes `text` to a new file (test set-up; independent of FileIO).
func makeFile(_ path: String, _ text: String = "x", mode: mode_t = 0o644) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
    try #require(fd >= 0, "create \(path): \(errnoText(errno))")
    defer { close(fd) }
    let bytes = Array(text.utf8)
    let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    try #require(written == bytes.count)
}

func fileExists(_ path: String) -> Bool {
    var st = stat()
    return lstat(path, &st) == 0
}

func fileMode(_ path: String) -> mode_t? {
    var st = stat()
    guard lstat(path, &st) == 0 else { return nil }
    return st.st_mode & 0o7777
}
