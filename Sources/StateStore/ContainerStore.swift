import CShim
import Glibc
import LinuxCore
import OCISpec

/// The state store: one directory per container under the runtime's root.
///
///     <root>/<id>/state.json   ContainerRecord, written atomically
///     <root>/<id>/config.json  the config as it was at create
///     <root>/<id>/start.sock   the start gate, present while "created"
///     <root>/<id>/resources.json  linux.resources after the last `update`
///
/// Uniqueness comes from mkdir; every command that changes a container holds
/// an exclusive flock on its directory.
public struct ContainerStore: Sendable {
    public static let defaultRoot = "/run/swiftlet"
    /// A container id is a directory name: at most NAME_MAX bytes.
    public static let maxIDLength = 255

    public let root: String

    public init(root: String) {
        self.root = root
    }

    public func directory(_ id: String) -> String { root + "/" + id }
    public func statePath(_ id: String) -> String { directory(id) + "/state.json" }
    public func configPath(_ id: String) -> String { directory(id) + "/config.json" }
    public func gatePath(_ id: String) -> String { directory(id) + "/start.sock" }
    /// The resources as `update` last left them (absent before any update).
    public func resourcesPath(_ id: String) -> String { directory(id) + "/resources.json" }

    /// Ids are file names: not empty, no "/", not "." or "..", printable,
    /// not too long.
    public static func validate(id: String) throws(RuntimeError) {
        if id.isEmpty { throw RuntimeError("invalid container id: empty") }
        if id.utf8.count > maxIDLength { throw RuntimeError("invalid container id: longer than \(maxIDLength) bytes") }
        if id == "." || id == ".." { throw RuntimeError("invalid container id \(id.debugDescription)") }
        for scalar in id.unicodeScalars {
            let ok = (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || (scalar >= "0" && scalar <= "9")
                || scalar == "-" || scalar == "_" || scalar == "." || scalar == "+"
            if !ok { throw RuntimeError("invalid container id \(id.debugDescription): only letters, digits and -_.+ are allowed") }
        }
    }

    /// Makes the container's directory (failing when the id is taken) and
    /// locks it.
    public func create(id: String) throws(RuntimeError) -> ContainerLock {
        try Self.validate(id: id)
        if mkdir(root, 0o700) != 0 && currentErrno() != EEXIST {
            try FileIO.makeDirectories(root, mode: 0o700)
        }
        let dir = directory(id)
        if mkdir(dir, 0o711) != 0 {
            let code = currentErrno()
            if code == EEXIST { throw RuntimeError("container with id exists: \(id)") }
            throw RuntimeError.sys("mkdir(\(dir))", code)
        }
        do {
            return try ContainerLock(directory: dir)
        } catch {
            rmdir(dir)
            throw error
        }
    }

    /// Locks an existing container's directory.
    public func lock(id: String) throws(RuntimeError) -> ContainerLock {
        try Self.validate(id: id)
        do {
            return try ContainerLock(directory: directory(id))
        } catch {
            if error.errno == ENOENT || error.errno == ENOTDIR { throw Self.notExist(id) }
            throw error
        }
    }

    public static func notExist(_ id: String) -> RuntimeError {
        RuntimeError("container \"\(id)\" does not exist", errno: ENOENT)
    }

    public func exists(id: String) -> Bool {
        FileIO.isDirectory(directory(id))
    }

    /// Reads a container's record.
    public func load(id: String) throws(RuntimeError) -> ContainerRecord {
        try Self.validate(id: id)
        guard let bytes = try FileIO.readIfExists(statePath(id)) else {
            throw Self.notExist(id)
        }
        do {
            return try OCIJSON.decode(ContainerRecord.self, from: bytes, name: "state.json")
        } catch {
            throw RuntimeError("state of container \(id.debugDescription) is unreadable (\(statePath(id))): \(error)")
        }
    }

    /// Writes a container's record atomically.
    public func save(_ record: ContainerRecord) throws(RuntimeError) {
        let bytes: [UInt8]
        do {
            bytes = try OCIJSON.encode(record, pretty: false)
        } catch {
            throw RuntimeError("encode state of \(record.id): \(error)")
        }
        try FileIO.writeAtomic(statePath(record.id), bytes)
    }

    /// Removes the container's directory and everything in it.
    public func remove(id: String) throws(RuntimeError) {
        try Self.validate(id: id)
        try FileIO.removeTree(directory(id))
    }

    /// Ids of every container directory under the root, sorted. Names that
    /// are no valid id (the seccomp cache's) are not containers.
    public func list() throws(RuntimeError) -> [String] {
        guard FileIO.isDirectory(root) else {
            // No root yet: no containers. A root that is something else is an error.
            if FileIO.exists(root) { throw RuntimeError("--root \(root): not a directory", errno: ENOTDIR) }
            return []
        }
        return try FileIO.listDirectory(root).filter { name in
            (try? Self.validate(id: name)) != nil && FileIO.isDirectory(directory(name))
        }.sorted()
    }
}

/// An exclusive flock on a container directory, held until `release()` or
/// process exit.
public struct ContainerLock: Sendable {
    public let directory: String
    public let fd: Int32

    init(directory: String) throws(RuntimeError) {
        self.directory = directory
        fd = try sys("open(\(directory))") { sl_open_mode(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0) }
        do {
            try sys("lock \(directory)") { flock(fd, LOCK_EX) }
        } catch {
            close(fd)
            throw error
        }
    }

    public func release() {
        close(fd)
    }
}
