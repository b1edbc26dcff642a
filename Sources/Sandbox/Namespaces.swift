import CShim
import Glibc
import LinuxCore
import OCISpec

/// The Linux namespaces a container can have.
public enum NamespaceKind: String, CaseIterable, Sendable {
    case user, mount, pid, network, ipc, uts, cgroup, time

    public init(specType: String) throws(RuntimeError) {
        guard let kind = NamespaceKind(rawValue: specType) else {
            throw RuntimeError("linux.namespaces: unknown namespace type \(specType.debugDescription)")
        }
        self = kind
    }

    public var cloneFlag: Int32 {
        switch self {
        case .user: Int32(SL_CLONE_NEWUSER)
        case .mount: Int32(SL_CLONE_NEWNS)
        case .pid: Int32(SL_CLONE_NEWPID)
        case .network: Int32(SL_CLONE_NEWNET)
        case .ipc: Int32(SL_CLONE_NEWIPC)
        case .uts: Int32(SL_CLONE_NEWUTS)
        case .cgroup: Int32(SL_CLONE_NEWCGROUP)
        case .time: Int32(SL_CLONE_NEWTIME)
        }
    }

    /// The file name under /proc/<pid>/ns/.
    public var procName: String {
        switch self {
        case .user: "user"
        case .mount: "mnt"
        case .pid: "pid"
        case .network: "net"
        case .ipc: "ipc"
        case .uts: "uts"
        case .cgroup: "cgroup"
        case .time: "time"
        }
    }

    /// The file that names the namespace a process's children are born in
    /// (differs from procName for pid and time).
    public var procChildName: String {
        switch self {
        case .pid: "pid_for_children"
        case .time: "time_for_children"
        default: procName
        }
    }
}

/// A namespace to join: an open fd whose type was checked.
public struct NamespaceJoin: Sendable {
    public var kind: NamespaceKind
    public var path: String
    public var fd: Int32
}

/// Which namespaces a container gets: new ones (clone flags) and joined
/// ones (open fds), from linux.namespaces.
public struct NamespacePlan: Sendable {
    public var new: [NamespaceKind] = []
    public var joins: [NamespaceJoin] = []

    public init() {}

    public init(_ namespaces: [LinuxNamespace]) throws(RuntimeError) {
        do {
            try add(namespaces)
        } catch {
            closeAll()
            throw error
        }
    }

    private mutating func add(_ namespaces: [LinuxNamespace]) throws(RuntimeError) {
        var seen = Set<String>()
        for ns in namespaces {
            let kind = try NamespaceKind(specType: ns.type)
            if !seen.insert(kind.rawValue).inserted {
                throw RuntimeError("linux.namespaces: namespace type \(kind.rawValue.debugDescription) listed twice")
            }
            if let path = ns.path, !path.isEmpty {
                joins.append(try Self.open(kind: kind, path: path))
            } else {
                new.append(kind)
            }
        }
    }

    /// Opens a namespace file and checks that it is a namespace of `kind`.
    public static func open(kind: NamespaceKind, path: String) throws(RuntimeError) -> NamespaceJoin {
        let fd = try sys("open \(kind.rawValue) namespace \(path)") { sl_open_mode(path, O_RDONLY | O_CLOEXEC, 0) }
        let type = sl_ioctl(fd, SL_NS_GET_NSTYPE, 0)
        if type < 0 {
            let code = currentErrno()
            close(fd)
            if code == ENOTTY || code == EINVAL {
                throw RuntimeError("namespace path \(path) is not a namespace file (wanted \(kind.rawValue))")
            }
            throw RuntimeError.sys("check namespace type of \(path)", code)
        }
        if type != kind.cloneFlag {
            close(fd)
            let actual = NamespaceKind.allCases.first { $0.cloneFlag == type }?.rawValue ?? "unknown"
            throw RuntimeError("namespace path \(path) is a \(actual) namespace, not \(kind.rawValue)")
        }
        return NamespaceJoin(kind: kind, path: path, fd: fd)
    }

    public func has(_ kind: NamespaceKind) -> Bool {
        new.contains(kind) || joins.contains { $0.kind == kind }
    }

    public func isNew(_ kind: NamespaceKind) -> Bool { new.contains(kind) }

    public func join(_ kind: NamespaceKind) -> NamespaceJoin? { joins.first { $0.kind == kind } }

    /// The clone flags of the new namespaces, optionally leaving some out.
    public func cloneFlags(excluding: Set<NamespaceKind> = []) -> Int32 {
        new.filter { !excluding.contains($0) }.reduce(0) { $0 | $1.cloneFlag }
    }

    /// Joins the given namespaces in the calling process, in the order given.
    public func setns(_ kinds: [NamespaceKind]) throws(RuntimeError) {
        for kind in kinds {
            guard let join = join(kind) else { continue }
            try sys("setns(\(join.path), \(kind.rawValue))") { sl_setns(join.fd, kind.cloneFlag) }
        }
    }

    public func closeAll() {
        for join in joins { close(join.fd) }
    }
}
