import CShim
import Glibc
import Testing
@testable import LinuxCore

@Suite struct FileIOTests {
    @Test func writeAtomicWritesAndLeavesNoTemporaryFile() throws {
        try withTempDirectory { dir in
            let path = dir + "/state.json"
            try FileIO.writeAtomic(path, Array("first".utf8))
            try FileIO.writeAtomic(path, Array("second, longer".utf8))
            #expect(try FileIO.readString(path) == "second, longer")
            #expect(try FileIO.listDirectory(dir) == ["state.json"])
            #expect(fileMode(path) == 0o600)
            try FileIO.writeAtomic(dir + "/other", [], mode: 0o644)
            #expect(fileMode(dir + "/other") == 0o644)
            #expect(try FileIO.read(dir + "/other") == [])
        }
    }

    @Test func writeAtomicErrorNamesPathAndErrno() throws {
        try withTempDirectory { dir in
            let path = dir + "/missing/state.json"
            let message = try #require(failure { try FileIO.writeAtomic(path, [1]) })
            #expect(message.contains(path))
            #expect(message.hasSuffix(": No such file or directory"))
            #expect(!message.contains("\n"))
            #expect(try FileIO.listDirectory(dir) == [])
        }
    }

    @Test func writeAtomicOverADirectoryFailsAndCleansUp() throws {
        try withTempDirectory { dir in
            let target = dir + "/target"
            try FileIO.makeDirectories(target + "/inner")
            let message = try #require(failure { try FileIO.writeAtomic(target, [1, 2]) })
            #expect(message.hasPrefix("rename("))
            #expect(message.contains(target))
            #expect(message.hasSuffix(": Is a directory"))
            #expect(try FileIO.listDirectory(dir) == ["target"])
        }
    }

    @Test func readErrors() throws {
        try withTempDirectory { dir in
            #expect(failure { try FileIO.read(dir + "/nope") } == "open(\(dir)/nope): No such file or directory")
            #expect(failure { try FileIO.read(dir) } == "read(\(dir)): Is a directory")
            do {
                _ = try FileIO.read(dir + "/nope")
            } catch let error as RuntimeError {
                #expect(error.errno == ENOENT)
            }
        }
    }

    @Test func readIfExists() throws {
        try withTempDirectory { dir in
            #expect(try FileIO.readIfExists(dir + "/missing") == nil)
            try makeFile(dir + "/present", "data")
            #expect(try FileIO.readIfExists(dir + "/present") == Array("data".utf8))
            // Errors other than ENOENT still throw.
            #expect(failure { try FileIO.readIfExists(dir + "/present/child") } == "open(\(dir)/present/child): Not a directory")
        }
    }

    @Test func readsLargeFiles() throws {
        try withTempDirectory { dir in
            let bytes = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            try FileIO.writeAtomic(dir + "/big", bytes)
            #expect(try FileIO.read(dir + "/big") == bytes)
        }
    }

    @Test func writeValueNeedsAnExistingFile() throws {
        try withTempDirectory { dir in
            #expect(failure { try FileIO.writeValue(dir + "/nope", "1") } == "open(\(dir)/nope): No such file or directory")
            try makeFile(dir + "/value", "old contents")
            try FileIO.writeValue(dir + "/value", "new")
            // O_WRONLY without O_TRUNC: cgroupfs semantics, the rest stays.
            #expect(try FileIO.readString(dir + "/value") == "new contents")
        }
    }

    @Test func makeDirectories() throws {
        try withTempDirectory { dir in
            let deep = dir + "/a/b/c"
            try FileIO.makeDirectories(deep, mode: 0o700)
            #expect(FileIO.isDirectory(deep))
            #expect(fileMode(dir + "/a") == 0o700)
            #expect(fileMode(deep) == 0o700)
            try FileIO.makeDirectories(deep)  // exists: fine
            try FileIO.makeDirectories(dir + "/a/b/c/")
            #expect(try FileIO.listDirectory(deep) == [])
            try makeFile(dir + "/file")
            #expect(failure { try FileIO.makeDirectories(dir + "/file/sub") } == "mkdir(\(dir)/file/sub): Not a directory")
        }
    }

    @Test func removeTreeDoesNotFollowSymlinks() throws {
        try withTempDirectory { dir in
            let outside = dir + "/outside"
            try FileIO.makeDirectories(outside + "/keep")
            try makeFile(outside + "/keep/precious", "do not delete")
            try makeFile(outside + "/file", "also keep")

            let tree = dir + "/tree"
            try FileIO.makeDirectories(tree + "/x/y/z")
            try makeFile(tree + "/x/f1")
            try makeFile(tree + "/x/y/z/f2")
            #expect(symlink(outside, tree + "/x/link-to-dir") == 0)
            #expect(symlink(outside + "/file", tree + "/x/y/link-to-file") == 0)
            #expect(symlink("/nonexistent/target", tree + "/dangling") == 0)

            try FileIO.removeTree(tree)
            #expect(!fileExists(tree))
            #expect(try FileIO.readString(outside + "/keep/precious") == "do not delete")
            #expect(try FileIO.readString(outside + "/file") == "also keep")
            #expect(try FileIO.listDirectory(outside).sorted() == ["file", "keep"])
        }
    }

