import CShim
import Glibc
import LinuxCore
import OCISpec
import Security
import StateStore

/// SCMP_ACT_NOTIFY: the listener fd goes to the agent at
/// linux.seccomp.listenerPath with the container process state (runtime-spec
/// config-linux.md), one message, the fd as SCM_RIGHTS, as runc sends it.
enum SeccompAgent {
    /// For the container's init, during create.
    static func send(listener: Int32, program: SeccompProgram?, pid: Int32, plan: InitPlan) throws(RuntimeError) {
        let state = State(ociVersion: plan.spec.ociVersion, id: plan.id, status: "creating", pid: Int(pid), bundle: plan.bundle,
                          annotations: plan.spec.annotations)
        try send(listener: listener, program: program, pid: pid, state: state)
    }

    /// For an exec'd process: the container's state, the new process's pid.
    static func send(listener: Int32, program: SeccompProgram?, pid: Int32, id: String, status: String,
                     record: ContainerRecord) throws(RuntimeError) {
        let state = State(ociVersion: record.ociVersion, id: id, status: status, pid: Int(record.pid), bundle: record.bundle,
                          annotations: record.annotations)
        try send(listener: listener, program: program, pid: pid, state: state)
    }

    static func send(listener: Int32, program: SeccompProgram?, pid: Int32, state: State) throws(RuntimeError) {
        guard let path = program?.listenerPath else { throw RuntimeError("linux.seccomp.listenerPath: missing") }
        let message = ContainerProcessState(ociVersion: state.ociVersion, fds: ["seccompFd"], pid: Int(pid),
                                            metadata: program?.listenerMetadata, state: state)
        let bytes: [UInt8]
        do {
            bytes = try OCIJSON.encode(message, pretty: false)
        } catch {
            throw RuntimeError("encode the seccomp agent message: \(error)")
        }
        let fd = try sys("seccomp agent \(path): socket") { socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        defer { close(fd) }
        var address = try Gate.makeAddress(path)
        try sys("connect to the seccomp agent at \(path)") {
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
        }
        try sys("send the seccomp listener to \(path)") { bytes.withUnsafeBytes { sl_send_fd(fd, $0.baseAddress, $0.count, listener) } }
    }
}
