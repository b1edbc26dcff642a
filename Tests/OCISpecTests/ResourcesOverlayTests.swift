import Testing
@testable import OCISpec

@Suite struct ResourcesOverlayTests {
    let current = LinuxResources(
        devices: [LinuxDeviceCgroup(allow: false, access: "rwm")],
        memory: LinuxMemory(limit: 64 << 20, swap: 128 << 20),
        cpu: LinuxCPU(quota: 50_000, period: 100_000, cpus: "0-1"),
        pids: LinuxPids(limit: 50),
        hugepageLimits: [LinuxHugepageLimit(pageSize: "2MB", limit: 1 << 21), LinuxHugepageLimit(pageSize: "1GB", limit: 0)],
        unified: ["memory.high": "max", "io.weight": "100"])

    @Test func anEmptyUpdateChangesNothing() {
        #expect(current.overlaid(with: LinuxResources()) == current)
    }

    @Test func namedFieldsReplaceTheRestStays() {
        let update = LinuxResources(memory: LinuxMemory(limit: 128 << 20), cpu: LinuxCPU(period: 200_000),
                                    hugepageLimits: [LinuxHugepageLimit(pageSize: "2MB", limit: 1 << 22)],
                                    unified: ["memory.high": "1G"])
        let merged = current.overlaid(with: update)
        #expect(merged.memory?.limit == 128 << 20 && merged.memory?.swap == 128 << 20)
        #expect(merged.cpu?.quota == 50_000 && merged.cpu?.period == 200_000 && merged.cpu?.cpus == "0-1")
        #expect(merged.pids?.limit == 50)
        #expect(merged.devices == current.devices)
        #expect(merged.hugepageLimits?.map(\.pageSize).sorted() == ["1GB", "2MB"])
        #expect(merged.hugepageLimits?.first { $0.pageSize == "2MB" }?.limit == 1 << 22)
        #expect(merged.unified == ["memory.high": "1G", "io.weight": "100"])
    }

    @Test func sectionsTheContainerLackedAreAdded() {
        let merged = LinuxResources().overlaid(with: LinuxResources(pids: LinuxPids(limit: 0), blockIO: LinuxBlockIO(weight: 300)))
        #expect(merged.pids?.limit == 0 && merged.blockIO?.weight == 300)
    }
}
