import CShim
import Glibc

/// Small, errno-reporting file helpers. Every path-taking call names the path
/// in its error, and every call retries EINTR.
public enum FileIO {
    /// Reads a whole file (regular, /proc or cgroupfs).
    public static func read(_ path: String) throws(RuntimeError) -> [UInt8] {
        let fd = try sys("open(\(path))") { sl_open_mode(path, O_RDONLY | O_CLOEXEC, 0) }
        defer { close(fd) }
        return try read(fd: fd, name: path)
    }

    public static func readString(_ path: String) throws(RuntimeError) -> String {
        String(decoding: try read(path), as: UTF8.self)
    }

    /// Reads the file if it exists; nil when it does not.
    public static func readIfExists(_ path: String) throws(RuntimeError) -> [UInt8]? {
        do {
            return try read(path)
        } catch {
            if error.errno == ENOENT { return nil }
            throw error
        }
    }

    /// Reads from an open descriptor until EOF.
    public static func read(fd: Int32, name: String) throws(RuntimeError) -> [UInt8] {
        var out = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 8192)
        while true {
            let n = try sys("read(\(name))") { chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) } }
            if n == 0 { return out }
            out.append(contentsOf: chunk[0..<n])
        }
    }

    /// Writes all bytes to a descriptor.
    public static func write(fd: Int32, _ bytes: [UInt8], name: String) throws(RuntimeError) {
        var offset = 0
        while offset < bytes.count {
            let n = try sys("write(\(name))") {
                bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            }
            offset += n
        }
    }

    /// Writes a short value into an existing file (cgroupfs, procfs): one
    /// write(2), as those files expect.
    public static func writeValue(_ path: String, _ value: String) throws(RuntimeError) {
        let fd = try sys("open(\(path))") { sl_open_mode(path, O_WRONLY | O_CLOEXEC, 0) }
        defer { close(fd) }
        let bytes = Array(value.utf8)
        _ = try sys("write \(value.debugDescription) to \(path)") {
            bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        }
    }

    /// Writes a file atomically: a temporary file in the same directory, fsync
    /// is skipped (state lives on tmpfs), then rename over the target.
    /// Errors name `path`, not the temporary file beside it.
    public static func writeAtomic(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o600) throws(RuntimeError) {
        let tmp = path + ".tmp.\(getpid())"
        let fd = try sys("create \(path)") { sl_open_mode(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, UInt32(mode)) }
        do {
            try write(fd: fd, bytes, name: path)
        } catch {
            close(fd)
            unlink(tmp)
            throw error
        }
        close(fd)
        do {
            try sys("rename(\(tmp), \(path))") { rename(tmp, path) }
        } catch {
            unlink(tmp)
            throw error
        }
    }

    public static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// mkdir -p with the given mode for each created component.
    public static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws(RuntimeError) {
        if path.isEmpty || isDirectory(path) { return }
        let parent = Path.dirname(path)
        if parent != path { try makeDirectories(parent, mode: mode) }
        if mkdir(path, mode) != 0 && Glibc.errno != EEXIST {
            throw RuntimeError.sys("mkdir(\(path))", Glibc.errno)
        }
    }

    /// Removes a directory tree (no symlink following). Missing is fine.
    public static func removeTree(_ path: String) throws(RuntimeError) {
        var st = stat()
        if lstat(path, &st) != 0 {
            if Glibc.errno == ENOENT { return }
            throw RuntimeError.sys("lstat(\(path))", Glibc.errno)
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            for name in try listDirectory(path) { try removeTree(path + "/" + name) }
            if rmdir(path) != 0 && Glibc.errno != ENOENT { throw RuntimeError.sys("rmdir(\(path))", Glibc.errno) }
        } else if unlink(path) != 0 && Glibc.errno != ENOENT {
            throw RuntimeError.sys("unlink(\(path))", Glibc.errno)
        }
    }

    /// Names in a directory, without "." and "..".
    /// The names in a directory; with `directoriesOnly`, its subdirectories
    /// (from the entries' types, without a stat per entry).
    public static func listDirectory(_ path: String, directoriesOnly: Bool = false) throws(RuntimeError) -> [String] {
        guard let dir = opendir(path) else { throw RuntimeError.sys("opendir(\(path))", Glibc.errno) }
        defer { closedir(dir) }
        var names = [String]()
        while let entry = readdir(dir) {
            let type = entry.pointee.d_type
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name == "." || name == ".." { continue }
            if directoriesOnly {
                if type == UInt8(DT_UNKNOWN) ? !isDirectory(path + "/" + name) : type != UInt8(DT_DIR) { continue }
            }
            names.append(name)
        }
        return names
    }
}
