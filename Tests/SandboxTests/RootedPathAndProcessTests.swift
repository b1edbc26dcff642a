import CShim
import Glibc
import LinuxCore
import OCISpec
import Testing
@testable import Sandbox

/// A fresh directory under /tmp, removed after `body`.
private func withTempDirectory<T>(_ body: (String) throws -> T) throws -> T {
    var template = Array("/tmp/swiftlet-sandbox-XXXXXX".utf8CString)
    let made: UnsafeMutablePointer<CChar>? = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }
    let dir = String(cString: try #require(made))
    defer { try? FileIO.removeTree(dir) }
    return try body(dir)
}

/// A container root at <tmp>/root, opened as an O_PATH directory fd.
private func withRoot<T>(_ body: (String, RootedPath) throws -> T) throws -> T {
    try withTempDirectory { dir in
        let root = dir + "/root"
        try #require(mkdir(root, 0o755) == 0)
        let fd = open(root, SL_O_PATH | O_DIRECTORY | O_CLOEXEC)
        try #require(fd >= 0)
        defer { close(fd) }
        return try body(root, RootedPath(rootFD: fd, rootName: root))
    }
}

private func makeFile(_ path: String, mode: mode_t = 0o644) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
    try #require(fd >= 0, "create \(path): \(errnoText(errno))")
    fchmod(fd, mode)
    close(fd)
}

private func lstatOf(_ path: String) -> stat? {
    var st = stat()
    return lstat(path, &st) == 0 ? st : nil
}

/// Whether `fd` refers to the same file as `path`.
private func sameFile(_ fd: Int32, _ path: String) -> Bool {
    var a = stat()
    var b = stat()
    guard fstat(fd, &a) == 0, stat(path, &b) == 0 else { return false }
    return a.st_dev == b.st_dev && a.st_ino == b.st_ino
}

private var uniqueName: String { "swiftlet-test-\(getpid())-\(UInt64.random(in: 0..<UInt64.max))" }

@Suite struct RootedPathTests {
    @Test func openOfAMissingPathIsNil() throws {
        try withRoot { root, rooted in
            #expect(try rooted.open("/missing") == nil)
            #expect(try rooted.open("/missing/deeper") == nil)
            let fd = try #require(try rooted.open("/"))
            defer { close(fd) }
            #expect(sameFile(fd, root))
            let empty = try #require(try rooted.open(""))
            defer { close(empty) }
            #expect(sameFile(empty, root))
        }
    }

    @Test func openOrCreateMakesNestedDirectoriesAndAFile() throws {
        try withRoot { root, rooted in
            let fd = try rooted.openOrCreate("/a/b/c.txt", as: .file)
            defer { close(fd) }
            let dirA = try #require(lstatOf(root + "/a"))
            let dirB = try #require(lstatOf(root + "/a/b"))
            let file = try #require(lstatOf(root + "/a/b/c.txt"))
            #expect(dirA.st_mode & S_IFMT == S_IFDIR)
            #expect(dirB.st_mode & S_IFMT == S_IFDIR)
            #expect(file.st_mode & S_IFMT == S_IFREG)
            #expect(file.st_size == 0)
            #expect(sameFile(fd, root + "/a/b/c.txt"))

            // Again: it exists now and the same file comes back.
            let again = try rooted.openOrCreate("a/b/c.txt", as: .file)
            defer { close(again) }
            #expect(sameFile(again, root + "/a/b/c.txt"))
        }
    }

    @Test func openOrCreateDirectoryWithMode() throws {
        try withRoot { root, rooted in
            let fd = try rooted.openOrCreate("/x/./y//z", as: .directory, mode: 0o700)
            defer { close(fd) }
            #expect(sameFile(fd, root + "/x/y/z"))
            let leaf = try #require(lstatOf(root + "/x/y/z"))
            #expect(leaf.st_mode & S_IFMT == S_IFDIR)
            #expect(leaf.st_mode & 0o777 == 0o700)
        }
    }

