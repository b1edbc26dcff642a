/// An entry of `mounts`.
public struct Mount: Codable, Sendable, Equatable {
    /// Path inside the container (must be absolute; see validation).
    public var destination: String
    /// Filesystem type; a dummy such as "none" for bind mounts.
    public var type: String?
    public var source: String?
    public var options: [String]?
    /// Id-mapped mount: must be given together with `gidMappings`.
    public var uidMappings: [LinuxIDMapping]?
    public var gidMappings: [LinuxIDMapping]?

    public init(
        destination: String, type: String? = nil, source: String? = nil, options: [String]? = nil,
        uidMappings: [LinuxIDMapping]? = nil, gidMappings: [LinuxIDMapping]? = nil
    ) {
        self.destination = destination
        self.type = type
        self.source = source
        self.options = options
        self.uidMappings = uidMappings
        self.gidMappings = gidMappings
    }
}
