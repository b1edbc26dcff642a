/// Global flags that reach the library (runc's --root, --systemd-cgroup).
public struct RuntimeOptions: Sendable {
    public var root: String
    public var systemdCgroup: Bool

    public init(root: String, systemdCgroup: Bool = false) {
        self.root = root
        self.systemdCgroup = systemdCgroup
    }
}

/// `create` and `run` flags.
public struct CreateOptions: Sendable {
    public var id: String
    public var bundle: String
    public var pidFile: String?
    public var consoleSocket: String?
    public var noPivot = false
    public var noNewKeyring = false
    public var preserveFDs = 0
    /// true for create and run -d: init becomes a child of the caller.
    /// false for a foreground run: init stays our child and we wait for it.
    public var detach = true

    public init(id: String, bundle: String) {
        self.id = id
        self.bundle = bundle
    }
}
