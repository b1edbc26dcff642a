extension Process {
    /// Checks a bare process document (`exec --process`); field paths are relative to it.
    public func validate(document: String = "process.json") throws {
        try validate(Checker(document: document), FieldPath())
    }

    func validate(_ c: Checker, _ path: FieldPath) throws {
        if args.isEmpty { throw c.fail(path.key("args"), "must contain at least one entry") }
        try c.absolute(cwd, path.key("cwd"))
        var seen: Set<String> = []
        for (i, rlimit) in (rlimits ?? []).enumerated() {
            let p = path.key("rlimits").index(i).key("type")
            try c.known(rlimit.type, in: SpecConstants.rlimitTypes, "resource limit", p)
            guard seen.insert(rlimit.type).inserted else {
                throw c.fail(p, "duplicate resource limit \(FieldPath.quote(rlimit.type))")
            }
        }
        if let caps = capabilities {
            let sets: [(String, [String]?)] = [
                ("bounding", caps.bounding), ("effective", caps.effective), ("inheritable", caps.inheritable),
                ("permitted", caps.permitted), ("ambient", caps.ambient),
            ]
            for (name, list) in sets {
                for (i, cap) in (list ?? []).enumerated() where !Self.isCapabilityName(cap) {
                    throw c.fail(path.key("capabilities").key(name).index(i), "invalid capability name \(FieldPath.quote(cap))")
                }
            }
        }
        if let io = ioPriority {
            let p = path.key("ioPriority")
            try c.known(io.class, in: SpecConstants.ioPriorityClasses, "I/O priority class", p.key("class"))
            if let prio = io.priority, !(0...7).contains(prio) {
                throw c.fail(p.key("priority"), "must be between 0 and 7, got \(prio)")
            }
        }
        if let sched = scheduler {
            let p = path.key("scheduler")
            try c.known(sched.policy, in: SpecConstants.schedulerPolicies, "scheduler policy", p.key("policy"))
            try c.knownAll(sched.flags, in: SpecConstants.schedulerFlags, "scheduler flag", p.key("flags"))
        }
        if let affinity = execCPUAffinity {
            let p = path.key("execCPUAffinity")
            for (name, value) in [("initial", affinity.initial), ("final", affinity.final)] {
                if let value, !value.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2C || $0 == 0x20 || $0 == 0x2D }) {
                    throw c.fail(p.key(name), "invalid CPU list \(FieldPath.quote(value))")
                }
            }
        }
    }

    /// `CAP_` followed by upper-case letters and underscores.
    static func isCapabilityName(_ name: String) -> Bool {
        guard name.hasPrefix("CAP_"), name.utf8.count > 4 else { return false }
        return name.utf8.dropFirst(4).allSatisfy { ($0 >= 0x41 && $0 <= 0x5A) || $0 == 0x5F }
    }
}
