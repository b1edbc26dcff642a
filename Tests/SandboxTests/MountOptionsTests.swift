import CShim
import Testing
@testable import Sandbox

@Suite struct MountOptionsTests {
    @Test func emptyIsNothing() {
        let options = MountOptions.parse([])
        #expect(options == MountOptions())
        #expect(!options.hasAttributes)
        #expect(options.atime == nil)
    }

    @Test(arguments: [
        ("ro", SL_MOUNT_ATTR_RDONLY), ("nosuid", SL_MOUNT_ATTR_NOSUID), ("nodev", SL_MOUNT_ATTR_NODEV),
        ("noexec", SL_MOUNT_ATTR_NOEXEC), ("nodiratime", SL_MOUNT_ATTR_NODIRATIME), ("nosymfollow", SL_MOUNT_ATTR_NOSYMFOLLOW),
    ])
    func perMountSetFlags(option: String, flag: UInt64) {
        let options = MountOptions.parse([option])
        #expect(options.set == flag)
        #expect(options.clear == 0)
        #expect(options.hasAttributes)
        #expect(options.data.isEmpty)
        #expect(options.recursiveSet == 0)
    }

    @Test(arguments: [
        ("rw", SL_MOUNT_ATTR_RDONLY), ("suid", SL_MOUNT_ATTR_NOSUID), ("dev", SL_MOUNT_ATTR_NODEV),
        ("exec", SL_MOUNT_ATTR_NOEXEC), ("diratime", SL_MOUNT_ATTR_NODIRATIME), ("symfollow", SL_MOUNT_ATTR_NOSYMFOLLOW),
    ])
    func perMountClearFlags(option: String, flag: UInt64) {
        let options = MountOptions.parse([option])
        #expect(options.set == 0)
        #expect(options.clear == flag)
        #expect(options.hasAttributes)
        #expect(options.data.isEmpty)
    }

    @Test func combinedAndLastOneWins() {
        let options = MountOptions.parse(["nosuid", "nodev", "ro", "noexec"])
        #expect(options.set == SL_MOUNT_ATTR_NOSUID | SL_MOUNT_ATTR_NODEV | SL_MOUNT_ATTR_RDONLY | SL_MOUNT_ATTR_NOEXEC)
        let flipped = MountOptions.parse(["ro", "nosuid", "rw"])
        #expect(flipped.set == SL_MOUNT_ATTR_NOSUID)
        #expect(flipped.clear == SL_MOUNT_ATTR_RDONLY)
        let back = MountOptions.parse(["rw", "ro"])
        #expect(back.set == SL_MOUNT_ATTR_RDONLY)
        #expect(back.clear == 0)
    }

    @Test(arguments: [
        ("relatime", SL_MOUNT_ATTR_RELATIME), ("noatime", SL_MOUNT_ATTR_NOATIME), ("strictatime", SL_MOUNT_ATTR_STRICTATIME),
        ("atime", SL_MOUNT_ATTR_RELATIME), ("norelatime", SL_MOUNT_ATTR_RELATIME), ("nostrictatime", SL_MOUNT_ATTR_RELATIME),
    ])
    func atimeModes(option: String, mode: UInt64) {
        let options = MountOptions.parse([option])
        #expect(options.atime == mode)
        #expect(options.set == 0 && options.clear == 0)
        #expect(options.hasAttributes)
        #expect(options.recursiveAtime == nil)
    }

    @Test func lastAtimeModeWins() {
        #expect(MountOptions.parse(["noatime", "strictatime"]).atime == SL_MOUNT_ATTR_STRICTATIME)
        #expect(MountOptions.parse(["strictatime", "relatime"]).atime == SL_MOUNT_ATTR_RELATIME)
    }

