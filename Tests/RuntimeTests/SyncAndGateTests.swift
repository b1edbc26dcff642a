import CShim
import Glibc
import LinuxCore
import Testing
@testable import Runtime

@Suite struct SyncChannelTests {
    static let plainMessages: [SyncMessage] = [
        .proceed(hostPid: 123_456), .runHooks, .hooksDone, .initPid(77), .ready,
        .error("set up mounts: mount /proc: Operation not permitted"), .error(""), .error("unicode é 😀 \"quoted\""),
    ]

    @Test func everyPlainMessageRoundTripsBothWays() throws {
        let (parent, child) = try SyncChannel.pair()
        defer { parent.close(); child.close() }
        for message in Self.plainMessages {
            try child.send(message)
            #expect(try parent.receive() == message)
            try parent.send(message)
            #expect(try child.receive() == message)
        }
    }

    @Test func messageBoundariesAreKept() throws {
        let (parent, child) = try SyncChannel.pair()
        defer { parent.close(); child.close() }
        for message in Self.plainMessages { try child.send(message) }
        for message in Self.plainMessages { #expect(try parent.receive() == message) }
    }

    @Test func tagsAreDistinct() {
        let all: [SyncMessage] = [.proceed(hostPid: 1), .runHooks, .hooksDone, .initPid(1), .fd("x", 0), .ready, .error("")]
        #expect(all.map(\.tag) == [1, 2, 3, 4, 5, 6, 7])
    }

    @Test func passesAWorkingDescriptor() throws {
        let (parent, child) = try SyncChannel.pair()
        defer { parent.close(); child.close() }
        var fds: [Int32] = [-1, -1]
        try #require(sl_pipe_cloexec(&fds) == 0)
        defer { close(fds[0]) }

        try child.send(.fd("console", fds[1]))
        close(fds[1])
        let received = try #require(try parent.receive())
        guard case .fd(let name, let passed) = received else {
            Issue.record("got \(received)")
            return
        }
        #expect(name == "console")
        try #require(passed >= 0)
        #expect(fcntl(passed, F_GETFD) & FD_CLOEXEC != 0)
        try FileIO.write(fd: passed, Array("through the socket".utf8), name: "passed fd")
        close(passed)
        // Every write end is closed now: reading ends at EOF.
        #expect(try FileIO.read(fd: fds[0], name: "pipe") == Array("through the socket".utf8))
    }

    @Test func messagesWithoutAnFdCarryNone() throws {
        let (parent, child) = try SyncChannel.pair()
        defer { parent.close(); child.close() }
        try child.send(.fd("nothing", -1))
        #expect(try parent.receive() == .fd("nothing", -1))
    }

    @Test func endOfFileIsNil() throws {
        let (parent, child) = try SyncChannel.pair()
        defer { parent.close() }
        try child.send(.ready)
        child.close()
        #expect(try parent.receive() == .ready)
        #expect(try parent.receive() == nil)
        #expect(failure { try parent.expect(.hooksDone, while: "wait for hooks") } == "wait for hooks: the other side exited")
    }

    @Test func expect() throws {
        let (parent, child) = try SyncChannel.pair()
        defer { parent.close(); child.close() }
        try child.send(.ready)
        try parent.expect(.ready, while: "wait for init")
        try child.send(.runHooks)
        #expect(failure { try parent.expect(.ready, while: "wait for init") } == "wait for init: unexpected message runHooks")
        try child.send(.error("pivot_root(/x): Invalid argument"))
        #expect(failure { try parent.expect(.ready, while: "wait for init") } == "pivot_root(/x): Invalid argument")
        try child.send(.initPid(5))
        #expect(failure { try parent.expect(.initPid(6), while: "step") } == "step: unexpected message initPid(5)")
    }

    @Test func unknownTagIsAnError() throws {
        let (parent, child) = try SyncChannel.pair()
        defer { parent.close(); child.close() }
        var bytes: [UInt8] = [99, 65]
        try #require(send(child.fd, &bytes, 2, 0) == 2)
        #expect(failure { try parent.receive() } == "init sync socket: unknown message 99")
    }

    @Test func bothEndsAreCloseOnExec() throws {
        let (parent, child) = try SyncChannel.pair()
        defer { parent.close(); child.close() }
        #expect(fcntl(parent.fd, F_GETFD) & FD_CLOEXEC != 0)
        #expect(fcntl(child.fd, F_GETFD) & FD_CLOEXEC != 0)
    }
}

@Suite struct GateTests {
    @Test func addressLimits() throws {
        let capacity = MemoryLayout<sockaddr_un>.size - MemoryLayout<sa_family_t>.size
        #expect(capacity == 108)
        let longest = "/" + String(repeating: "a", count: capacity - 2)
        var address = try Gate.makeAddress(longest)
        #expect(address.sun_family == sa_family_t(AF_UNIX))
        let stored = withUnsafeBytes(of: &address.sun_path) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        #expect(stored == longest)

        let tooLong = longest + "b"
        #expect(failure { try Gate.makeAddress(tooLong) } == "socket path too long: \(tooLong)")
        #expect(failure { try Gate.makeAddress(tooLong + "/more") } == "socket path too long: \(tooLong)/more")
    }

