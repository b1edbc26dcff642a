import FoundationEssentials
import Testing
@testable import OCISpec

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Locates /work/shared/runtime-spec from this file: Tests/OCISpecTests/X.swift → ../../../shared/runtime-spec.
enum Fixtures {
    static func specDirectory(filePath: String = #filePath) -> String? {
        var resolved = filePath
        if let real = realpath(filePath, nil) {
            resolved = String(cString: real)
            free(real)
        }
        var parts = resolved.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count > 4 else { return nil }
        parts.removeLast(4)  // X.swift, OCISpecTests, Tests, <repo>
        let dir = parts.joined(separator: "/") + "/shared/runtime-spec"
        var st = stat()
        guard stat(dir, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else { return nil }
        return dir
    }

    /// Sorted JSON files of schema/test/<kind>/<goodOrBad>; records an issue if the spec is missing.
    static func files(_ kind: String, _ goodOrBad: String) -> [(name: String, bytes: [UInt8])] {
        guard let root = specDirectory() else {
            Issue.record("runtime-spec not found at ../../../shared/runtime-spec relative to \(#filePath)")
            return []
        }
        let dir = "\(root)/schema/test/\(kind)/\(goodOrBad)"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
            .filter { $0.hasSuffix(".json") }
            .sorted()
        if names.isEmpty { Issue.record("no fixtures in \(dir)") }
        return names.compactMap { name in
            do {
                return (name, try OCIJSON.readFile(atPath: "\(dir)/\(name)", name: name))
            } catch {
                Issue.record("cannot read \(dir)/\(name): \(error)")
                return nil
            }
        }
    }
}

/// The one-line message of decoding then validating `json` as config.json, nil when accepted.
func configError(_ json: String) -> String? {
    do {
        let spec = try Spec.decode(Array(json.utf8))
        try spec.validate()
        return nil
    } catch {
        return "\(error)"
    }
}

/// The validation message for `spec`, nil when valid.
func validationError(_ spec: Spec) -> String? {
    do {
        try spec.validate()
        return nil
    } catch {
        return "\(error)"
    }
}

/// A valid spec with every namespace, to be broken one field at a time.
func baseSpec() -> Spec {
    var spec = Spec.defaultSpec(rootless: false)
    spec.linux?.namespaces = LinuxNamespaceType.allCases.map { LinuxNamespace($0) }
    spec.linux?.uidMappings = [LinuxIDMapping(containerID: 0, hostID: 100000, size: 65536)]
    spec.linux?.gidMappings = [LinuxIDMapping(containerID: 0, hostID: 100000, size: 65536)]
    return spec
}

func minimalConfig(_ extra: String = "") -> String {
    #"{"ociVersion": "1.0.0", "root": {"path": "rootfs"}\#(extra)}"#
}

enum FileHelpers {
    /// Writes `<dir>/config.json`.
    static func writeConfig(_ bytes: [UInt8], dir: String) throws {
        mkdir(dir, 0o755)
        let fd = open(dir + "/config.json", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        try #require(fd >= 0)
        defer { close(fd) }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        try #require(written == bytes.count)
    }

    static func remove(dir: String) {
        unlink(dir + "/config.json")
        rmdir(dir)
    }
}
