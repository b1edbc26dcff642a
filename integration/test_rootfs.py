"""The root file system and the config's mounts (the common options)."""
import os

from swiftlet_harness import error_message


def inside(runtime, bundle, cid, script, *extra):
    bundle.shell(script)
    r = runtime.run("run", *extra, "-b", bundle.path, cid)
    assert r.returncode == 0, f"exit {r.returncode}: {r.stderr}"
    return r.stdout


def mountinfo(text):
    """destination -> (mount options, fs type, super options)"""
    out = {}
    for line in text.strip().splitlines():
        parts = line.split()
        dash = parts.index("-")
        out[parts[4]] = (set(parts[5].split(",")), parts[dash + 1], set(parts[dash + 3].split(",")))
    return out


def test_default_mounts_and_devices(runtime, bundle, cid):
    out = inside(runtime, bundle, cid, "cat /proc/self/mountinfo; echo ===; ls -l /dev | tail -n +2")
    mounts_text, devices = out.split("===\n")
    mounts = mountinfo(mounts_text)
    assert mounts["/proc"][1] == "proc"
    assert mounts["/dev"][1] == "tmpfs" and "nosuid" in mounts["/dev"][0]
    assert mounts["/dev/pts"][1] == "devpts" and {"nosuid", "noexec"} <= mounts["/dev/pts"][0]
    assert "ptmxmode=666" in mounts["/dev/pts"][2] and "gid=5" in mounts["/dev/pts"][2]
    assert mounts["/dev/shm"][1] == "tmpfs" and {"nosuid", "nodev", "noexec"} <= mounts["/dev/shm"][0]
    assert mounts["/dev/mqueue"][1] == "mqueue"
    assert mounts["/sys"][1] == "sysfs" and "ro" in mounts["/sys"][0]
    assert any(dest.startswith("/sys/fs/cgroup/") for dest in mounts)
    entries = {line.split()[-1] if "->" not in line else line.split()[-3]: line for line in devices.strip().splitlines()}
    for name in ("null", "zero", "full", "random", "urandom", "tty"):
        assert entries[name].startswith("crw-rw-rw-"), entries[name]
    for name, target in {"fd": "/proc/self/fd", "stdin": "/proc/self/fd/0", "stdout": "/proc/self/fd/1",
                         "stderr": "/proc/self/fd/2", "ptmx": "pts/ptmx"}.items():
        assert entries[name].startswith("l") and entries[name].endswith(f"-> {target}"), entries[name]


def test_device_numbers(runtime, bundle, cid):
    out = inside(runtime, bundle, cid, "for d in null zero full random urandom tty; do stat -c '%n %t:%T %a %u:%g' /dev/$d; done")
    got = {line.split()[0]: line.split()[1:] for line in out.strip().splitlines()}
    assert got == {"/dev/null": ["1:3", "666", "0:0"], "/dev/zero": ["1:5", "666", "0:0"], "/dev/full": ["1:7", "666", "0:0"],
                   "/dev/random": ["1:8", "666", "0:0"], "/dev/urandom": ["1:9", "666", "0:0"], "/dev/tty": ["5:0", "666", "0:0"]}


def test_readonly_root(runtime, bundle, cid):
    bundle.config["root"]["readonly"] = True
    out = inside(runtime, bundle, cid, "touch /x 2>&1 || echo refused; touch /tmp/x 2>&1 || echo tmp-refused; touch /dev/shm/ok && echo shm-ok")
    assert "refused" in out and "tmp-refused" in out and "shm-ok" in out
    assert not (bundle.path / "rootfs" / "x").exists()


def test_relative_root_path_and_an_absolute_one(runtime, bundle, cid):
    bundle.config["root"]["path"] = str(bundle.path / "rootfs")
    assert inside(runtime, bundle, cid, "echo ok") == "ok\n"


