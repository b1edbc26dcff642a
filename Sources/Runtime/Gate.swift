import CShim
import Glibc
import LinuxCore

/// The create -> start gate: a unix socket `<state>/start.sock` made by the
/// runtime at create and inherited by the container's init, which waits in
/// accept(2) after set-up. `start` connects and sends one byte; init execs
/// the user program, and the close-on-exec connection tells `start` that the
/// exec happened (EOF), or init writes why it failed.
///
/// The socket's presence plus a live init is what "created" means.
enum Gate {
    static let startByte: UInt8 = 0x53

    /// Binds and listens, before init is cloned. The path goes through the
    /// state directory's fd so that long --root paths fit in sun_path.
    static func listen(directoryFD: Int32, name: String) throws(RuntimeError) -> Int32 {
        let fd = try sys("socket for start gate") { socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        do {
            var address = try makeAddress("/proc/self/fd/\(directoryFD)/\(name)")
            try sys("bind start gate") {
                withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
                }
            }
            try sys("listen on start gate") { Glibc.listen(fd, 1) }
        } catch {
            close(fd)
            throw error
        }
        return fd
    }

    /// Connects to a container's gate; nil when nobody waits there.
    static func connect(directoryFD: Int32, name: String) throws(RuntimeError) -> Int32? {
        let fd = try sys("socket for start") { socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        var address = try makeAddress("/proc/self/fd/\(directoryFD)/\(name)")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if result != 0 {
            let code = currentErrno()
            close(fd)
            if code == ENOENT || code == ECONNREFUSED { return nil }
            throw RuntimeError.sys("connect to start gate", code)
        }
        return fd
    }

    static func makeAddress(_ path: String) throws(RuntimeError) -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { throw RuntimeError("socket path too long: \(path)") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
            raw[bytes.count] = 0
        }
        return address
    }

    /// init side: waits for `start`. Returns the connection to report on.
    static func wait(listening fd: Int32) throws(RuntimeError) -> Int32 {
        while true {
            let conn = try sys("wait at start gate (accept)") { sl_accept_cloexec(fd) }
            var byte: UInt8 = 0
            let n = recv(conn, &byte, 1, 0)
            if n == 1 && byte == startByte { return conn }
            close(conn)
        }
    }

    /// init side: says it is about to exec. The connection is close-on-exec,
    /// so `start` then sees EOF; if execve fails, the error text follows.
    static func announceExec(_ fd: Int32) {
        var byte: UInt8 = 0
        _ = send(fd, &byte, 1, Int32(MSG_NOSIGNAL))
    }

    static func report(_ fd: Int32, error: String) {
        let bytes = Array(error.utf8)
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// start side: opens the gate and waits until init has exec'd the user
    /// program, or returns the error init reported.
    static func release(connection fd: Int32) throws(RuntimeError) {
        var byte = startByte
        try sys("send start") { send(fd, &byte, 1, Int32(MSG_NOSIGNAL)) }
        let reply = try FileIO.read(fd: fd, name: "start gate")
        guard let first = reply.first else {
            throw RuntimeError("container init exited before starting the process")
        }
        if first != 0 {
            throw RuntimeError(String(decoding: reply, as: UTF8.self))
        }
        if reply.count > 1 {
            throw RuntimeError(String(decoding: reply.dropFirst(), as: UTF8.self))
        }
    }
}
