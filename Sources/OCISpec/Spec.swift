/// The container configuration (`config.json`), runtime-spec 1.3, Linux view.
/// Fields of other platforms (windows, solaris, vm, zos, freebsd) are ignored when decoding.
public struct Spec: Codable, Sendable, Equatable {
    /// Runtime-spec version the bundle complies with (SemVer).
    public var ociVersion: String
    public var process: Process?
    /// REQUIRED on Linux.
    public var root: Root
    public var hostname: String?
    public var domainname: String?
    public var mounts: [Mount]?
    public var hooks: Hooks?
    public var annotations: [String: String]?
    public var linux: Linux?

    public init(
        ociVersion: String, process: Process? = nil, root: Root, hostname: String? = nil,
        domainname: String? = nil, mounts: [Mount]? = nil, hooks: Hooks? = nil,
        annotations: [String: String]? = nil, linux: Linux? = nil
    ) {
        self.ociVersion = ociVersion
        self.process = process
        self.root = root
        self.hostname = hostname
        self.domainname = domainname
        self.mounts = mounts
        self.hooks = hooks
        self.annotations = annotations
        self.linux = linux
    }
}

/// The container's root filesystem.
public struct Root: Codable, Sendable, Equatable {
    /// Absolute, or relative to the bundle directory.
    public var path: String
    public var readonly: Bool?

    public init(path: String, readonly: Bool? = nil) {
        self.path = path
        self.readonly = readonly
    }
}
