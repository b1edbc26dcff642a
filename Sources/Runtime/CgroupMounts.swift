import Cgroups
import LinuxCore
import Sandbox

/// What a "cgroup" mount shows inside the container, from the container's
/// cgroup directories.
enum CgroupMounts {
    static func source(for cgroups: CgroupManager, namespaced: Bool) -> CgroupMountSource {
        if cgroups.host.mode == .unified {
            return .unified(hostPath: cgroups.unifiedPath ?? "", namespaced: namespaced)
        }
        var hierarchies = [CgroupHierarchyMount]()
        for hierarchy in cgroups.host.hierarchies {
            guard let path = cgroups.paths[hierarchy.name] else { continue }
            let name = Path.basename(hierarchy.mountPoint)
            if hierarchy.isUnified {
                hierarchies.append(CgroupHierarchyMount(name: name, hostPath: path, fsType: "cgroup2", fsOptions: []))
            } else {
                let parts = name.split(separator: ",").map(String.init)
                hierarchies.append(CgroupHierarchyMount(name: name, hostPath: path, fsType: "cgroup", fsOptions: hierarchy.controllers,
                                                        aliases: parts.count > 1 ? parts : []))
            }
        }
        return .hybrid(hierarchies, namespaced: namespaced)
    }
}
