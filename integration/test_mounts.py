"""Mounts in full: propagation, recursive attributes, tmpfs ownership,
files vs directories, rootfsPropagation, /dev entries from linux.devices,
masked and read-only paths (runtime-spec config.md, config-linux.md)."""
import os
import subprocess

import pytest

from swiftlet_harness import error_message


def inside(runtime, bundle, cid, script):
    bundle.shell(script)
    r = runtime.run("run", "-b", bundle.path, cid)
    assert r.returncode == 0, f"exit {r.returncode}: {r.stderr}"
    return r.stdout


def mount_entry(mountinfo_text, mountpoint):
    """(mount options, optional fields, fs type, super options) of a mount point."""
    found = None
    for line in mountinfo_text.strip().splitlines():
        parts = line.split()
        if parts[4] == mountpoint:
            dash = parts.index("-")
            found = (set(parts[5].split(",")), parts[6:dash], parts[dash + 1], set(parts[dash + 3].split(",")))
    assert found, f"{mountpoint} is not mounted:\n{mountinfo_text}"
    return found


def tmpfs(dest, *options, source="tmpfs"):
    return {"destination": dest, "type": "tmpfs", "source": source, "options": list(options)}


@pytest.mark.parametrize("option, field", [("shared", "shared:"), ("unbindable", "unbindable"), ("private", None)])
def test_propagation_of_a_mount(runtime, bundle, cid, option, field):
    bundle.config["mounts"].append(tmpfs("/p", option))
    _, optional, _, _ = mount_entry(inside(runtime, bundle, cid, "cat /proc/self/mountinfo"), "/p")
    if field is None:
        assert optional == []
    else:
        assert any(f.startswith(field) for f in optional), optional


def test_slave_of_a_shared_mount(runtime, bundle, cid):
    bundle.config["mounts"] += [tmpfs("/master", "shared"), {"destination": "/master-copy", "type": "bind", "source": "/", "options": ["bind"]}]
    # a bind of a shared container mount is its peer; make a slave of it
    bundle.config["mounts"][-1] = tmpfs("/s", "slave")
    out = inside(runtime, bundle, cid, "cat /proc/self/mountinfo")
    _, optional, _, _ = mount_entry(out, "/s")
    assert not any(f.startswith("shared:") for f in optional)


@pytest.fixture
def host_tree(tmp_path):
    """A host directory with a tmpfs mounted below it (unmounted after)."""
    top = tmp_path / "tree"
    sub = top / "sub"
    sub.mkdir(parents=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "swiftlet-test-sub", str(sub)], check=True)
    (sub / "f").write_text("below\n")
    yield top
    subprocess.run(["umount", str(sub)], check=True)


def test_rbind_brings_submounts_and_rro_makes_them_all_read_only(runtime, bundle, cid, host_tree):
    bundle.config["mounts"] += [
        {"destination": "/top-ro", "type": "bind", "source": str(host_tree), "options": ["rbind", "ro"]},
        {"destination": "/rro", "type": "bind", "source": str(host_tree), "options": ["rbind", "rro", "rnosuid", "rnoexec"]},
        {"destination": "/plain", "type": "bind", "source": str(host_tree), "options": ["bind"]},
    ]
    out = inside(runtime, bundle, cid, "cat /rro/sub/f; ls /plain/sub | wc -l; cat /proc/self/mountinfo")
    lines = out.splitlines()
    assert lines[0] == "below"
    assert lines[1] == "0", "a non-recursive bind does not bring the submount"
    info = "\n".join(lines[2:])
    assert "ro" in mount_entry(info, "/top-ro")[0]
    assert "rw" in mount_entry(info, "/top-ro/sub")[0], "plain ro applies to the top mount only"
    for mp in ("/rro", "/rro/sub"):
        opts = mount_entry(info, mp)[0]
        assert {"ro", "nosuid", "noexec"} <= opts, (mp, opts)


def test_tmpfs_mode_size_uid_gid(runtime, bundle, cid):
    bundle.config["mounts"].append(tmpfs("/owned", "mode=750", "size=2m", "uid=1000", "gid=1000"))
    out = inside(runtime, bundle, cid, "stat -c '%a %u %g' /owned; grep ' /owned ' /proc/self/mountinfo")
    lines = out.splitlines()
    assert lines[0] == "750 1000 1000"
    assert "size=2048k" in mount_entry(lines[1], "/owned")[3]


