extension LinuxResources {
    /// Checks a bare resources document (`update --resources`); field paths are relative to it.
    public func validate(document: String = "resources") throws {
        try validate(Checker(document: document), FieldPath())
    }

    func validate(_ c: Checker, _ path: FieldPath) throws {
        for (i, rule) in (devices ?? []).enumerated() {
            let p = path.key("devices").index(i)
            if let type = rule.type {
                try c.known(type, in: SpecConstants.deviceCgroupTypes, "device type", p.key("type"))
            }
            if let access = rule.access, !access.allSatisfy({ $0 == "r" || $0 == "w" || $0 == "m" }) {
                throw c.fail(p.key("access"), "invalid access \(FieldPath.quote(access)) (a combination of r, w, m)")
            }
        }
        if let swappiness = memory?.swappiness, swappiness > 100 {
            throw c.fail(path.key("memory").key("swappiness"), "must be between 0 and 100, got \(swappiness)")
        }
        for (i, dev) in (blockIO?.weightDevice ?? []).enumerated() where dev.weight == nil && dev.leafWeight == nil {
            throw c.fail(path.key("blockIO").key("weightDevice").index(i), "needs weight or leafWeight")
        }
        for (i, limit) in (hugepageLimits ?? []).enumerated() where !Self.isPageSize(limit.pageSize) {
            throw c.fail(path.key("hugepageLimits").index(i).key("pageSize"),
                         "invalid page size \(FieldPath.quote(limit.pageSize)) (expected a form like 2MB, 64KB, 1GB)")
        }
        for (name, limit) in (rdma ?? [:]).sorted(by: { $0.key < $1.key }) where limit.hcaHandles == nil && limit.hcaObjects == nil {
            throw c.fail(path.key("rdma").key(name), "needs hcaHandles or hcaObjects")
        }
    }

    /// `<digits, no leading zero><K|M|G>B`.
    static func isPageSize(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard u.count >= 3, u[u.count - 1] == UInt8(ascii: "B"),
              [UInt8(ascii: "K"), UInt8(ascii: "M"), UInt8(ascii: "G")].contains(u[u.count - 2]) else { return false }
        let digits = u[0..<(u.count - 2)]
        guard let first = digits.first, first != UInt8(ascii: "0") else { return false }
        return digits.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }
}
