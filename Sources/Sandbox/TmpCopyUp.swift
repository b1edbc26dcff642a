import CShim
import Glibc
import LinuxCore

/// runc's `tmpcopyup`: a new tmpfs starts with a copy of what the directory
/// it covers holds.
enum TmpCopyUp {
    static func copy(from target: Int32, to mountFD: Int32, destination: String) throws(RuntimeError) {
        let source = try sys("open \(destination) for tmpcopyup") { sl_openat_mode(target, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0) }
        defer { close(source) }
        let dest = try sys("open new tmpfs for \(destination)") { sl_openat_mode(mountFD, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0) }
        defer { close(dest) }
        try copyTree(source, dest, name: destination)
    }

    private static func copyTree(_ from: Int32, _ to: Int32, name: String) throws(RuntimeError) {
        let listFD = try sys("dup \(name)") { dup(from) }
        guard let dir = fdopendir(listFD) else { throw RuntimeError.sys("opendir \(name)", currentErrno()) }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let entryName = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if entryName == "." || entryName == ".." { continue }
            let path = name + "/" + entryName
            var st = stat()
            try sys("stat \(path)") { fstatat(from, entryName, &st, Int32(SL_AT_SYMLINK_NOFOLLOW)) }
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                if mkdirat(to, entryName, st.st_mode & 0o7777) != 0 && currentErrno() != EEXIST {
                    throw RuntimeError.sys("mkdir \(path)", currentErrno())
                }
                let sub = try sys("open \(path)") { sl_openat_mode(from, entryName, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0) }
                defer { close(sub) }
                let subDest = try sys("open copy of \(path)") { sl_openat_mode(to, entryName, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0) }
                defer { close(subDest) }
                try copyTree(sub, subDest, name: path)
            case S_IFREG:
                let input = try sys("open \(path)") { sl_openat_mode(from, entryName, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0) }
                defer { close(input) }
                let output = try sys("create copy of \(path)") {
                    sl_openat_mode(to, entryName, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, UInt32(st.st_mode & 0o7777))
                }
                defer { close(output) }
                try FileIO.write(fd: output, try FileIO.read(fd: input, name: path), name: path)
            case S_IFLNK:
                var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
                let n = try sys("readlink \(path)") { readlinkat(from, entryName, &buffer, buffer.count - 1) }
                let link = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
                try sys("symlink \(path)") { symlinkat(link, to, entryName) }
            default:
                continue
            }
            _ = fchownat(to, entryName, st.st_uid, st.st_gid, Int32(SL_AT_SYMLINK_NOFOLLOW))
        }
    }
}