    @Test(arguments: [
        ("rro", SL_MOUNT_ATTR_RDONLY, UInt64(0)), ("rrw", UInt64(0), SL_MOUNT_ATTR_RDONLY),
        ("rnosuid", SL_MOUNT_ATTR_NOSUID, UInt64(0)), ("rsuid", UInt64(0), SL_MOUNT_ATTR_NOSUID),
        ("rnodev", SL_MOUNT_ATTR_NODEV, UInt64(0)), ("rdev", UInt64(0), SL_MOUNT_ATTR_NODEV),
        ("rnoexec", SL_MOUNT_ATTR_NOEXEC, UInt64(0)), ("rexec", UInt64(0), SL_MOUNT_ATTR_NOEXEC),
        ("rnodiratime", SL_MOUNT_ATTR_NODIRATIME, UInt64(0)), ("rdiratime", UInt64(0), SL_MOUNT_ATTR_NODIRATIME),
        ("rnosymfollow", SL_MOUNT_ATTR_NOSYMFOLLOW, UInt64(0)), ("rsymfollow", UInt64(0), SL_MOUNT_ATTR_NOSYMFOLLOW),
    ])
    func recursiveAttributes(option: String, set: UInt64, clear: UInt64) {
        let options = MountOptions.parse([option])
        #expect(options.recursiveSet == set)
        #expect(options.recursiveClear == clear)
        #expect(options.set == 0 && options.clear == 0)
        #expect(!options.hasAttributes)
        #expect(options.data.isEmpty)
    }

    @Test func recursiveLastOneWins() {
        let options = MountOptions.parse(["rro", "rnosuid", "rrw"])
        #expect(options.recursiveSet == SL_MOUNT_ATTR_NOSUID)
        #expect(options.recursiveClear == SL_MOUNT_ATTR_RDONLY)
    }

    @Test(arguments: [
        ("rrelatime", SL_MOUNT_ATTR_RELATIME), ("rnoatime", SL_MOUNT_ATTR_NOATIME),
        ("rstrictatime", SL_MOUNT_ATTR_STRICTATIME), ("ratime", SL_MOUNT_ATTR_RELATIME),
    ])
    func recursiveAtime(option: String, mode: UInt64) {
        let options = MountOptions.parse([option])
        #expect(options.recursiveAtime == mode)
        #expect(options.atime == nil)
    }

    @Test(arguments: [
        ("private", MS.private), ("rprivate", MS.private | MS.rec),
        ("shared", MS.shared), ("rshared", MS.shared | MS.rec),
        ("slave", MS.slave), ("rslave", MS.slave | MS.rec),
        ("unbindable", MS.unbindable), ("runbindable", MS.unbindable | MS.rec),
    ])
    func propagation(option: String, flag: UInt) {
        let options = MountOptions.parse([option])
        #expect(options.propagation == [flag])
        #expect(MountOptions.propagationFlag(option) == flag)
        #expect(options.data.isEmpty)
        #expect(options.recursiveSet == 0 && options.recursiveClear == 0)
    }

    @Test func propagationKeepsEveryNameInOrder() {
        #expect(MountOptions.parse(["rslave", "shared"]).propagation == [MS.slave | MS.rec, MS.shared])
        #expect(MountOptions.propagationFlag("bogus") == nil)
    }

    @Test func bindAndRbind() {
        let bind = MountOptions.parse(["bind"])
        #expect(bind.bind && !bind.recursive)
        let rbind = MountOptions.parse(["rbind"])
        #expect(rbind.bind && rbind.recursive)
        #expect(rbind.recursiveSet == 0 && rbind.data.isEmpty)
    }

    @Test func superblockFlagsInOrder() {
        let names = ["sync", "async", "dirsync", "mand", "nomand", "lazytime", "nolazytime", "iversion", "noiversion", "silent", "loud"]
        let options = MountOptions.parse(names)
        #expect(options.superblockFlags == names)
        #expect(options.data.isEmpty)
        #expect(!options.hasAttributes)
    }