def test_bind_creates_a_file_or_directory_target(runtime, bundle, cid, tmp_path):
    (tmp_path / "f").write_text("file\n")
    (tmp_path / "d").mkdir()
    bundle.config["mounts"] += [
        {"destination": "/new/dir/file", "type": "bind", "source": str(tmp_path / "f"), "options": ["bind"]},
        {"destination": "/new/dir/d", "type": "bind", "source": str(tmp_path / "d"), "options": ["bind"]},
    ]
    out = inside(runtime, bundle, cid, "test -f /new/dir/file && cat /new/dir/file; test -d /new/dir/d && echo dir")
    assert out == "file\ndir\n"


def test_root_propagation_shared(runtime, bundle, cid):
    bundle.linux["rootfsPropagation"] = "shared"
    out = inside(runtime, bundle, cid, "cat /proc/self/mountinfo")
    _, optional, _, _ = mount_entry(out, "/")
    assert any(f.startswith("shared:") for f in optional), optional


def test_root_propagation_private(runtime, bundle, cid):
    bundle.linux["rootfsPropagation"] = "rprivate"
    _, optional, _, _ = mount_entry(inside(runtime, bundle, cid, "cat /proc/self/mountinfo"), "/")
    assert optional == []


def test_root_propagation_unbindable(runtime, bundle, cid):
    bundle.linux["rootfsPropagation"] = "unbindable"
    _, optional, _, _ = mount_entry(inside(runtime, bundle, cid, "cat /proc/self/mountinfo"), "/")
    assert "unbindable" in optional


def test_cgroup_mount_read_only_includes_its_tmpfs(runtime, bundle, cid):
    out = inside(runtime, bundle, cid, "touch /sys/fs/cgroup/x 2>/dev/null && echo writable || echo ro; grep ' /sys/fs/cgroup ' /proc/self/mountinfo")
    lines = out.splitlines()
    assert lines[0] == "ro"
    assert "ro" in mount_entry(lines[1], "/sys/fs/cgroup")[0]


def cgroup_mount(bundle):
    return next(m for m in bundle.config["mounts"] if m["type"] == "cgroup")


def test_cgroup_mount_takes_propagation_and_recursive_attributes(runtime, bundle, cid):
    cgroup_mount(bundle)["options"] = ["nosuid", "noexec", "nodev", "shared", "rnoatime"]
    out = inside(runtime, bundle, cid, "grep ' /sys/fs/cgroup' /proc/self/mountinfo")
    options, optional, _, _ = mount_entry(out, "/sys/fs/cgroup")
    assert any(f.startswith("shared:") for f in optional), optional
    assert "noatime" in options
    below = [line for line in out.splitlines() if line.split()[4].startswith("/sys/fs/cgroup/")]
    hybrid = not os.path.exists("/sys/fs/cgroup/cgroup.controllers")  # a hierarchy per directory below
    assert bool(below) == hybrid, below
    assert all("noatime" in line.split()[5].split(",") for line in below), below


def test_cgroup_mount_refuses_unknown_options(runtime, bundle, cid):
    cgroup_mount(bundle)["options"] = ["nosuid", "bogus-option"]
    bundle.save()
    r = runtime.run("create", "-b", bundle.path, cid)
    assert r.returncode == 1
    assert error_message(r.stderr) == 'mount /sys/fs/cgroup: unknown mount option "bogus-option" for a cgroup mount'
    assert runtime.status(cid) is None


def test_unknown_root_propagation(runtime, bundle, cid):
    bundle.linux["rootfsPropagation"] = "sideways"
    bundle.save()
    r = runtime.run("create", "-b", bundle.path, cid)
    assert r.returncode == 1 and "rootfsPropagation" in error_message(r.stderr)


