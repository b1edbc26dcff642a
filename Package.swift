// swift-tools-version:6.0
import PackageDescription

// Module map (one job each):
//   CShim       thin C wrappers of syscalls Swift's Glibc module cannot reach
//   CSeccomp    libseccomp (system library, pkg-config)
//   CCap        libcap (system library, pkg-config)
//   JSONOutput  a small JSON writer (state, logs, encoded spec documents)
//   OCISpec     runtime-spec 1.3 types: config.json, state, features; decoding and validation
//   LinuxCore   errno-carrying errors, file descriptors, /proc readers, signals, JSON/log output
//   StateStore  <root>/<id>/state.json, ids, locks, status from live facts
//   Cgroups     cgroup v2 and v1 (hybrid) placement, resources, freezer, stats
//   Sandbox     namespaces, rootfs and mounts, /dev, pivot_root, process attributes
//   Security    capabilities (libcap), seccomp (libseccomp), LSM labels
//   Runtime     the container lifecycle: create/start/kill/delete/exec, the init child, hooks
//   CLI         the command line as data: option and verb tables, parser, help
//   swiftlet    the thin runc-compatible CLI
//   conformance-checker  runs as a container's process and checks, from
//               inside, that the runtime applied config.json (TAP output)
let package = Package(
    name: "Swiftlet",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "swiftlet", targets: ["swiftlet"]),
        .executable(name: "conformance-checker", targets: ["conformance-checker"]),
    ],
    dependencies: [],
    targets: [
        .target(name: "CShim"),
        .target(name: "CLI"),
        .systemLibrary(name: "CSeccomp", pkgConfig: "libseccomp", providers: [.apt(["libseccomp-dev"])]),
        .systemLibrary(name: "CCap", pkgConfig: "libcap", providers: [.apt(["libcap-dev"])]),
        .target(name: "JSONOutput"),
        .target(name: "LinuxCore", dependencies: ["CShim", "JSONOutput"]),
        .target(name: "OCISpec", dependencies: ["JSONOutput"]),
        .target(name: "StateStore", dependencies: ["OCISpec", "LinuxCore"]),
        .target(name: "Cgroups", dependencies: ["OCISpec", "LinuxCore", "CShim"]),
        .target(name: "Sandbox", dependencies: ["OCISpec", "LinuxCore", "CShim"]),
        .target(name: "Security", dependencies: ["OCISpec", "LinuxCore", "CShim", "CSeccomp", "CCap"]),
        .target(name: "Runtime", dependencies: ["OCISpec", "LinuxCore", "StateStore", "Cgroups", "Sandbox", "Security", "CShim"]),
        .executableTarget(name: "swiftlet", dependencies: [
            "CLI", "Runtime", "OCISpec", "LinuxCore", "StateStore",
        ]),
        .executableTarget(name: "conformance-checker", dependencies: ["OCISpec", "CShim"]),
        .testTarget(name: "CLITests", dependencies: ["CLI"]),
        .testTarget(name: "OCISpecTests", dependencies: ["OCISpec"]),
        .testTarget(name: "LinuxCoreTests", dependencies: ["LinuxCore"]),
        .testTarget(name: "StateStoreTests", dependencies: ["StateStore"]),
        .testTarget(name: "CgroupsTests", dependencies: ["Cgroups"]),
        .testTarget(name: "SandboxTests", dependencies: ["Sandbox"]),
        .testTarget(name: "SecurityTests", dependencies: ["Security"]),
        .testTarget(name: "RuntimeTests", dependencies: ["Runtime"]),
    ]
)
