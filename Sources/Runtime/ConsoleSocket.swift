import CShim
import Glibc
import LinuxCore

/// runc's console-socket protocol: connect to the unix socket the caller
/// gave, send one message whose payload is the pty's name and whose single
/// SCM_RIGHTS control message carries the pty master.
enum ConsoleSocket {
    static func send(master: Int32, to path: String) throws(RuntimeError) {
        let fd = try sys("console socket \(path): socket") { socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        defer { close(fd) }
        var address = try Gate.makeAddress(path)
        try sys("connect to console socket \(path)") {
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
        }
        let name = Array("/dev/ptmx".utf8)
        try sys("send pty to console socket \(path)") { name.withUnsafeBytes { sl_send_fd(fd, $0.baseAddress, $0.count, master) } }
    }
}