    @Test func removeTreeOfASymlinkRemovesOnlyTheLink() throws {
        try withTempDirectory { dir in
            try FileIO.makeDirectories(dir + "/real")
            try makeFile(dir + "/real/f")
            #expect(symlink(dir + "/real", dir + "/link") == 0)
            try FileIO.removeTree(dir + "/link")
            #expect(!fileExists(dir + "/link"))
            #expect(fileExists(dir + "/real/f"))
            try FileIO.removeTree(dir + "/does-not-exist")
        }
    }

    @Test func listDirectory() throws {
        try withTempDirectory { dir in
            try makeFile(dir + "/b")
            try FileIO.makeDirectories(dir + "/a")
            try makeFile(dir + "/.hidden")
            #expect(try FileIO.listDirectory(dir).sorted() == [".hidden", "a", "b"])
            #expect(failure { try FileIO.listDirectory(dir + "/zz") } == "opendir(\(dir)/zz): No such file or directory")
            #expect(FileIO.exists(dir + "/b"))
            #expect(!FileIO.exists(dir + "/zz"))
            #expect(FileIO.isDirectory(dir + "/a"))
            #expect(!FileIO.isDirectory(dir + "/b"))
        }
    }

    @Test func descriptorReadWrite() throws {
        var fds: [Int32] = [-1, -1]
        try #require(sl_pipe_cloexec(&fds) == 0)
        try FileIO.write(fd: fds[1], Array("over a pipe".utf8), name: "pipe")
        close(fds[1])
        #expect(try FileIO.read(fd: fds[0], name: "pipe") == Array("over a pipe".utf8))
        close(fds[0])
        #expect(failure { try FileIO.write(fd: -1, [1], name: "nowhere") } == "write(nowhere): Bad file descriptor")
    }
}

@Suite struct ProcTests {
    /// A /proc/<pid>/stat line with `comm` and the given state; start time 987654.
    static func statLine(pid: Int32, comm: String, state: String) -> String {
        "\(pid) (\(comm)) \(state) 1 \(pid) \(pid) 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 12345678 300 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n"
    }

    @Test(arguments: ["sh", "a b", "x) S 99 (y", "((", ")", "with ) paren", "tab\tname"])
    func parsesAnyCommandName(comm: String) throws {
        let stat = try #require(ProcessStat.parse(Self.statLine(pid: 4242, comm: comm, state: "S"), pid: 4242))
        #expect(stat == ProcessStat(pid: 4242, state: "S", ppid: 1, startTime: 987654))
        #expect(!stat.isZombieOrDead)
    }

    @Test(arguments: [("Z", true), ("X", true), ("x", true), ("R", false), ("D", false), ("T", false)])
    func zombieOrDead(state: String, expected: Bool) throws {
        let stat = try #require(ProcessStat.parse(Self.statLine(pid: 7, comm: "z", state: state), pid: 7))
        #expect(stat.isZombieOrDead == expected)
        #expect(stat.state == Character(state))
    }

    @Test func rejectsTruncatedOrMalformed() {
        #expect(ProcessStat.parse("", pid: 1) == nil)
        #expect(ProcessStat.parse("1 (init S 0 1", pid: 1) == nil)
        #expect(ProcessStat.parse("1 (init) S 0 1 1 0 -1", pid: 1) == nil)
        #expect(ProcessStat.parse("1 (init) S notanumber 1 1 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 55 1", pid: 1) == nil)
    }

    @Test func ownProcess() throws {
        let me = getpid()
        let stat = try #require(ProcessStat.read(pid: me))
        #expect(stat.pid == me)
        #expect(stat.ppid == getppid())
        #expect(stat.state == "R" || stat.state == "S")
        #expect(stat.startTime > 0)
        #expect(Proc.isAlive(pid: me, startTime: stat.startTime))
        #expect(!Proc.isAlive(pid: me, startTime: stat.startTime + 1))
        #expect(!Proc.isAlive(pid: 0, startTime: stat.startTime))
        #expect(!Proc.isAlive(pid: Int32.max, startTime: stat.startTime))
        #expect(ProcessStat.read(pid: -1) == nil)
    }

    @Test func zombieChildIsNotAlive() throws {
        let pid = fork()
        try #require(pid >= 0)
        if pid == 0 { _exit(0) }
        defer { var status: Int32 = 0; waitpid(pid, &status, 0) }
        // Until reaped, the child is a zombie.
        var stat: ProcessStat?
        for _ in 0..<2000 {
            stat = ProcessStat.read(pid: pid)
            if stat?.state == "Z" { break }
            usleep(1000)
        }
        let child = try #require(stat)
        #expect(child.state == "Z")
        #expect(child.ppid == getpid())
        #expect(!Proc.isAlive(pid: pid, startTime: child.startTime))
    }

    @Test func openDescriptorsListsOwnFds() throws {
        let fd = open("/dev/null", O_RDONLY | O_CLOEXEC)
        try #require(fd >= 0)
        defer { close(fd) }
        let fds = Proc.openDescriptors()
        #expect(fds.contains(fd))
        #expect(fds.contains(0) || fds.contains(1) || fds.contains(2))
        #expect(fds == fds.sorted())
        #expect(Proc.threadCount() >= 1)
    }
}