    @Test func absoluteSymlinkResolvesInsideTheRoot() throws {
        try withRoot { root, rooted in
            try #require(mkdir(root + "/etc", 0o755) == 0)
            try #require(symlink("/etc", root + "/escape") == 0)
            let name = uniqueName
            defer {
                // Only if the code under test escaped: undo it.
                try? FileIO.removeTree("/etc/" + name)
            }
            // The host has /etc/passwd; the root does not.
            #expect(try rooted.open("/escape/passwd") == nil)

            let fd = try rooted.openOrCreate("/escape/\(name)/f", as: .file)
            defer { close(fd) }
            #expect(lstatOf("/etc/" + name) == nil, "created in the host's /etc")
            #expect(((lstatOf(root + "/etc/\(name)/f")?.st_mode ?? 0) & S_IFMT) == S_IFREG)
            #expect(sameFile(fd, root + "/etc/\(name)/f"))
            #expect(((lstatOf(root + "/escape")?.st_mode ?? 0) & S_IFMT) == S_IFLNK)
        }
    }

    @Test func danglingAbsoluteSymlinkNeverReachesTheHost() throws {
        try withRoot { root, rooted in
            try #require(symlink("/etc", root + "/escape") == 0)
            let name = uniqueName
            defer { try? FileIO.removeTree("/etc/" + name) }
            // The symlink's target is made inside the root, as the mount
            // target a container asked for.
            let fd = try rooted.openOrCreate("/escape/\(name)/f", as: .file)
            defer { close(fd) }
            #expect(sameFile(fd, root + "/etc/\(name)/f"))
            #expect(lstatOf("/etc/" + name) == nil, "created in the host's /etc")
        }
    }

    @Test func dotDotStaysInside() throws {
        try withRoot { root, rooted in
            let parent = Path.dirname(root)
            let fd = try rooted.openOrCreate("/../../x", as: .directory)
            defer { close(fd) }
            #expect(sameFile(fd, root + "/x"))
            #expect(lstatOf(parent + "/x") == nil)

            let deeper = try rooted.openOrCreate("x/../../../y/z", as: .file)
            defer { close(deeper) }
            #expect(sameFile(deeper, root + "/y/z"))
            #expect(lstatOf(parent + "/y") == nil)

            #expect(try rooted.open("/../../../../../etc/passwd") == nil)
        }
    }

    @Test func relativeSymlinkClimbingOutStaysInside() throws {
        try withRoot { root, rooted in
            let parent = Path.dirname(root)
            try #require(mkdir(root + "/d", 0o755) == 0)
            try #require(symlink("../../../../..", root + "/d/up") == 0)
            let fd = try rooted.openOrCreate("/d/up/outside", as: .directory)
            defer { close(fd) }
            #expect(sameFile(fd, root + "/outside"))
            #expect(lstatOf(parent + "/outside") == nil)
        }
    }

    @Test func noSymlinksRefusesASymlink() throws {
        try withRoot { root, rooted in
            try #require(mkdir(root + "/real", 0o755) == 0)
            try #require(symlink("/real", root + "/link") == 0)
            let fd = try #require(try rooted.open("/link"))
            close(fd)
            #expect(failure { try rooted.open("/link", noSymlinks: true) } == "open /link in \(root): Too many levels of symbolic links")
            #expect(failure { try rooted.open("/link/inner", noSymlinks: true) } == "open /link/inner in \(root): Too many levels of symbolic links")
            let plain = try #require(try rooted.open("/real", noSymlinks: true))
            close(plain)
        }
    }

    @Test func aFileInTheWayIsAnError() throws {
        try withRoot { root, rooted in
            try makeFile(root + "/file")
            #expect(failure { try rooted.openOrCreate("/file/sub", as: .directory) } == "open /file/sub in \(root): Not a directory")
        }
    }
}

