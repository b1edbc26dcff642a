/// The state of a container as defined by runtime.md (also passed to hooks on stdin).
public struct State: Codable, Sendable, Equatable {
    public var ociVersion: String
    public var id: String
    /// Usually a `ContainerStatus` raw value; runtimes may define others.
    public var status: String
    /// Required when status is `created` or `running`.
    public var pid: Int?
    /// Absolute path of the bundle directory.
    public var bundle: String
    public var annotations: [String: String]?

    public init(
        ociVersion: String = SpecConstants.ociVersion, id: String, status: String, pid: Int? = nil,
        bundle: String, annotations: [String: String]? = nil
    ) {
        self.ociVersion = ociVersion
        self.id = id
        self.status = status
        self.pid = pid
        self.bundle = bundle
        self.annotations = annotations
    }

    public init(
        ociVersion: String = SpecConstants.ociVersion, id: String, status: ContainerStatus, pid: Int? = nil,
        bundle: String, annotations: [String: String]? = nil
    ) {
        self.init(ociVersion: ociVersion, id: id, status: status.rawValue, pid: pid, bundle: bundle, annotations: annotations)
    }

    /// The typed status, nil for a runtime-defined value.
    public var containerStatus: ContainerStatus? { ContainerStatus(rawValue: status) }
}

/// The statuses runtime.md defines.
public enum ContainerStatus: String, CaseIterable, Sendable {
    case creating, created, running, stopped
}

/// What the runtime sends to a seccomp agent over `listenerPath` (config-linux.md).
public struct ContainerProcessState: Codable, Sendable, Equatable {
    public var ociVersion: String
    /// Names of the passed file descriptors, e.g. `["seccompFd"]`.
    public var fds: [String]?
    public var pid: Int
    /// `linux.seccomp.listenerMetadata`.
    public var metadata: String?
    public var state: State

    public init(
        ociVersion: String = SpecConstants.ociVersion, fds: [String]? = nil, pid: Int,
        metadata: String? = nil, state: State
    ) {
        self.ociVersion = ociVersion
        self.fds = fds
        self.pid = pid
        self.metadata = metadata
        self.state = state
    }
}
