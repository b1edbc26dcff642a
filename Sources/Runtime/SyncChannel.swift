import CShim
import Glibc
import LinuxCore

/// Messages between the runtime (parent) and the container's init while it
/// is being set up. A SOCK_SEQPACKET pair keeps message boundaries, so each
/// message is one send: a tag byte, then a UTF-8 payload, and at most one fd.
enum SyncMessage: Equatable {
    /// parent -> init: uid/gid maps and cgroup are in place; the payload is
    /// init's pid as the host sees it.
    case proceed(hostPid: Int32)
    /// init -> parent: run the prestart and createRuntime hooks now.
    case runHooks
    /// parent -> init: the hooks ran.
    case hooksDone
    /// init -> parent: a child of init is the real init (an extra fork was
    /// needed to enter a pid namespace); its pid.
    case initPid(Int32)
    /// init -> parent: an fd for the parent to pass on (payload says which).
    case fd(String, Int32)
    /// init -> parent: set-up done, waiting at the gate.
    case ready
    /// init -> parent: set-up failed.
    case error(String)
    /// parent -> init: init is in its cgroups now (placement overlaps with
    /// init's set-up; init waits for this before user code can run).
    case cgroupsJoined

    var tag: UInt8 {
        switch self {
        case .proceed: 1
        case .runHooks: 2
        case .hooksDone: 3
        case .initPid: 4
        case .fd: 5
        case .ready: 6
        case .error: 7
        case .cgroupsJoined: 8
        }
    }
}

struct SyncChannel {
    let fd: Int32

    /// A connected pair; both ends close-on-exec.
    static func pair() throws(RuntimeError) -> (parent: SyncChannel, child: SyncChannel) {
        var fds: [Int32] = [-1, -1]
        try sys("socketpair for init sync") { socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) }
        return (SyncChannel(fd: fds[0]), SyncChannel(fd: fds[1]))
    }

    func send(_ message: SyncMessage) throws(RuntimeError) {
        var payload: [UInt8]
        var passFD: Int32 = -1
        switch message {
        case .proceed(let pid): payload = Array(String(pid).utf8)
        case .initPid(let pid): payload = Array(String(pid).utf8)
        case .fd(let name, let fd): payload = Array(name.utf8); passFD = fd
        case .error(let text): payload = Array(text.utf8)
        case .runHooks, .hooksDone, .ready, .cgroupsJoined: payload = []
        }
        payload.insert(message.tag, at: 0)
        try sys("send to init sync socket") { payload.withUnsafeBytes { sl_send_fd(fd, $0.baseAddress, $0.count, passFD) } }
    }

    /// The next message; nil when the other end is gone.
    func receive() throws(RuntimeError) -> SyncMessage? {
        var buffer = [UInt8](repeating: 0, count: 65536)
        var passed: Int32 = -1
        // A peer that exits with our messages unread resets the connection;
        // the kernel reports that once, before what the peer sent last (its
        // error, typically), which the next call returns.
        var resets = 0
        let n = try sys("receive from init sync socket") {
            var r = buffer.withUnsafeMutableBytes { sl_recv_fd(fd, $0.baseAddress, $0.count, &passed) }
            while r < 0 && currentErrno() == ECONNRESET && resets < 2 {
                resets += 1
                r = buffer.withUnsafeMutableBytes { sl_recv_fd(fd, $0.baseAddress, $0.count, &passed) }
            }
            return r
        }
        if n == 0 { return nil }
        let text = String(decoding: buffer[1..<n], as: UTF8.self)
        switch buffer[0] {
        case 1: return .proceed(hostPid: Int32(text) ?? 0)
        case 2: return .runHooks
        case 3: return .hooksDone
        case 4: return .initPid(Int32(text) ?? 0)
        case 5: return .fd(text, passed)
        case 6: return .ready
        case 7: return .error(text)
        case 8: return .cgroupsJoined
        default: throw RuntimeError("init sync socket: unknown message \(buffer[0])")
        }
    }

    /// The error the other side already reported, if any, without waiting:
    /// when a step toward a child fails because it exited, its own reason
    /// is the one to show.
    func pendingError() -> String? {
        while true {
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, 0) > 0, let message = try? receive() else { return nil }
            if case .error(let text) = message { return text }
            if case .fd(_, let passed) = message, passed >= 0 { Glibc.close(passed) }
        }
    }

    /// Runs a step that talks to the child; if it fails and the child had
    /// already reported an error, that error is thrown instead.
    func preferChildError<T>(_ body: () throws(RuntimeError) -> T) throws(RuntimeError) -> T {
        do {
            return try body()
        } catch {
            if let text = pendingError() { throw RuntimeError(text) }
            throw error
        }
    }

    /// Waits for one specific message; an error message or EOF is thrown.
    func expect(_ wanted: SyncMessage, while step: String) throws(RuntimeError) {
        guard let message = try receive() else { throw RuntimeError("\(step): the other side exited") }
        if case .error(let text) = message { throw RuntimeError(text) }
        if message != wanted { throw RuntimeError("\(step): unexpected message \(message)") }
    }

    func close() { _ = Glibc.close(fd) }
}

/// The child's side of the channel: like SyncChannel, but it remembers the
/// parent's `cgroupsJoined`, which may arrive before what the child waits
/// for next.
final class ChildChannel {
    let channel: SyncChannel
    private(set) var cgroupsJoined = false

    init(_ channel: SyncChannel) {
        self.channel = channel
    }

    func send(_ message: SyncMessage) throws(RuntimeError) { try channel.send(message) }
    func close() { channel.close() }

    /// The next message other than `cgroupsJoined`.
    func receive() throws(RuntimeError) -> SyncMessage? {
        while let message = try channel.receive() {
            if message == .cgroupsJoined {
                cgroupsJoined = true
                continue
            }
            return message
        }
        return nil
    }

    func expect(_ wanted: SyncMessage, while step: String) throws(RuntimeError) {
        guard let message = try receive() else { throw RuntimeError("\(step): the runtime went away") }
        if case .error(let text) = message { throw RuntimeError(text) }
        if message != wanted { throw RuntimeError("\(step): unexpected message \(message)") }
    }

    /// Blocks until the parent has placed us in our cgroups.
    func waitForCgroups() throws(RuntimeError) {
        while !cgroupsJoined {
            guard let message = try channel.receive() else { throw RuntimeError("waiting for cgroups: the runtime went away") }
            if message == .cgroupsJoined { cgroupsJoined = true } else {
                throw RuntimeError("waiting for cgroups: unexpected message \(message)")
            }
        }
    }
}
