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

    var tag: UInt8 {
        switch self {
        case .proceed: 1
        case .runHooks: 2
        case .hooksDone: 3
        case .initPid: 4
        case .fd: 5
        case .ready: 6
        case .error: 7
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
        case .runHooks, .hooksDone, .ready: payload = []
        }
        payload.insert(message.tag, at: 0)
        try sys("send to init sync socket") { payload.withUnsafeBytes { sl_send_fd(fd, $0.baseAddress, $0.count, passFD) } }
    }

    /// The next message; nil when the other end is gone.
    func receive() throws(RuntimeError) -> SyncMessage? {
        var buffer = [UInt8](repeating: 0, count: 65536)
        var passed: Int32 = -1
        let n = try sys("receive from init sync socket") { buffer.withUnsafeMutableBytes { sl_recv_fd(fd, $0.baseAddress, $0.count, &passed) } }
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
        default: throw RuntimeError("init sync socket: unknown message \(buffer[0])")
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