@Suite struct FindExecutableTests {
    @Test func searchesOnlyTheGivenPath() throws {
        try withTempDirectory { dir in
            for sub in ["bin1", "bin2", "bin3", "bin4"] { try #require(mkdir(dir + "/" + sub, 0o755) == 0) }
            try makeFile(dir + "/bin1/tool", mode: 0o644)         // not executable
            try #require(mkdir(dir + "/bin2/tool", 0o755) == 0)   // a directory
            try makeFile(dir + "/bin3/tool", mode: 0o755)
            try makeFile(dir + "/bin4/tool", mode: 0o755)
            let env = ["HOME=/root", "PATH=\(dir)/bin1:\(dir)/bin2:\(dir)/bin3:\(dir)/bin4"]
            #expect(try ProcessSetup.findExecutable("tool", env: env) == dir + "/bin3/tool")
            // The last PATH entry of the env counts.
            #expect(try ProcessSetup.findExecutable("tool", env: ["PATH=/usr/bin", "PATH=\(dir)/bin4"]) == dir + "/bin4/tool")
        }
    }

    @Test func missingFromPath() throws {
        // sh exists on the host's PATH, but not on the process's.
        #expect(failure { try ProcessSetup.findExecutable("sh", env: ["PATH=/nonexistent:/also/not"]) }
            == #"exec: "sh": executable file not found in $PATH"#)
        #expect(failure { try ProcessSetup.findExecutable("no-such-tool-anywhere", env: ["PATH=/usr/bin:/bin"]) }
            == #"exec: "no-such-tool-anywhere": executable file not found in $PATH"#)
        do {
            _ = try ProcessSetup.findExecutable("sh", env: ["HOME=/"])
            Issue.record("found sh without a PATH")
        } catch {
            #expect(error.description == #"exec: "sh": executable file not found in $PATH"#)
            #expect(error.errno == ENOENT)
        }
    }

    @Test func foundOnARealPath() throws {
        #expect(try ProcessSetup.findExecutable("sh", env: ["PATH=/nonexistent:/bin"]) == "/bin/sh")
    }

    @Test func pathsWithASlashAreCheckedDirectly() throws {
        try withTempDirectory { dir in
            try makeFile(dir + "/run", mode: 0o755)
            try makeFile(dir + "/data", mode: 0o644)
            try #require(mkdir(dir + "/sub", 0o755) == 0)
            #expect(try ProcessSetup.findExecutable(dir + "/run", env: ["PATH=/nonexistent"]) == dir + "/run")
            #expect(failure { try ProcessSetup.findExecutable(dir + "/missing", env: []) } == "exec: \"\(dir)/missing\": No such file or directory")
            #expect(failure { try ProcessSetup.findExecutable(dir + "/sub", env: []) } == "exec: \"\(dir)/sub\": is a directory")
            #expect(failure { try ProcessSetup.findExecutable(dir + "/data", env: []) } == "exec: \"\(dir)/data\": permission denied")
        }
    }
}

@Suite struct ProcessSetupTests {
    @Test func unknownRlimit() {
        #expect(failure { try ProcessSetup.applyRlimits([POSIXRlimit(type: "RLIMIT_FOO", hard: 1, soft: 1)]) }
            == #"process.rlimits: unknown rlimit type "RLIMIT_FOO""#)
    }

    @Test func softAboveHardIsExplained() {
        // Fails in the kernel, so the test process keeps its limits.
        #expect(failure { try ProcessSetup.applyRlimits([POSIXRlimit(type: "RLIMIT_NOFILE", hard: 5, soft: 10)]) }
            == "setrlimit RLIMIT_NOFILE (soft 10, hard 5): Invalid argument; the soft limit is above the hard limit")
    }

    @Test func failedExecReturnsTheError() {
        let error = ProcessSetup.exec("/nonexistent/program", args: ["prog", "arg"], env: [])
        #expect(error.description == "exec prog: No such file or directory")
        #expect(error.errno == ENOENT)
    }
}