    @Test func dataPassesThrough() {
        let options = MountOptions.parse(["nosuid", "mode=755", "size=65536k", "rsize=8192", "uid=0", "newinstance", "ptmxmode=0666", "gid=5"])
        #expect(options.data == ["mode=755", "size=65536k", "rsize=8192", "uid=0", "newinstance", "ptmxmode=0666", "gid=5"])
        #expect(options.set == SL_MOUNT_ATTR_NOSUID)
    }

    @Test func ignoredWords() {
        let options = MountOptions.parse(["defaults", "remount"])
        #expect(options == MountOptions())
    }

    @Test func tmpcopyupAndIdmap() {
        let tmp = MountOptions.parse(["tmpcopyup"])
        #expect(tmp.tmpcopyup && tmp.data.isEmpty)
        let idmap = MountOptions.parse(["idmap"])
        #expect(idmap.idmap && !idmap.recursiveIdmap)
        let ridmap = MountOptions.parse(["ridmap"])
        #expect(ridmap.idmap && ridmap.recursiveIdmap)
        #expect(ridmap.recursiveSet == 0 && ridmap.data.isEmpty)
    }

    @Test func typicalDockerMount() {
        let options = MountOptions.parse(["rbind", "rprivate", "nosuid", "noexec", "nodev", "ro", "relatime"])
        #expect(options.bind && options.recursive)
        #expect(options.propagation == [MS.private | MS.rec])
        #expect(options.set == SL_MOUNT_ATTR_NOSUID | SL_MOUNT_ATTR_NOEXEC | SL_MOUNT_ATTR_NODEV | SL_MOUNT_ATTR_RDONLY)
        #expect(options.atime == SL_MOUNT_ATTR_RELATIME)
        #expect(options.data.isEmpty && options.superblockFlags.isEmpty)
    }
}

@Suite struct MountInfoTests {
    @Test(arguments: [
        ("plain", "plain"),
        (#"a\040b"#, "a b"),
        (#"tab\011here"#, "tab\there"),
        (#"new\012line"#, "new\nline"),
        (#"back\134slash"#, #"back\slash"#),
        (#"\040"#, " "),
        (#"end\040"#, "end "),
        (#"short\04"#, #"short\04"#),
        (#"bad\9x9"#, #"bad\9x9"#),
        (#"big\777"#, #"big\777"#),
        (#"two\040\040"#, "two  "),
    ])
    func unescape(field: String, expected: String) {
        #expect(MountInfo.unescape(field) == expected)
    }

    @Test func parsesAFullLine() throws {
        let line = #"36 35 98:0 /mnt\0401 /mnt/with\040space rw,noatime master:1 shared:2 - ext3 /dev/root\040x rw,errors=continue"#
        let entry = try #require(MountInfo.parse(line))
        #expect(entry.mountPoint == "/mnt/with space")
        #expect(entry.root == "/mnt 1")
        #expect(entry.fsType == "ext3")
        #expect(entry.source == "/dev/root x")
        #expect(entry.options == "rw,noatime")
        #expect(entry.optionalFields == ["master:1", "shared:2"])
    }

    @Test func parsesALineWithoutOptionalFields() throws {
        let entry = try #require(MountInfo.parse("41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw"))
        #expect(entry.mountPoint == "/sys/fs/cgroup/unified")
        #expect(entry.fsType == "cgroup2")
        #expect(entry.source == "cgroup2")
        #expect(entry.optionalFields == [])
    }

    @Test(arguments: ["", "garbage", "1 2 3 / /x rw", "1 2 3 / /x rw - ext4", "1 2 - / /x rw tmpfs tmpfs rw"])
    func rejectsMalformedLines(line: String) {
        #expect(MountInfo.parse(line) == nil)
    }

    @Test func entriesOfThisProcess() throws {
        let entries = try MountInfo.entries()
        #expect(entries.contains { $0.mountPoint == "/" })
        #expect(entries.contains { $0.mountPoint == "/proc" && $0.fsType == "proc" })
        #expect(try MountInfo.mountPoint(containing: "/proc/self/status") == "/proc")
        #expect(try MountInfo.mountPoint(containing: "/") == "/")
    }
}
