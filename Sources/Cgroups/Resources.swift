import LinuxCore
import OCISpec

/// linux.resources applied to the container's cgroup.
public enum CgroupResources {
    /// Refuses resources this version cannot apply on this host, before
    /// anything is created.
    public static func checkSupported(_ resources: LinuxResources?, host: CgroupHost) throws(RuntimeError) {
        guard let resources else { return }
        func refuse(_ field: String) throws(RuntimeError) {
            throw RuntimeError("linux.resources.\(field): not supported yet by swiftlet")
        }
        if resources.memory != nil { try refuse("memory") }
        if resources.cpu != nil { try refuse("cpu") }
        if resources.pids != nil { try refuse("pids") }
        if resources.blockIO != nil { try refuse("blockIO") }
        if !(resources.hugepageLimits ?? []).isEmpty { try refuse("hugepageLimits") }
        if resources.network != nil { try refuse("network") }
        if !(resources.rdma ?? [:]).isEmpty { try refuse("rdma") }
        if !(resources.unified ?? [:]).isEmpty { try refuse("unified") }
        if !(resources.devices ?? []).isEmpty && host.mode == .unified {
            try refuse("devices (cgroup v2 device programs)")
        }
        _ = try DeviceRules.rules(resources.devices)
    }

    public static func apply(_ resources: LinuxResources?, to cgroups: CgroupManager) throws(RuntimeError) {
        guard let resources else { return }
        if let devices = resources.devices, !devices.isEmpty, let dir = cgroups.path(for: "devices") {
            for rule in try DeviceRules.rules(devices) {
                let file = rule.allow ? "devices.allow" : "devices.deny"
                try FileIO.writeValue(dir + "/" + file, rule.v1Line)
            }
        }
    }
}
