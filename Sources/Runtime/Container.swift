import Cgroups
import Glibc
import LinuxCore
import OCISpec
import StateStore

/// A container as the store and the live system describe it.
public struct Container {
    public enum Status: String, Sendable {
        case creating, created, running, paused, stopped
    }

    public let store: ContainerStore
    public let record: ContainerRecord

    public var id: String { record.id }

    /// Reads a container's record; `container "ID" does not exist` if none.
    public static func load(_ store: ContainerStore, id: String) throws(RuntimeError) -> Container {
        Container(store: store, record: try store.load(id: id))
    }

    /// The status, from live facts: init's pid and start time (against pid
    /// reuse), the start gate, the freezer.
    public var status: Status {
        if record.pid <= 0 { return .creating }
        guard Proc.isAlive(pid: record.pid, startTime: record.pidStartTime) else { return .stopped }
        if FileIO.exists(store.gatePath(id)) { return .created }
        if (try? cgroups.isFrozen()) == true { return .paused }
        return .running
    }

    /// The container's cgroups, as recorded at create.
    public var cgroups: CgroupManager { CgroupManager(recordedPaths: record.cgroupPaths) }

    /// The config as it was at create.
    public func config() throws(RuntimeError) -> Spec {
        let bytes = try FileIO.read(store.configPath(id))
        do {
            return try Spec.decode(bytes, name: "saved config.json")
        } catch {
            throw RuntimeError("\(error)")
        }
    }

    /// Whether the config saved at create has a process, and its hooks:
    /// all that start and delete need, without decoding the whole config.
    public func outline() throws(RuntimeError) -> SpecOutline {
        let bytes = try FileIO.read(store.configPath(id))
        do {
            return try Spec.decodeOutline(bytes, name: "saved config.json")
        } catch {
            throw RuntimeError("\(error)")
        }
    }

    /// The OCI state (runtime.md), as given to hooks on stdin.
    public func ociState(status: Status) -> String {
        Self.ociState(id: record.id, status: status.rawValue, pid: status == .stopped ? 0 : record.pid,
                      bundle: record.bundle, annotations: record.annotations, ociVersion: record.ociVersion)
    }

    static func ociState(id: String, status: String, pid: Int32, bundle: String, annotations: [String: String]?, ociVersion: String) -> String {
        var fields: [(String, JSONOut.Value)] = [
            ("ociVersion", .string(ociVersion)), ("id", .string(id)), ("status", .string(status)),
            ("pid", .int(Int64(pid))), ("bundle", .string(bundle)),
        ]
        if let annotations, !annotations.isEmpty {
            fields.append(("annotations", .object(annotations.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })))
        }
        return JSONOut.render(.object(fields))
    }

    /// What `state` prints: the OCI state plus runc's rootfs, created, owner.
    public func stateDocument() -> JSONOut.Value {
        let status = self.status
        var fields: [(String, JSONOut.Value)] = [
            ("ociVersion", .string(record.ociVersion)), ("id", .string(id)),
            ("pid", .int(Int64(status == .stopped ? 0 : record.pid))), ("status", .string(status.rawValue)),
            ("bundle", .string(record.bundle)), ("rootfs", .string(record.rootfs)),
            ("created", .string(record.created)), ("owner", .string(owner)),
        ]
        if let annotations = record.annotations, !annotations.isEmpty {
            fields.append(("annotations", .object(annotations.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })))
        }
        return .object(fields)
    }

    /// The user owning the state directory, by name when /etc/passwd knows it.
    public var owner: String {
        if !record.owner.isEmpty { return record.owner }
        var st = stat()
        guard stat(store.directory(id), &st) == 0 else { return "" }
        return UserNames.name(of: st.st_uid)
    }
}

enum UserNames {
    static func name(of uid: uid_t) -> String {
        if let text = try? FileIO.readString("/etc/passwd") {
            for line in text.split(separator: "\n") {
                let fields = line.split(separator: ":", omittingEmptySubsequences: false)
                if fields.count > 2, UInt32(fields[2]) == uid { return String(fields[0]) }
            }
        }
        return "#\(uid)"
    }
}
