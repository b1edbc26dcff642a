/// Host-independent checks the spec states. The first failure is thrown as a
/// one-line `SpecError` naming the field.
struct Checker {
    let document: String

    func fail(_ path: FieldPath, _ reason: String) -> SpecError {
        SpecError(document: document, field: path.text, reason: reason)
    }

    func absolute(_ value: String, _ path: FieldPath) throws {
        guard value.hasPrefix("/") else {
            throw fail(path, "must be an absolute path, got \(FieldPath.quote(value))")
        }
    }

    func known(_ value: String, in list: [String], _ what: String, _ path: FieldPath) throws {
        guard list.contains(value) else { throw fail(path, "unknown \(what) \(FieldPath.quote(value))") }
    }

    func knownAll(_ values: [String]?, in list: [String], _ what: String, _ path: FieldPath) throws {
        for (i, v) in (values ?? []).enumerated() { try known(v, in: list, what, path.index(i)) }
    }
}

extension Spec {
    /// Checks the rules of config.md/config-linux.md that do not depend on the host.
    public func validate(document: String = "config.json") throws {
        let c = Checker(document: document)
        try Self.validateVersion(ociVersion, c)
        if root.path.isEmpty { throw c.fail(FieldPath("root.path"), "must not be empty") }
        try process?.validate(c, FieldPath("process"))
        for (i, mount) in (mounts ?? []).enumerated() {
            try mount.validate(c, FieldPath("mounts").index(i))
        }
        try hooks?.validate(c, FieldPath("hooks"))
        let hasUTS = linux?.namespace(.uts) != nil
        if let hostname, !hostname.isEmpty, !hasUTS {
            throw c.fail(FieldPath("hostname"), "requires a uts namespace in linux.namespaces")
        }
        if let domainname, !domainname.isEmpty, !hasUTS {
            throw c.fail(FieldPath("domainname"), "requires a uts namespace in linux.namespaces")
        }
        try linux?.validate(c, FieldPath("linux"))
        if annotations?.keys.contains("") == true {
            throw c.fail(FieldPath("annotations"), "keys must not be empty")
        }
    }

    /// Accepts 1.0.0 through 1.3.x, with any pre-release or build suffix.
    static func validateVersion(_ version: String, _ c: Checker) throws {
        let supported = "supported: \(SpecConstants.ociVersionMin) to 1.3.x"
        guard let v = SemanticVersion(version) else {
            throw c.fail(FieldPath("ociVersion"), "\(FieldPath.quote(version)) is not a semantic version (\(supported))")
        }
        guard v.major == 1, v.minor <= 3 else {
            throw c.fail(FieldPath("ociVersion"), "unsupported version \(FieldPath.quote(version)) (\(supported))")
        }
    }
}

extension Mount {
    func validate(_ c: Checker, _ path: FieldPath) throws {
        // config.md: on Linux a relative destination is deprecated but
        // allowed, and taken relative to "/". Only an empty one is invalid.
        if destination.isEmpty {
            throw c.fail(path.key("destination"), "must not be empty")
        }
        if uidMappings != nil, gidMappings == nil {
            throw c.fail(path.key("gidMappings"), "required together with uidMappings")
        }
        if gidMappings != nil, uidMappings == nil {
            throw c.fail(path.key("uidMappings"), "required together with gidMappings")
        }
    }
}

extension Hooks {
    func validate(_ c: Checker, _ path: FieldPath) throws {
        let lists: [(String, [Hook]?)] = [
            ("prestart", prestart), ("createRuntime", createRuntime), ("createContainer", createContainer),
            ("startContainer", startContainer), ("poststart", poststart), ("poststop", poststop),
        ]
        for (name, hooks) in lists {
            for (i, hook) in (hooks ?? []).enumerated() {
                let p = path.key(name).index(i)
                try c.absolute(hook.path, p.key("path"))
                if let timeout = hook.timeout, timeout <= 0 {
                    throw c.fail(p.key("timeout"), "must be greater than zero, got \(timeout)")
                }
            }
        }
    }
}
