"""linux.namespaces: new ones, shared ones, joined ones, and their order."""
import os
import subprocess

import pytest

from swiftlet_harness import error_message, wait_for

KINDS = {"pid": "pid", "network": "net", "ipc": "ipc", "uts": "uts", "mount": "mnt", "cgroup": "cgroup",
         "user": "user", "time": "time"}


def host_ns(name):
    return os.readlink(f"/proc/self/ns/{name}")


def inside(runtime, bundle, cid, script):
    bundle.shell(script)
    r = runtime.run("run", "-b", bundle.path, cid)
    assert r.returncode == 0, f"exit {r.returncode}: {r.stderr}"
    return r.stdout


def ns_report(runtime, bundle, cid):
    names = " ".join(KINDS.values())
    out = inside(runtime, bundle, cid, f"for n in {names}; do echo $n $(readlink /proc/self/ns/$n); done")
    return dict(line.split(" ", 1) for line in out.strip().splitlines())


USERNS = [{"containerID": 0, "hostID": 100000, "size": 65536}]


def with_namespaces(bundle, *types, **paths):
    bundle.linux["namespaces"] = [{"type": t} for t in types] + [{"type": t, "path": p} for t, p in paths.items()]
    if "uts" not in types:
        bundle.config.pop("hostname", None)
    bundle.save()


def test_every_new_namespace_differs_from_the_hosts(runtime, bundle, cid):
    with_namespaces(bundle, "pid", "network", "ipc", "uts", "mount", "cgroup", "user", "time")
    bundle.linux["uidMappings"] = USERNS
    bundle.linux["gidMappings"] = USERNS
    report = ns_report(runtime, bundle, cid)
    for name in KINDS.values():
        assert report[name] != host_ns(name), f"{name} namespace is the host's"


def test_a_namespace_not_listed_is_the_hosts(runtime, bundle, cid):
    with_namespaces(bundle, "pid", "mount")
    report = ns_report(runtime, bundle, cid)
    for name in ("net", "ipc", "uts", "cgroup", "user", "time"):
        assert report[name] == host_ns(name)
    assert report["pid"] != host_ns("pid") and report["mnt"] != host_ns("mnt")


def test_pid_namespace_makes_the_process_pid_1(runtime, bundle, cid):
    assert inside(runtime, bundle, cid, "echo $$").strip() == "1"


def test_user_namespace_with_mappings(runtime, bundle, cid):
    with_namespaces(bundle, "pid", "network", "ipc", "uts", "mount", "user")
    bundle.linux["uidMappings"] = USERNS
    bundle.linux["gidMappings"] = USERNS
    out = inside(runtime, bundle, cid, "id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map; stat -c %u /bin/busybox; "
                                       "ls -l /dev/null | cut -c1; echo x > /dev/null && echo null-ok")
    lines = out.split("\n")
    assert lines[0] == "0" and lines[1] == "0"
    assert lines[2].split() == ["0", "100000", "65536"]
    assert lines[3].split() == ["0", "100000", "65536"]
    assert lines[4] == "65534", "a file owned by host root is unmapped inside"
    assert lines[5] == "c" and lines[6] == "null-ok"


def test_new_user_namespace_needs_mappings(runtime, bundle, cid):
    with_namespaces(bundle, "pid", "mount", "user")
    r = runtime.run("run", "-b", bundle.path, cid)
    assert r.returncode == 1 and "uidMappings" in error_message(r.stderr)
    assert runtime.status(cid) is None


def test_cgroup_namespace_shows_the_container_cgroup_as_root(runtime, bundle, cid):
    with_namespaces(bundle, "pid", "mount", "cgroup", "uts")
    out = inside(runtime, bundle, cid, "cat /proc/self/cgroup")
    for line in out.strip().splitlines():
        assert line.split(":", 2)[2] == "/", line


def test_time_namespace_offsets(runtime, bundle, cid):
    with_namespaces(bundle, "pid", "mount", "uts", "time")
    bundle.linux["timeOffsets"] = {"boottime": {"secs": 86400 * 365, "nanosecs": 0}, "monotonic": {"secs": 3600}}
    host_uptime = float(open("/proc/uptime").read().split()[0])
    out = inside(runtime, bundle, cid, "cat /proc/self/timens_offsets; cut -d' ' -f1 /proc/uptime")
    lines = out.strip().splitlines()
    assert lines[0].split() == ["monotonic", "3600", "0"]
    assert lines[1].split() == ["boottime", str(86400 * 365), "0"]
    assert float(lines[2]) >= host_uptime + 86400 * 365 - 5


