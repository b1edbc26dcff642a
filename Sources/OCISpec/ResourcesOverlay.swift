/// `update` semantics (runc's): the fields an update names replace the
/// current ones; everything it leaves out stays as it is.
extension LinuxResources {
    public func overlaid(with update: LinuxResources) -> LinuxResources {
        var out = self
        if let devices = update.devices { out.devices = devices }
        if let memory = update.memory { out.memory = (self.memory ?? LinuxMemory()).overlaid(with: memory) }
        if let cpu = update.cpu { out.cpu = (self.cpu ?? LinuxCPU()).overlaid(with: cpu) }
        if let pids = update.pids { out.pids = pids }
        if let blockIO = update.blockIO { out.blockIO = (self.blockIO ?? LinuxBlockIO()).overlaid(with: blockIO) }
        if let limits = update.hugepageLimits {
            let replaced = Set(limits.map(\.pageSize))
            out.hugepageLimits = (self.hugepageLimits ?? []).filter { !replaced.contains($0.pageSize) } + limits
        }
        if let network = update.network { out.network = network }
        if let rdma = update.rdma { out.rdma = (self.rdma ?? [:]).merging(rdma) { _, new in new } }
        if let unified = update.unified { out.unified = (self.unified ?? [:]).merging(unified) { _, new in new } }
        return out
    }
}

extension LinuxMemory {
    func overlaid(with u: LinuxMemory) -> LinuxMemory {
        var out = self
        if let v = u.limit { out.limit = v }
        if let v = u.reservation { out.reservation = v }
        if let v = u.swap { out.swap = v }
        if let v = u.kernel { out.kernel = v }
        if let v = u.kernelTCP { out.kernelTCP = v }
        if let v = u.swappiness { out.swappiness = v }
        if let v = u.disableOOMKiller { out.disableOOMKiller = v }
        if let v = u.useHierarchy { out.useHierarchy = v }
        if let v = u.checkBeforeUpdate { out.checkBeforeUpdate = v }
        return out
    }
}

extension LinuxCPU {
    func overlaid(with u: LinuxCPU) -> LinuxCPU {
        var out = self
        if let v = u.shares { out.shares = v }
        if let v = u.quota { out.quota = v }
        if let v = u.burst { out.burst = v }
        if let v = u.period { out.period = v }
        if let v = u.realtimeRuntime { out.realtimeRuntime = v }
        if let v = u.realtimePeriod { out.realtimePeriod = v }
        if let v = u.cpus { out.cpus = v }
        if let v = u.mems { out.mems = v }
        if let v = u.idle { out.idle = v }
        return out
    }
}

extension LinuxBlockIO {
    func overlaid(with u: LinuxBlockIO) -> LinuxBlockIO {
        var out = self
        if let v = u.weight { out.weight = v }
        if let v = u.leafWeight { out.leafWeight = v }
        if let v = u.weightDevice { out.weightDevice = v }
        if let v = u.throttleReadBpsDevice { out.throttleReadBpsDevice = v }
        if let v = u.throttleWriteBpsDevice { out.throttleWriteBpsDevice = v }
        if let v = u.throttleReadIOPSDevice { out.throttleReadIOPSDevice = v }
        if let v = u.throttleWriteIOPSDevice { out.throttleWriteIOPSDevice = v }
        return out
    }
}