    @Test func shortAddress() throws {
        var address = try Gate.makeAddress("/run/x.sock")
        let stored = withUnsafeBytes(of: &address.sun_path) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        #expect(stored == "/run/x.sock")
    }

    /// A gate in a temp directory; `initSide` plays the container's init on
    /// its own thread; returns what `start` (release) reported.
    private func startThroughGate(_ initSide: @escaping @Sendable (Int32) -> Void) throws -> String? {
        try withTempDirectory { dir in
            let dirFD = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            try #require(dirFD >= 0)
            defer { close(dirFD) }
            let listening = try Gate.listen(directoryFD: dirFD, name: "start.sock")
            defer { close(listening) }
            var st = stat()
            #expect(lstat(dir + "/start.sock", &st) == 0 && st.st_mode & S_IFMT == S_IFSOCK)

            let thread = try startThread {
                guard let conn = try? Gate.wait(listening: listening) else { return }
                initSide(conn)
            }
            defer {
                // Wakes a thread still in accept when the test failed early.
                shutdown(listening, Int32(SHUT_RDWR))
                pthread_join(thread, nil)
            }
            let conn = try #require(try Gate.connect(directoryFD: dirFD, name: "start.sock"))
            defer { close(conn) }
            return failure { try Gate.release(connection: conn) }
        }
    }

    @Test func startAfterExec() throws {
        let result = try startThroughGate { conn in
            Gate.announceExec(conn)
            close(conn)  // what close-on-exec does at execve
        }
        #expect(result == nil)
    }

    @Test func initReportsAFailureBeforeExec() throws {
        let result = try startThroughGate { conn in
            Gate.report(conn, error: "exec: \"nope\": executable file not found in $PATH")
            close(conn)
        }
        #expect(result == #"exec: "nope": executable file not found in $PATH"#)
    }

    @Test func initReportsAFailedExec() throws {
        let result = try startThroughGate { conn in
            Gate.announceExec(conn)
            Gate.report(conn, error: "exec /bin/x: Permission denied")
            close(conn)
        }
        #expect(result == "exec /bin/x: Permission denied")
    }

    @Test func initExitsWithoutAWord() throws {
        let result = try startThroughGate { conn in close(conn) }
        #expect(result == "container init exited before starting the process")
    }

    @Test func waitIgnoresAStrayConnection() throws {
        try withTempDirectory { dir in
            let dirFD = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            try #require(dirFD >= 0)
            defer { close(dirFD) }
            let listening = try Gate.listen(directoryFD: dirFD, name: "g")
            defer { close(listening) }
            // A stray client sends the wrong byte and goes away.
            let stray = try #require(try Gate.connect(directoryFD: dirFD, name: "g"))
            var wrong: UInt8 = 0x41
            #expect(send(stray, &wrong, 1, 0) == 1)
            close(stray)
            let thread = try startThread {
                guard let conn = try? Gate.wait(listening: listening) else { return }
                Gate.announceExec(conn)
                close(conn)
            }
            defer {
                shutdown(listening, Int32(SHUT_RDWR))
                pthread_join(thread, nil)
            }
            let conn = try #require(try Gate.connect(directoryFD: dirFD, name: "g"))
            defer { close(conn) }
            #expect(failure { try Gate.release(connection: conn) } == nil)
        }
    }

    @Test func connectWithNobodyWaiting() throws {
        try withTempDirectory { dir in
            let dirFD = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            try #require(dirFD >= 0)
            defer { close(dirFD) }
            #expect(try Gate.connect(directoryFD: dirFD, name: "missing.sock") == nil)
            // A socket file whose listener is gone (init died): refused, also nil.
            let listening = try Gate.listen(directoryFD: dirFD, name: "stale.sock")
            close(listening)
            #expect(try Gate.connect(directoryFD: dirFD, name: "stale.sock") == nil)
            // Binding twice to one name fails with the step and errno.
            let again = try Gate.listen(directoryFD: dirFD, name: "busy.sock")
            defer { close(again) }
            #expect(failure { try Gate.listen(directoryFD: dirFD, name: "busy.sock") } == "bind start gate: Address already in use")
        }
    }
}