def test_linux_devices(runtime, bundle, cid):
    bundle.linux["devices"] = [
        {"type": "c", "path": "/dev/mynull", "major": 1, "minor": 3, "fileMode": 0o640, "uid": 1000, "gid": 1001},
        {"type": "b", "path": "/dev/disks/loopy", "major": 7, "minor": 0, "fileMode": 0o600},
        {"type": "p", "path": "/dev/myfifo", "fileMode": 0o666},
    ]
    out = inside(runtime, bundle, cid, "stat -c '%n %F %t:%T %a %u:%g' /dev/mynull /dev/disks/loopy /dev/myfifo")
    got = {line.split()[0]: line.split()[1:] for line in out.strip().splitlines()}
    assert got["/dev/mynull"] == ["character", "special", "file", "1:3", "640", "1000:1001"]
    assert got["/dev/disks/loopy"] == ["block", "special", "file", "7:0", "600", "0:0"]
    assert got["/dev/myfifo"][:1] == ["fifo"] and got["/dev/myfifo"][-2:] == ["666", "0:0"]


def test_devices_may_live_outside_dev(runtime, bundle, cid):
    bundle.linux["devices"] = [{"type": "c", "path": "/var/devices/full", "major": 1, "minor": 7, "fileMode": 0o666}]
    assert inside(runtime, bundle, cid, "stat -c '%F %t:%T' /var/devices/full").split() == ["character", "special", "file", "1:7"]


def test_an_existing_file_that_is_not_the_device_is_an_error(runtime, bundle, cid):
    (bundle.path / "rootfs" / "etc" / "not-a-device").write_text("plain file\n")
    bundle.linux["devices"] = [{"type": "c", "path": "/etc/not-a-device", "major": 1, "minor": 7}]
    bundle.save()
    r = runtime.run("create", "-b", bundle.path, cid)
    assert r.returncode == 1 and "/etc/not-a-device" in error_message(r.stderr)
    assert runtime.status(cid) is None


def test_a_bind_mounted_dev_gets_no_nodes_but_devices_elsewhere_are_made(runtime, bundle, cid, tmp_path):
    fake_dev = tmp_path / "fake-dev"
    fake_dev.mkdir()
    os.mknod(fake_dev / "null", 0o666 | 0o020000, os.makedev(1, 3))
    os.chmod(fake_dev / "null", 0o666)
    mounts = [m for m in bundle.config["mounts"] if m["destination"] != "/dev"]
    bundle.config["mounts"] = [{"destination": "/dev", "type": "bind", "source": str(fake_dev), "options": ["rbind"]}] + mounts
    bundle.linux["devices"] = [{"type": "c", "path": "/dev/null", "major": 1, "minor": 3},
                               {"type": "c", "path": "/opt/devices/full", "major": 1, "minor": 7, "fileMode": 0o640}]
    out = inside(runtime, bundle, cid, "stat -c '%n %t:%T %a' /dev/null /opt/devices/full; ls /dev")
    lines = out.splitlines()
    assert lines[:2] == ["/dev/null 1:3 666", "/opt/devices/full 1:7 640"]
    assert "zero" not in lines[2:], "no default device is made in a bound /dev"
    assert not (fake_dev / "zero").exists() and not (fake_dev / "full").exists()
    # A configured device the bound /dev lacks is an error, not silence.
    bundle.linux["devices"] = [{"type": "c", "path": "/dev/zero", "major": 1, "minor": 5}]
    bundle.save()
    r = runtime.run("create", "-b", bundle.path, cid)
    assert r.returncode == 1 and "linux.devices: /dev/zero is not in the bind-mounted /dev" in error_message(r.stderr)
    assert runtime.status(cid) is None
    assert not (fake_dev / "zero").exists()


def test_devices_in_a_user_namespace_are_bound_from_the_host(runtime, bundle, cid):
    mapping = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    bundle.linux["namespaces"].append({"type": "user"})
    bundle.linux["uidMappings"] = mapping
    bundle.linux["gidMappings"] = mapping
    bundle.linux["devices"] = [{"type": "c", "path": "/dev/kmsg", "major": 1, "minor": 11}]
    out = inside(runtime, bundle, cid, "stat -c '%t:%T' /dev/kmsg /dev/null; grep -c ' /dev/null ' /proc/self/mountinfo")
    assert out.split() == ["1:b", "1:3", "1"]


