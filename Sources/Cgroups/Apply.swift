import CShim
import Glibc
import LinuxCore

extension CgroupManager {
    /// The container's directory for a controller of the given flavor.
    func directory(for controller: String, flavor: CgroupFlavor) -> String? {
        flavor == .v2 ? unifiedPath : path(for: controller)
    }

    /// Writes a resource plan into the container's cgroup. With `update`,
    /// memory.checkBeforeUpdate refuses a limit below current usage.
    public func apply(_ plan: ResourcePlan, update: Bool = false) throws(RuntimeError) {
        if update && plan.checkMemoryBeforeUpdate, let limit = plan.memoryLimit, limit > 0, let usage = memoryUsage(), limit < usage {
            throw RuntimeError("linux.resources.memory.limit: \(limit) is below the current usage \(usage) (checkBeforeUpdate)")
        }
        for setting in ordered(plan.settings) {
            try write(setting)
        }
        if let rules = plan.devices {
            try applyDevices(rules, flavor: plan.devicesFlavor)
        }
    }

    private func write(_ setting: CgroupSetting) throws(RuntimeError) {
        guard let dir = directory(for: setting.controller, flavor: setting.flavor) else {
            throw RuntimeError("\(setting.field): the container has no \(setting.controller) cgroup")
        }
        if setting.flavor == .v2 && setting.controller != "cgroup" {
            let enabled = (try? FileIO.readString(dir + "/cgroup.controllers"))?.split(whereSeparator: { $0 == " " || $0 == "\n" }) ?? []
            guard enabled.contains(Substring(setting.controller)) else {
                throw RuntimeError("\(setting.field): the \(setting.controller) controller is not enabled for \(dir) (its parent's cgroup.subtree_control lacks it)")
            }
        }
        guard let target = setting.targets.first(where: { FileIO.exists(dir + "/" + $0.file) }) else {
            if setting.onlyIfPresent { return }
            let names = setting.targets.map(\.file).joined(separator: " or ")
            throw RuntimeError("\(setting.field): \(dir)/\(names) does not exist (this kernel cannot apply it)")
        }
        do {
            try FileIO.writeValue(dir + "/" + target.file, target.value)
        } catch {
            throw RuntimeError("\(setting.field): write \(target.value.debugDescription) to \(dir)/\(target.file): \(errnoText(error.errno ?? EIO))",
                               errno: error.errno)
        }
    }

    /// v1 keeps memory.limit_in_bytes <= memory.memsw.limit_in_bytes at every
    /// step: when the new limit is above the current memsw, memsw goes first.
    private func ordered(_ settings: [CgroupSetting]) -> [CgroupSetting] {
        guard let limitIndex = settings.firstIndex(where: { $0.targets.first?.file == "memory.limit_in_bytes" }),
              let swapIndex = settings.firstIndex(where: { $0.targets.first?.file == "memory.memsw.limit_in_bytes" }),
              let dir = path(for: "memory"),
              let newLimit = Int64(settings[limitIndex].targets[0].value),
              let current = (try? FileIO.readString(dir + "/memory.memsw.limit_in_bytes")).flatMap({ Int64($0.trimmed) })
        else { return settings }
        let limitFirst = newLimit != -1 && newLimit <= current
        if limitFirst == (limitIndex < swapIndex) { return settings }
        var out = settings
        out.swapAt(limitIndex, swapIndex)
        return out
    }

    private func memoryUsage() -> Int64? {
        let file = host.flavor(of: "memory") == .v2 ? (unifiedPath ?? "") + "/memory.current" : (path(for: "memory") ?? "") + "/memory.usage_in_bytes"
        return (try? FileIO.readString(file)).flatMap { Int64($0.trimmed) }
    }

    private func applyDevices(_ rules: [DeviceRules.Rule], flavor: CgroupFlavor) throws(RuntimeError) {
        switch flavor {
        case .v1:
            guard let dir = path(for: "devices") else { throw RuntimeError("linux.resources.devices: the container has no devices cgroup") }
            for rule in rules {
                let file = rule.allow ? "devices.allow" : "devices.deny"
                do {
                    try FileIO.writeValue(dir + "/" + file, rule.v1Line)
                } catch {
                    throw error.context("linux.resources.devices")
                }
            }
        case .v2:
            guard let dir = unifiedPath else { throw RuntimeError("linux.resources.devices: the container has no cgroup v2 directory") }
            do {
                try DeviceProgram.install(rules, cgroup: dir)
            } catch {
                throw error.context("linux.resources.devices")
            }
        }
    }
}
