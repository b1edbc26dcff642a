import Glibc
import LinuxCore
import Testing
@testable import StateStore

/// The description of the error `body` throws, or nil when it returns.
private func failure<T>(_ body: () throws -> T) -> String? {
    do {
        _ = try body()
        return nil
    } catch {
        return "\(error)"
    }
}

/// A store rooted in a fresh temporary directory (the root itself does not
/// exist yet, as on a fresh boot), removed after `body`.
private func withStore<T>(_ body: (ContainerStore) throws -> T) throws -> T {
    var template = Array("/tmp/swiftlet-store-XXXXXX".utf8CString)
    let made: UnsafeMutablePointer<CChar>? = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }
    let dir = String(cString: try #require(made))
    defer { try? FileIO.removeTree(dir) }
    return try body(ContainerStore(root: dir + "/root"))
}

private func sampleRecord(_ id: String) -> ContainerRecord {
    ContainerRecord(id: id, pid: 4242, pidStartTime: 987_654, bundle: "/bundles/\(id)", rootfs: "/bundles/\(id)/rootfs",
                    created: "2026-01-02T03:04:05.123456789Z", ociVersion: "1.3.0", owner: "root",
                    annotations: ["org.example/key": "value"],
                    cgroupPaths: ["unified": "/sys/fs/cgroup/unified/\(id)", "memory": "/sys/fs/cgroup/memory/\(id)"],
                    namespaces: ["network": "/var/run/netns/x", "pid": ""], hasPidNamespace: true, systemdCgroup: false)
}

@Suite struct ContainerIDTests {
    @Test(arguments: [
        "a", "c1", "my-container_1.2+3", "A.B", "..a", "a..", String(repeating: "0123456789abcdef", count: 4),
        String(repeating: "x", count: 255),
    ])
    func acceptsGoodIDs(id: String) throws {
        try ContainerStore.validate(id: id)
    }

