// conformance-checker: runs as a container's process and checks, from
// inside, that the runtime applied the bundle's config.json. Prints TAP.
//
// usage: conformance-checker CONFIG [--NAME=VALUE ...]
//   CONFIG  the bundle's config.json, bind-mounted read-only into the container
// Facts only the host can see come as options (all repeatable):
//   --runtime-ns=TYPE:INODE   inode of the runtime's namespace of that type
//   --join-ns=TYPE:INODE      inode of the namespace a `path` entry names
//   --runtime-capbnd=HEX      the runtime's bounding set (it cannot grant more)
//   --runtime-oom=N           the runtime's oom_score_adj
//   --runtime-umask=OCTAL     the runtime's umask
//   --root-marker=TOKEN       content of /.conformance-marker in root.path
//   --bind-marker=DEST:TOKEN[:UID:GID]  content (and host owner) of DEST/.conformance-marker
//   --submounts=DEST:N        mounts below a bind mount's source on the host
//   --netdev-addr=NAME:IPV4   an address the device NAME must keep
// Exit status: 0 when every check passed (skips included), 1 otherwise.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import OCISpec

// Before anything opens a file: the fds the runtime handed over.
let inheritedFDs = Sys.openFDs()

let arguments = CommandLine.arguments
let tap = TAP()
guard arguments.count >= 2 else {
    tap.fail("checker: usage", "conformance-checker CONFIG [--NAME=VALUE ...]")
    tap.finish()
    exit(2)
}

let spec: Spec
do {
    guard let bytes = Sys.readBytes(arguments[1]) else {
        throw SpecError(document: arguments[1], reason: "cannot read: \(Sys.errnoName(errno))")
    }
    spec = try Spec.decode(bytes)
} catch {
    tap.fail("checker: config.json decodes", "\(error)")
    tap.finish()
    exit(1)
}

let checker = Checker(spec: spec, options: HostFacts(Array(arguments.dropFirst(2))), tap: tap, inheritedFDs: inheritedFDs)
checker.run()
tap.finish()
exit(tap.failures == 0 ? 0 : 1)