@pytest.fixture
def holder(tmp_path):
    """A process in its own network, ipc and uts namespaces, for joining."""
    proc = subprocess.Popen(["unshare", "--net", "--ipc", "--uts", "sleep", "1000"])
    wait_for(lambda: os.readlink(f"/proc/{proc.pid}/ns/net") != host_ns("net"))
    yield proc
    proc.kill()
    proc.wait()


def test_joining_namespaces_by_path(runtime, bundle, cid, holder):
    paths = {t: f"/proc/{holder.pid}/ns/{KINDS[t]}" for t in ("network", "ipc", "uts")}
    with_namespaces(bundle, "pid", "mount", **paths)
    report = ns_report(runtime, bundle, cid)
    for t in ("network", "ipc", "uts"):
        assert report[KINDS[t]] == os.readlink(paths[t])


def test_joining_a_path_of_the_wrong_type_is_refused(runtime, bundle, cid):
    with_namespaces(bundle, "pid", "mount", network="/proc/self/ns/ipc")
    r = runtime.run("create", "-b", bundle.path, cid)
    assert r.returncode == 1
    message = error_message(r.stderr)
    assert "ipc" in message and "network" in message
    assert runtime.status(cid) is None


def test_joining_a_missing_path_is_refused(runtime, bundle, cid):
    with_namespaces(bundle, "pid", "mount", network="/proc/self/ns/nope")
    r = runtime.run("create", "-b", bundle.path, cid)
    assert r.returncode == 1 and "/proc/self/ns/nope" in error_message(r.stderr)
    assert runtime.status(cid) is None


def test_joining_another_containers_pid_and_user_namespaces(runtime, make_bundle):
    first, second = make_bundle("a"), make_bundle("b")
    with_namespaces(first, "pid", "mount", "user", "ipc")
    first.linux["uidMappings"] = USERNS
    first.linux["gidMappings"] = USERNS
    first.command("sleep", "1000")
    runtime.run("create", "-b", first.path, first.cid, check=True)
    runtime.run("start", first.cid, check=True)
    pid = runtime.state(first.cid)["pid"]
    # The second joins the first's pid and user namespaces and makes a new
    # mount namespace, which must belong to the joined user namespace.
    with_namespaces(second, "mount", pid=f"/proc/{pid}/ns/pid", user=f"/proc/{pid}/ns/user", ipc=f"/proc/{pid}/ns/ipc")
    second.shell("ps -o comm | sort | tr '\\n' ' '; echo; id -u; cat /proc/self/uid_map; readlink /proc/self/ns/user")
    r = runtime.run("run", "-b", second.path, second.cid)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert "sleep" in lines[0].split(), "the joined pid namespace shows the first container's process"
    assert lines[1] == "0"
    assert lines[2].split() == ["0", "100000", "65536"]
    assert lines[3] == os.readlink(f"/proc/{pid}/ns/user")
    runtime.run("delete", "-f", first.cid, check=True)
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def test_joining_a_user_namespace_with_a_new_pid_namespace(runtime, make_bundle):
    first, second = make_bundle("a"), make_bundle("b")
    with_namespaces(first, "pid", "mount", "user", "ipc")
    first.linux["uidMappings"] = USERNS
    first.linux["gidMappings"] = USERNS
    first.command("sleep", "1000")
    runtime.run("create", "-b", first.path, first.cid, check=True)
    pid = runtime.state(first.cid)["pid"]
    with_namespaces(second, "mount", "pid", user=f"/proc/{pid}/ns/user", ipc=f"/proc/{pid}/ns/ipc")
    second.command("sleep", "1000")
    pidfile = second.path / "pid"
    runtime.run("create", "-b", second.path, "--pid-file", pidfile, second.cid, check=True)
    second_pid = int(pidfile.read_text())
    assert second_pid == runtime.state(second.cid)["pid"]
    assert os.readlink(f"/proc/{second_pid}/ns/user") == os.readlink(f"/proc/{pid}/ns/user")
    assert os.readlink(f"/proc/{second_pid}/ns/pid") not in (host_ns("pid"), os.readlink(f"/proc/{pid}/ns/pid"))
    ppid = int(open(f"/proc/{second_pid}/stat").read().rsplit(")", 1)[1].split()[1])
    assert ppid == os.getpid(), "even after the extra fork, init's parent is the caller"
    runtime.run("start", second.cid, check=True)
    assert runtime.status(second.cid) == "running"
    for c, p in ((second, second_pid), (first, pid)):
        runtime.run("delete", "-f", c.cid, check=True)
        try:
            os.waitpid(p, 0)
        except ChildProcessError:
            pass
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                break
        except ChildProcessError:
            break