    @Test(arguments: [
        ("", "invalid container id: empty"),
        (".", #"invalid container id ".""#),
        ("..", #"invalid container id "..""#),
        ("/", #"invalid container id "/": only letters, digits and -_.+ are allowed"#),
        ("a/b", #"invalid container id "a/b": only letters, digits and -_.+ are allowed"#),
        ("../etc", #"invalid container id "../etc": only letters, digits and -_.+ are allowed"#),
        ("with space", #"invalid container id "with space": only letters, digits and -_.+ are allowed"#),
        ("é", #"invalid container id "é": only letters, digits and -_.+ are allowed"#),
        ("a\nb", #"invalid container id "a\nb": only letters, digits and -_.+ are allowed"#),
        (String(repeating: "a", count: 256), "invalid container id: longer than 255 bytes"),
    ])
    func rejectsBadIDs(id: String, expected: String) {
        #expect(failure { try ContainerStore.validate(id: id) } == expected)
    }

    @Test func everyOperationValidates() throws {
        try withStore { store in
            let expected = #"invalid container id "../x": only letters, digits and -_.+ are allowed"#
            #expect(failure { try store.create(id: "../x") } == expected)
            #expect(failure { try store.lock(id: "../x") } == expected)
            #expect(failure { try store.load(id: "../x") } == expected)
            #expect(failure { try store.remove(id: "../x") } == expected)
        }
    }

    @Test func paths() {
        let store = ContainerStore(root: "/run/swiftlet")
        #expect(store.directory("c1") == "/run/swiftlet/c1")
        #expect(store.statePath("c1") == "/run/swiftlet/c1/state.json")
        #expect(store.configPath("c1") == "/run/swiftlet/c1/config.json")
        #expect(store.gatePath("c1") == "/run/swiftlet/c1/start.sock")
        #expect(ContainerStore.defaultRoot == "/run/swiftlet")
    }
}

@Suite struct ContainerStoreTests {
    @Test func createMakesTheRootAndTheDirectory() throws {
        try withStore { store in
            #expect(!store.exists(id: "c1"))
            let lock = try store.create(id: "c1")
            defer { lock.release() }
            #expect(store.exists(id: "c1"))
            #expect(FileIO.isDirectory(store.root))
            var st = stat()
            #expect(stat(store.root, &st) == 0 && st.st_mode & 0o777 == 0o700)
            #expect(stat(store.directory("c1"), &st) == 0 && st.st_mode & 0o777 == 0o711)
            #expect(lock.directory == store.directory("c1"))
        }
    }

    @Test func createTwiceFails() throws {
        try withStore { store in
            let lock = try store.create(id: "dup")
            lock.release()
            #expect(failure { try store.create(id: "dup") } == "container with id exists: dup")
        }
    }

    @Test func createWithAnIDTooLongForAFileName() throws {
        try withStore { store in
            let id = String(repeating: "a", count: 256)
            let message = try #require(failure { try store.create(id: id) })
            #expect(!message.contains("\n"))
            #expect(message.contains("File name too long") || message.hasPrefix("invalid container id"), "\(message)")
        }
    }

    @Test func loadOfAMissingContainer() throws {
        try withStore { store in
            #expect(failure { try store.load(id: "ghost") } == #"container "ghost" does not exist"#)
            #expect(failure { try store.lock(id: "ghost") } == #"container "ghost" does not exist"#)
            // A directory without state.json (create in progress) also does not exist yet.
            let lock = try store.create(id: "half")
            lock.release()
            #expect(failure { try store.load(id: "half") } == #"container "half" does not exist"#)
            do {
                _ = try store.load(id: "ghost")
            } catch let error as RuntimeError {
                #expect(error.errno == ENOENT)
            }
        }
    }

    @Test func saveLoadRoundTrip() throws {
        try withStore { store in
            let lock = try store.create(id: "round")
            defer { lock.release() }
            let record = sampleRecord("round")
            try store.save(record)
            #expect(try store.load(id: "round") == record)
            #expect(try FileIO.listDirectory(store.directory("round")) == ["state.json"])

            var changed = record
            changed.pid = 1
            changed.annotations = nil
            changed.systemdCgroup = true
            try store.save(changed)
            let loaded = try store.load(id: "round")
            #expect(loaded == changed)
            #expect(loaded.formatVersion == ContainerRecord.currentFormat)
        }
    }

    @Test func savedStateIsJSONWithSortedKeys() throws {
        try withStore { store in
            let lock = try store.create(id: "json")
            defer { lock.release() }
            var record = sampleRecord("json")
            record.namespaces = ["network": "/var/run/netns/x"]  // no nested key named like a top-level one
            try store.save(record)
            let text = try FileIO.readString(store.statePath("json"))
            let keys = ["annotations", "bundle", "cgroupPaths", "created", "formatVersion", "hasPidNamespace", "id",
                        "namespaces", "ociVersion", "owner", "pid", "pidStartTime", "rootfs", "systemdCgroup"]
            let positions = keys.compactMap { text.firstRange(of: "\"\($0)\":")?.lowerBound }
            #expect(positions.count == keys.count)
            #expect(positions == positions.sorted())
            #expect(text.hasPrefix("{") && text.hasSuffix("}"))
        }
    }

    @Test func tolerantDecodingOfAMinimalRecord() throws {
        try withStore { store in
            let lock = try store.create(id: "x")
            defer { lock.release() }
            try FileIO.writeAtomic(store.statePath("x"), Array(#"{"id":"x","pid":3}"#.utf8))
            let record = try store.load(id: "x")
            #expect(record.id == "x")
            #expect(record.pid == 3)
            #expect(record.formatVersion == 0)
            #expect(record.pidStartTime == 0)
            #expect(record.bundle == "")
            #expect(record.rootfs == "")
            #expect(record.created == "")
            #expect(record.ociVersion == "")
            #expect(record.owner == "")
            #expect(record.annotations == nil)
            #expect(record.cgroupPaths == [:])
            #expect(record.namespaces == [:])
            #expect(record.hasPidNamespace == true)
            #expect(record.systemdCgroup == false)
        }
    }

    @Test func tolerantDecodingIgnoresUnknownFields() throws {
        try withStore { store in
            let lock = try store.create(id: "future")
            defer { lock.release() }
            let json = #"{"formatVersion":7,"id":"future","pid":12,"newThing":{"nested":[1,2,{"a":null}]},"bundle":"/b","alsoNew":true}"#
            try FileIO.writeAtomic(store.statePath("future"), Array(json.utf8))
            let record = try store.load(id: "future")
            #expect(record.formatVersion == 7)
            #expect(record.pid == 12)
            #expect(record.bundle == "/b")
            #expect(record.cgroupPaths.isEmpty)
        }
    }

    @Test func emptyObjectDecodesToDefaults() throws {
        try withStore { store in
            let lock = try store.create(id: "empty")
            defer { lock.release() }
            try FileIO.writeAtomic(store.statePath("empty"), Array("{}".utf8))
            let record = try store.load(id: "empty")
            #expect(record.id == "")
            #expect(record.pid == 0)
            #expect(record.hasPidNamespace)
        }
    }

    @Test func unreadableStateIsReportedOnOneLine() throws {
        try withStore { store in
            let lock = try store.create(id: "bad")
            defer { lock.release() }
            try FileIO.writeAtomic(store.statePath("bad"), Array("not json".utf8))
            let message = try #require(failure { try store.load(id: "bad") })
            #expect(message.hasPrefix(#"state of container "bad" is unreadable (\#(store.statePath("bad"))): "#), "\(message)")
            #expect(!message.contains("\n"), "\(message)")

            try FileIO.writeAtomic(store.statePath("bad"), Array(#"{"pid":"not a number"}"#.utf8))
            let typeMessage = try #require(failure { try store.load(id: "bad") })
            #expect(typeMessage.hasPrefix(#"state of container "bad" is unreadable"#))
            #expect(!typeMessage.contains("\n"), "\(typeMessage)")
        }
    }

    @Test func listIsSortedAndSkipsFilesAndNonIDs() throws {
        try withStore { store in
            #expect(try store.list() == [])  // root does not exist yet
            for id in ["zeta", "alpha", "Mid", "b-2", "b-10"] {
                try store.create(id: id).release()
            }
            try FileIO.writeAtomic(store.root + "/stray-file", [1])
            try FileIO.makeDirectories(store.root + "/@seccomp-cache")  // no valid id: not a container
            #expect(try store.list() == ["Mid", "alpha", "b-10", "b-2", "zeta"])
        }
    }

    @Test func removeDeletesEverything() throws {
        try withStore { store in
            let lock = try store.create(id: "gone")
            try store.save(sampleRecord("gone"))
            try FileIO.writeAtomic(store.configPath("gone"), Array("{}".utf8))
            lock.release()
            try store.remove(id: "gone")
            #expect(!store.exists(id: "gone"))
            #expect(try store.list() == [])
            #expect(failure { try store.load(id: "gone") } == #"container "gone" does not exist"#)
            try store.remove(id: "gone")  // already gone: fine
            // The id can be reused.
            try store.create(id: "gone").release()
            #expect(store.exists(id: "gone"))
        }
    }

    @Test func lockIsExclusive() throws {
        try withStore { store in
            let lock = try store.create(id: "locked")
            // flock conflicts between open file descriptions, even in one process.
            let other = open(store.directory("locked"), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            try #require(other >= 0)
            defer { close(other) }
            let result = flock(other, LOCK_EX | LOCK_NB)
            let code = errno
            #expect(result == -1)
            #expect(code == EWOULDBLOCK)
            #expect(flock(other, LOCK_SH | LOCK_NB) == -1)
            lock.release()
            #expect(flock(other, LOCK_EX | LOCK_NB) == 0)
            flock(other, LOCK_UN)
        }
    }

    @Test func lockOfAnExistingContainerIsHeldAgainstAnotherProcess() throws {
        try withStore { store in
            try store.create(id: "c").release()
            let lock = try store.lock(id: "c")
            // A child process tries a non-blocking lock and reports by exit
            // status; it only makes async-signal-safe calls.
            let directory = try #require(strdup(store.directory("c")))
            defer { free(directory) }
            let pid = fork()
            try #require(pid >= 0)
            if pid == 0 {
                let fd = open(directory, O_RDONLY | O_DIRECTORY)
                if fd < 0 { _exit(2) }
                _exit(flock(fd, LOCK_EX | LOCK_NB) == -1 && errno == EWOULDBLOCK ? 0 : 1)
            }
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            #expect(status == 0, "the child could take the lock (status \(status))")
            lock.release()

            // Released: another lock(id:) succeeds at once.
            let again = try store.lock(id: "c")
            again.release()
        }
    }
}
