extension Linux {
    func validate(_ c: Checker, _ path: FieldPath) throws {
        try validateNamespaces(c, path)
        for (i, device) in (devices ?? []).enumerated() {
            try device.validate(c, path.key("devices").index(i))
        }
        if let propagation = rootfsPropagation {
            try c.known(propagation, in: SpecConstants.rootfsPropagations, "rootfs propagation", path.key("rootfsPropagation"))
        }
        for (field, list) in [("maskedPaths", maskedPaths), ("readonlyPaths", readonlyPaths)] {
            for (i, p) in (list ?? []).enumerated() { try c.absolute(p, path.key(field).index(i)) }
        }
        try seccomp?.validate(c, path.key("seccomp"))
        try resources?.validate(c, path.key("resources"))
        if let rdt = intelRdt { try rdt.validate(c, path.key("intelRdt")) }
        if let policy = memoryPolicy {
            let p = path.key("memoryPolicy")
            try c.known(policy.mode, in: SpecConstants.memoryPolicyModes, "memory policy mode", p.key("mode"))
            try c.knownAll(policy.flags, in: SpecConstants.memoryPolicyFlags, "memory policy flag", p.key("flags"))
        }
        if let personality {
            try c.known(personality.domain, in: SpecConstants.personalityDomains, "personality domain",
                        path.key("personality").key("domain"))
        }
    }

    private func validateNamespaces(_ c: Checker, _ path: FieldPath) throws {
        var seen: Set<String> = []
        for (i, ns) in (namespaces ?? []).enumerated() {
            let p = path.key("namespaces").index(i)
            try c.known(ns.type, in: SpecConstants.namespaceTypes, "namespace type", p.key("type"))
            guard seen.insert(ns.type).inserted else {
                throw c.fail(p.key("type"), "duplicate namespace type \(FieldPath.quote(ns.type))")
            }
            if let nsPath = ns.path, !nsPath.isEmpty { try c.absolute(nsPath, p.key("path")) }
        }

        let userNS = namespace(.user)
        let hasUIDs = !(uidMappings ?? []).isEmpty
        let hasGIDs = !(gidMappings ?? []).isEmpty
        if userNS == nil {
            if hasUIDs { throw c.fail(path.key("uidMappings"), "requires a user namespace in linux.namespaces") }
            if hasGIDs { throw c.fail(path.key("gidMappings"), "requires a user namespace in linux.namespaces") }
        } else if (userNS?.path ?? "").isEmpty {
            if !hasUIDs { throw c.fail(path.key("uidMappings"), "required when creating a new user namespace") }
            if !hasGIDs { throw c.fail(path.key("gidMappings"), "required when creating a new user namespace") }
        }

        if let offsets = timeOffsets, !offsets.isEmpty {
            if namespace(.time) == nil {
                throw c.fail(path.key("timeOffsets"), "requires a time namespace in linux.namespaces")
            }
            for clock in offsets.keys.sorted() where !SpecConstants.timeNamespaceClocks.contains(clock) {
                throw c.fail(path.key("timeOffsets").key(clock), "unknown clock \(FieldPath.quote(clock)) (expected monotonic or boottime)")
            }
        }
    }
}

extension LinuxDevice {
    func validate(_ c: Checker, _ path: FieldPath) throws {
        try c.known(type, in: SpecConstants.deviceTypes, "device type", path.key("type"))
        try c.absolute(self.path, path.key("path"))
        if type != "p" {
            if major == nil { throw c.fail(path.key("major"), "required for device type \(FieldPath.quote(type))") }
            if minor == nil { throw c.fail(path.key("minor"), "required for device type \(FieldPath.quote(type))") }
        }
    }
}

extension LinuxSeccomp {
    func validate(_ c: Checker, _ path: FieldPath) throws {
        let actions = SpecConstants.seccompActions
        try c.known(defaultAction, in: actions, "seccomp action", path.key("defaultAction"))
        if defaultErrnoRet != nil, !SpecConstants.seccompErrnoActions.contains(defaultAction) {
            throw c.fail(path.key("defaultErrnoRet"), "not allowed with default action \(defaultAction)")
        }
        try c.knownAll(architectures, in: SpecConstants.seccompArchitectures, "seccomp architecture", path.key("architectures"))
        try c.knownAll(flags, in: SpecConstants.seccompFlags, "seccomp flag", path.key("flags"))
        let hasListener = !(listenerPath ?? "").isEmpty
        if listenerMetadata != nil, !hasListener {
            throw c.fail(path.key("listenerMetadata"), "requires linux.seccomp.listenerPath")
        }
        var usesNotify = defaultAction == "SCMP_ACT_NOTIFY"
        for (i, rule) in (syscalls ?? []).enumerated() {
            let p = path.key("syscalls").index(i)
            if rule.names.isEmpty { throw c.fail(p.key("names"), "must contain at least one entry") }
            try c.known(rule.action, in: actions, "seccomp action", p.key("action"))
            if rule.errnoRet != nil, !SpecConstants.seccompErrnoActions.contains(rule.action) {
                throw c.fail(p.key("errnoRet"), "not allowed with action \(rule.action)")
            }
            for (j, arg) in (rule.args ?? []).enumerated() {
                try c.known(arg.op, in: SpecConstants.seccompOperators, "seccomp operator", p.key("args").index(j).key("op"))
            }
            if rule.action == "SCMP_ACT_NOTIFY" { usesNotify = true }
        }
        if usesNotify, !hasListener {
            throw c.fail(path.key("listenerPath"), "required when SCMP_ACT_NOTIFY is used")
        }
    }
}

extension LinuxIntelRdt {
    func validate(_ c: Checker, _ path: FieldPath) throws {
        if let mb = memBwSchema {
            if !mb.hasPrefix("MB:") { throw c.fail(path.key("memBwSchema"), "must start with \"MB:\"") }
            if mb.contains(where: \.isNewline) { throw c.fail(path.key("memBwSchema"), "must not contain newlines") }
        }
        for (i, line) in (schemata ?? []).enumerated() where line.contains(where: \.isNewline) {
            throw c.fail(path.key("schemata").index(i), "must not contain newlines")
        }
    }
}
