/// Lifecycle hooks, each list run in order.
public struct Hooks: Codable, Sendable, Equatable {
    /// Deprecated in favour of createRuntime/createContainer/startContainer.
    public var prestart: [Hook]?
    public var createRuntime: [Hook]?
    public var createContainer: [Hook]?
    public var startContainer: [Hook]?
    public var poststart: [Hook]?
    public var poststop: [Hook]?

    public init(
        prestart: [Hook]? = nil, createRuntime: [Hook]? = nil, createContainer: [Hook]? = nil,
        startContainer: [Hook]? = nil, poststart: [Hook]? = nil, poststop: [Hook]? = nil
    ) {
        self.prestart = prestart
        self.createRuntime = createRuntime
        self.createContainer = createContainer
        self.startContainer = startContainer
        self.poststart = poststart
        self.poststop = poststop
    }
}

/// One hook command.
public struct Hook: Codable, Sendable, Equatable {
    /// Absolute path of the executable.
    public var path: String
    public var args: [String]?
    public var env: [String]?
    /// Seconds before the hook is aborted; > 0 when set.
    public var timeout: Int?

    public init(path: String, args: [String]? = nil, env: [String]? = nil, timeout: Int? = nil) {
        self.path = path
        self.args = args
        self.env = env
        self.timeout = timeout
    }
}
