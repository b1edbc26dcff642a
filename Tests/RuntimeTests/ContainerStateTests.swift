import CShim
import FoundationEssentials
import Glibc
import LinuxCore
import OCISpec
import StateStore
import Testing
@testable import Runtime

@Suite struct OCIStateTests {
    @Test func keyOrderWithoutAnnotations() throws {
        let text = Container.ociState(id: "c1", status: "created", pid: 4242, bundle: "/bundles/c1", annotations: nil, ociVersion: "1.3.0")
        #expect(text == #"{"ociVersion":"1.3.0","id":"c1","status":"created","pid":4242,"bundle":"/bundles/c1"}"#)
        let state = try JSONDecoder().decode(State.self, from: Data(text.utf8))
        #expect(state == State(ociVersion: "1.3.0", id: "c1", status: "created", pid: 4242, bundle: "/bundles/c1"))
    }

    @Test func emptyAnnotationsAreLeftOut() {
        let text = Container.ociState(id: "c", status: "running", pid: 1, bundle: "/b", annotations: [:], ociVersion: "1.0.2")
        #expect(text == #"{"ociVersion":"1.0.2","id":"c","status":"running","pid":1,"bundle":"/b"}"#)
    }

    @Test func annotationsLastAndSorted() throws {
        let annotations = ["zz": "last", "aa": "first", "mid.dle/key": "with \"quotes\"\n"]
        let text = Container.ociState(id: "c2", status: "stopped", pid: 0, bundle: "/b \"x\"", annotations: annotations, ociVersion: "1.3.0")
        #expect(text == #"{"ociVersion":"1.3.0","id":"c2","status":"stopped","pid":0,"bundle":"/b \"x\"","annotations":{"aa":"first","mid.dle/key":"with \"quotes\"\n","zz":"last"}}"#)
        let state = try JSONDecoder().decode(State.self, from: Data(text.utf8))
        #expect(state.annotations == annotations)
        #expect(state.bundle == "/b \"x\"")
    }

    private func container(_ store: ContainerStore, pid: Int32, startTime: UInt64, annotations: [String: String]? = nil) -> Container {
        let record = ContainerRecord(id: "c3", pid: pid, pidStartTime: startTime, bundle: "/bundles/c3", rootfs: "/bundles/c3/rootfs",
                                     created: "2026-01-02T03:04:05Z", ociVersion: "1.3.0", annotations: annotations)
        return Container(store: store, record: record)
    }

    @Test func instanceStateHidesThePidOnceStopped() {
        let store = ContainerStore(root: "/nonexistent-swiftlet-root")
        let c = container(store, pid: 999, startTime: 1, annotations: ["k": "v"])
        #expect(c.ociState(status: .running) == #"{"ociVersion":"1.3.0","id":"c3","status":"running","pid":999,"bundle":"/bundles/c3","annotations":{"k":"v"}}"#)
        #expect(c.ociState(status: .stopped) == #"{"ociVersion":"1.3.0","id":"c3","status":"stopped","pid":0,"bundle":"/bundles/c3","annotations":{"k":"v"}}"#)
    }

    @Test func statusFromLiveFacts() throws {
        try withTempDirectory { dir in
            let store = ContainerStore(root: dir)
            try store.create(id: "c3").release()
            let me = try #require(ProcessStat.read(pid: getpid()))
            #expect(container(store, pid: 0, startTime: 0).status == .creating)
            #expect(container(store, pid: getpid(), startTime: me.startTime + 1).status == .stopped)
            #expect(container(store, pid: getpid(), startTime: me.startTime).status == .running)
            try writeFile(store.gatePath("c3"), "")
            #expect(container(store, pid: getpid(), startTime: me.startTime).status == .created)
        }
    }

    @Test func stateDocumentKeyOrder() throws {
        try withTempDirectory { dir in
            let store = ContainerStore(root: dir)
            try store.create(id: "c3").release()
            let c = container(store, pid: 0, startTime: 0, annotations: ["b": "2", "a": "1"])
            let text = JSONOut.render(c.stateDocument())
            let owner = UserNames.name(of: getuid())
            #expect(text == #"{"ociVersion":"1.3.0","id":"c3","pid":0,"status":"creating","bundle":"/bundles/c3","rootfs":"/bundles/c3/rootfs","created":"2026-01-02T03:04:05Z","owner":"\#(owner)","annotations":{"a":"1","b":"2"}}"#)
        }
    }

    @Test func userNames() {
        #expect(UserNames.name(of: 0) == "root")
        #expect(UserNames.name(of: 3_999_999_999) == "#3999999999")
    }
}

@Suite struct ChildWatchTests {
    @Test(arguments: [
        (0, 0, "exit status 0"),
        (3 << 8, 3, "exit status 3"),
        (255 << 8, 255, "exit status 255"),
        (9, 137, "killed by SIGKILL"),
        (15, 143, "killed by SIGTERM"),
        (0x80 | 11, 139, "killed by SIGSEGV"),
        (40, 168, "killed by signal 40"),
    ] as [(Int32, Int32, String)])
    func statusDecoding(status: Int32, code: Int32, text: String) {
        #expect(ChildWatch.exitCode(status) == code)
        #expect(ChildWatch.describe(status) == text)
    }

    @Test func reapsARealExit() throws {
        let pid = fork()
        try #require(pid >= 0)
        if pid == 0 { _exit(7) }
        let status = ChildWatch.reap(pid)
        #expect(ChildWatch.exitCode(status) == 7)
        #expect(ChildWatch.describe(status) == "exit status 7")
        #expect(ChildWatch.reap(pid) == -1)  // already reaped
    }

    @Test func reapsARealKill() throws {
        let pid = fork()
        try #require(pid >= 0)
        if pid == 0 {
            while true { pause() }
        }
        kill(pid, SIGKILL)
        let status = ChildWatch.reap(pid)
        #expect(ChildWatch.exitCode(status) == 137)
        #expect(ChildWatch.describe(status) == "killed by SIGKILL")
    }

    @Test func collectsOutputUntilExit() throws {
        var fds: [Int32] = [-1, -1]
        try #require(sl_pipe_cloexec(&fds) == 0)
        let message = Array("hello from the child\n".utf8)
        let pid = fork()
        try #require(pid >= 0)
        if pid == 0 {
            close(fds[0])
            _ = message.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
            _exit(0)
        }
        close(fds[1])
        defer { close(fds[0]) }
        let outcome = ChildWatch.collect(pid: pid, input: -1, bytes: [], output: fds[0], timeoutMillis: 10_000)
        #expect(!outcome.timedOut)
        #expect(outcome.output == message)
        #expect(ChildWatch.exitCode(ChildWatch.reap(pid)) == 0)
    }

    @Test func collectTimesOut() throws {
        var fds: [Int32] = [-1, -1]
        try #require(sl_pipe_cloexec(&fds) == 0)
        let pid = fork()
        try #require(pid >= 0)
        if pid == 0 {
            while true { pause() }
        }
        close(fds[1])
        defer { close(fds[0]) }
        var start = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        let timedOut = ChildWatch.collect(pid: pid, input: -1, bytes: [], output: fds[0], timeoutMillis: 200).timedOut
        var end = timespec()
        clock_gettime(CLOCK_MONOTONIC, &end)
        kill(pid, SIGKILL)
        ChildWatch.reap(pid)
        #expect(timedOut)
        let elapsed = (end.tv_sec - start.tv_sec) * 1000 + (end.tv_nsec - start.tv_nsec) / 1_000_000
        #expect(elapsed >= 190 && elapsed < 2000, "\(elapsed) ms")
    }
}
