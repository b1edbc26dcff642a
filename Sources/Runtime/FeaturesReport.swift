import Cgroups
import OCISpec
import Sandbox
import Security

/// The runtime-spec features document: what this build of Swiftlet
/// supports on this host (features.md, features-linux.md).
public enum FeaturesReport {
    public static func make(version: String, commit: String) -> Features {
        let seccomp = Features.Seccomp(enabled: true, actions: SeccompProgram.actionNames, operators: SeccompProgram.operatorNames,
                                       archs: SeccompProgram.architectureNames, knownFlags: SeccompProgram.flagNames,
                                       supportedFlags: SeccompProgram.supportedFlagNames)
        let capabilities = (0...CapabilitySets.lastCapability()).map(CapabilitySets.name(of:))
        let linux = Features.Linux(
            namespaces: NamespaceKind.allCases.map(\.rawValue).sorted(),
            capabilities: capabilities,
            cgroup: Features.Cgroup(v1: true, v2: true, systemd: false, systemdUser: false, rdma: true),
            seccomp: seccomp,
            apparmor: Features.Enabled(enabled: LSM.appArmorEnabled),
            selinux: Features.Enabled(enabled: LSM.selinuxEnabled),
            intelRdt: Features.IntelRdt(enabled: false),
            mountExtensions: Features.MountExtensions(idmap: Features.Enabled(enabled: true)),
            netDevices: Features.Enabled(enabled: true),
            memoryPolicy: Features.MemoryPolicy(modes: ProcessDetails.memoryModeNames, flags: ProcessDetails.memoryFlagNames))
        return Features(
            ociVersionMin: "1.0.0", ociVersionMax: SpecConstants.ociVersion,
            hooks: ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"],
            mountOptions: MountOptions.known, linux: linux,
            annotations: [
                "io.github.seccomp.libseccomp.version": SeccompProgram.libraryVersion,
                "org.swiftlet.version": version,
                "org.swiftlet.commit": commit,
            ],
            potentiallyUnsafeConfigAnnotations: [])
    }
}