def test_masked_paths(runtime, bundle, cid):
    bundle.linux["maskedPaths"] = ["/proc/keys", "/proc/acpi", "/sys/firmware", "/does/not/exist"]
    out = inside(runtime, bundle, cid,
                 "stat -c '%t:%T' /proc/keys; wc -c < /proc/keys; ls /sys/firmware | wc -l; "
                 "touch /sys/firmware/x 2>/dev/null || echo ro; grep -E ' /(proc/keys|sys/firmware) ' /proc/self/mountinfo")
    lines = out.splitlines()
    assert lines[0] == "1:3" and lines[1].strip() == "0"
    assert lines[2].strip() == "0" and lines[3] == "ro"
    assert "tmpfs" in mount_entry("\n".join(lines[4:]), "/sys/firmware")[2]


def test_masking_refuses_a_fake_dev_null(runtime, bundle, cid):
    # No /dev tmpfs: /dev comes from the rootfs, where /dev/null is a symlink.
    bundle.config["mounts"] = [m for m in bundle.config["mounts"] if not m["destination"].startswith("/dev")]
    os.symlink("/tmp/not-null", bundle.path / "rootfs" / "dev" / "null")
    bundle.linux["maskedPaths"] = ["/proc/keys"]
    bundle.save()
    r = runtime.run("create", "-b", bundle.path, cid)
    assert r.returncode == 1
    assert "/dev/null" in error_message(r.stderr)
    assert runtime.status(cid) is None


def test_readonly_paths(runtime, bundle, cid):
    bundle.linux["readonlyPaths"] = ["/proc/sys", "/proc/sysrq-trigger", "/missing/path"]
    out = inside(runtime, bundle, cid, "echo 1 > /proc/sys/kernel/domainname 2>/dev/null || echo refused; "
                                      "grep ' /proc/sys ' /proc/self/mountinfo")
    lines = out.splitlines()
    assert lines[0] == "refused"
    assert "ro" in mount_entry(lines[1], "/proc/sys")[0]


def test_idmap_bind_mount(runtime, bundle, cid):
    source = bundle.path / "idmapped"
    source.mkdir()
    (source / "owned-by-root").write_text("x")
    (source / "owned-by-5").write_text("y")
    os.chown(source / "owned-by-5", 5, 5)
    mapping = [{"containerID": 0, "hostID": 1000, "size": 10}]
    bundle.config["mounts"].append({"destination": "/mapped", "type": "bind", "source": str(source),
                                    "options": ["bind", "idmap"], "uidMappings": mapping, "gidMappings": mapping})
    out = inside(runtime, bundle, cid, "stat -c '%n %u:%g' /mapped/owned-by-root /mapped/owned-by-5; "
                                      "touch /mapped/new 2>/dev/null || echo write-refused")
    lines = out.splitlines()
    assert lines[0] == "/mapped/owned-by-root 1000:1000"
    assert lines[1] == "/mapped/owned-by-5 1005:1005"
    # The container runs as host root, which this mapping does not cover:
    # the kernel refuses to create files it could not store an owner for.
    assert lines[2] == "write-refused"
    assert os.stat(source / "owned-by-root").st_uid == 0 and os.stat(source / "owned-by-5").st_uid == 5


def test_idmap_option_uses_the_containers_user_namespace(runtime, bundle, cid):
    source = bundle.path / "shared"
    source.mkdir()
    (source / "f").write_text("x")
    mapping = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    bundle.linux["namespaces"].append({"type": "user"})
    bundle.linux["uidMappings"] = mapping
    bundle.linux["gidMappings"] = mapping
    bundle.config["mounts"].append({"destination": "/shared", "type": "bind", "source": str(source), "options": ["bind", "idmap"]})
    (bundle.path / "rootfs" / "shared").mkdir()
    out = inside(runtime, bundle, cid, "stat -c %u /shared/f; echo hi > /shared/written && stat -c %u /shared/written")
    # Host root's file shows as the container's root, and the container's
    # root can write there (stored as host root again).
    assert out.split() == ["0", "0"]
    assert os.stat(source / "written").st_uid == 0


def test_idmap_on_a_non_bind_mount_is_refused(runtime, bundle, cid):
    mapping = [{"containerID": 0, "hostID": 1000, "size": 1}]
    bundle.config["mounts"].append({"destination": "/t", "type": "tmpfs", "source": "tmpfs", "uidMappings": mapping, "gidMappings": mapping})
    bundle.save()
    r = runtime.run("create", "-b", bundle.path, cid)
    assert r.returncode == 1 and "bind" in error_message(r.stderr)
    assert runtime.status(cid) is None