def test_bind_mounts_ro_and_rw(runtime, bundle, cid, tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "hello").write_text("hi\n")
    (tmp_path / "file").write_text("a file\n")
    bundle.config["mounts"] += [
        {"destination": "/data-ro", "type": "bind", "source": str(tmp_path / "data"), "options": ["rbind", "ro"]},
        {"destination": "/data-rw", "type": "none", "source": str(tmp_path / "data"), "options": ["bind", "rw", "nosuid", "nodev"]},
        {"destination": "/etc/the-file", "type": "bind", "source": str(tmp_path / "file"), "options": ["bind", "ro"]},
    ]
    out = inside(runtime, bundle, cid, "cat /data-ro/hello; touch /data-ro/x 2>/dev/null || echo ro-refused; "
                                      "echo new > /data-rw/new && echo rw-ok; cat /etc/the-file; cat /proc/self/mountinfo")
    lines = out.splitlines()
    assert lines[:4] == ["hi", "ro-refused", "rw-ok", "a file"]
    mounts = mountinfo("\n".join(lines[4:]))
    assert "ro" in mounts["/data-ro"][0]
    assert {"rw", "nosuid", "nodev"} <= mounts["/data-rw"][0]
    assert "ro" in mounts["/etc/the-file"][0]
    assert (tmp_path / "data" / "new").read_text() == "new\n"


def test_relative_bind_source_is_taken_from_the_bundle(runtime, bundle, cid):
    (bundle.path / "shared").mkdir()
    (bundle.path / "shared" / "f").write_text("from the bundle\n")
    bundle.config["mounts"].append({"destination": "/shared", "type": "bind", "source": "shared", "options": ["bind"]})
    assert inside(runtime, bundle, cid, "cat /shared/f") == "from the bundle\n"


def test_tmpfs_with_options(runtime, bundle, cid):
    bundle.config["mounts"].append({"destination": "/scratch", "type": "tmpfs", "source": "tmpfs",
                                    "options": ["noexec", "nosuid", "size=1m", "mode=700"]})
    out = inside(runtime, bundle, cid, "stat -c %a /scratch; grep ' /scratch ' /proc/self/mountinfo")
    lines = out.splitlines()
    assert lines[0] == "700"
    mounts = mountinfo(lines[1])
    assert {"noexec", "nosuid"} <= mounts["/scratch"][0] and "size=1024k" in mounts["/scratch"][2]


def test_mounts_apply_in_order(runtime, bundle, cid):
    bundle.config["mounts"] += [
        {"destination": "/stack", "type": "tmpfs", "source": "first", "options": ["size=1m"]},
        {"destination": "/stack/inner", "type": "tmpfs", "source": "second", "options": ["size=2m"]},
    ]
    out = inside(runtime, bundle, cid, "grep ' /stack' /proc/self/mountinfo | awk '{print $5, $(NF-1)}'")
    assert out.split("\n")[:2] == ["/stack first", "/stack/inner second"]


def test_relative_mount_destination_is_taken_from_root(runtime, bundle, cid):
    bundle.config["mounts"].append({"destination": "relative-dir", "type": "tmpfs", "source": "tmpfs"})
    assert "/relative-dir" in inside(runtime, bundle, cid, "grep -o ' /relative-dir ' /proc/self/mountinfo")


def test_mount_destination_symlink_resolves_inside_the_root(runtime, bundle, cid):
    os.symlink("/etc", bundle.path / "rootfs" / "escape")
    bundle.config["mounts"].append({"destination": "/escape/inside", "type": "tmpfs", "source": "tmpfs"})
    assert inside(runtime, bundle, cid, "grep -c ' /etc/inside ' /proc/self/mountinfo").strip() == "1"
    assert not os.path.exists("/etc/inside")


def test_no_pivot(runtime, bundle, cid):
    out = inside(runtime, bundle, cid, "ls /; cat /proc/self/mountinfo | wc -l", "--no-pivot")
    assert "bin" in out.split()


def test_pivot_root_leaves_no_host_mounts_inside(runtime, bundle, cid):
    out = inside(runtime, bundle, cid, "cat /proc/self/mountinfo")
    for line in out.strip().splitlines():
        mountpoint = line.split()[4]
        assert not mountpoint.startswith(("/work", "/tmp/swiftlet-it")), line


def test_cgroup_mount_shows_the_containers_cgroup(runtime, bundle, cid, cgroup_parent):
    out = inside(runtime, bundle, cid, "grep cgroup /proc/self/mountinfo")
    roots = {line.split()[4]: line.split()[3] for line in out.strip().splitlines() if line.split()[4] != "/sys/fs/cgroup"}
    assert roots, out
    for mountpoint, root in roots.items():
        assert root.endswith(f"{cgroup_parent}/{cid}"), (mountpoint, root)
