"""linux.resources and the verbs that live on cgroups (pause, resume, ps,
events, update, kill --all). They run on this host (cgroup v1 hybrid) and,
through ../shared/vm/run-in-vm, in a pure cgroup v2 guest (scripts/test)."""
import json
import os
import select
import subprocess
import time
from pathlib import Path

import pytest

from swiftlet_harness import error_message, wait_for

V2 = open("/proc/self/mountinfo").read().count(" /sys/fs/cgroup rw") and \
     os.statvfs("/sys/fs/cgroup") and Path("/sys/fs/cgroup/cgroup.controllers").exists()


def cgroup_dir(root_dir, cid, controller):
    paths = json.loads((root_dir / cid / "state.json").read_text())["cgroupPaths"]
    if V2:
        return Path(paths["unified"])
    for key, path in paths.items():
        if controller in key.split(","):
            return Path(path)
    raise AssertionError(f"no {controller} cgroup in {paths}")


def read(root_dir, cid, controller, v1_file, v2_file):
    return (cgroup_dir(root_dir, cid, controller) / (v2_file if V2 else v1_file)).read_text().strip()


def reap(pid):
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


@pytest.fixture
def started(runtime, bundle, cid):
    """Creates and starts the bundle's container; deletes it afterwards."""
    state = {}

    def start(*args):
        if args:
            bundle.command(*args)
        runtime.run("create", "-b", bundle.path, cid, check=True)
        runtime.run("start", cid, check=True)
        state["pid"] = runtime.state(cid)["pid"]
        return state["pid"]

    yield start
    if "pid" in state:
        runtime.run("delete", "-f", cid)
        reap(state["pid"])


def test_memory_limit_is_set_and_enforced(runtime, bundle, cid, root_dir):
    bundle.linux["resources"] = {"memory": {"limit": 32 * 1024 * 1024}}
    bundle.shell("tail /dev/zero; echo \"tail exit $?\" > /tmp/result")
    runtime.run("create", "-b", bundle.path, cid, check=True)
    pid = runtime.state(cid)["pid"]
    assert read(root_dir, cid, "memory", "memory.limit_in_bytes", "memory.max") == str(32 * 1024 * 1024)
    events = subprocess.Popen(runtime.argv("events", "--interval", "60s", cid), stdout=subprocess.PIPE, text=True)
    try:
        runtime.run("start", cid, check=True)
        assert wait_for(lambda: runtime.status(cid) == "stopped", timeout=60)
        ready, _, _ = select.select([events.stdout], [], [], 10)
        assert ready, "events printed nothing after the OOM kill"
        assert json.loads(events.stdout.readline()) == {"type": "oom", "id": cid}
    finally:
        events.kill()
        events.wait()
    reap(pid)
    assert (bundle.path / "rootfs" / "tmp" / "result").read_text() == "tail exit 137\n", "tail was OOM-killed"
    runtime.run("delete", cid, check=True)


@pytest.mark.parametrize("limit, expect_fork_failure", [(8, True), (40, False)])
def test_pids_limit_is_enforced(runtime, bundle, cid, root_dir, limit, expect_fork_failure):
    bundle.linux["resources"] = {"pids": {"limit": limit}}
    bundle.shell("cat /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/pids.max 2>/dev/null; "
                 "for i in $(seq 20); do sleep 100 & done; echo all-forked")
    r = runtime.run("run", "-b", bundle.path, cid)
    assert r.stdout.splitlines()[0] == str(limit)
    if expect_fork_failure:
        assert r.returncode == 2 and "can't fork" in r.stderr, (r.returncode, r.stderr)
    else:
        assert r.returncode == 0 and r.stdout.splitlines()[-1] == "all-forked", r.stderr


def test_cpu_values(runtime, bundle, cid, root_dir, started):
    bundle.linux["resources"] = {"cpu": {"shares": 512, "quota": 50000, "period": 100000}}
    started("sleep", "100")
    if V2:
        assert read(root_dir, cid, "cpu", "", "cpu.weight") == "20"
        assert read(root_dir, cid, "cpu", "", "cpu.max") == "50000 100000"
    else:
        assert read(root_dir, cid, "cpu", "cpu.shares", "") == "512"
        assert read(root_dir, cid, "cpu", "cpu.cfs_quota_us", "") == "50000"
        assert read(root_dir, cid, "cpu", "cpu.cfs_period_us", "") == "100000"


def test_cpuset(runtime, bundle, cid, root_dir, started):
    bundle.linux["resources"] = {"cpu": {"cpus": "0", "mems": "0"}}
    pid = started("sleep", "100")
    assert read(root_dir, cid, "cpuset", "cpuset.cpus", "cpuset.cpus") == "0"
    assert open(f"/proc/{pid}/status").read().split("Cpus_allowed_list:")[1].split()[0] == "0"


def test_device_rules_are_enforced(runtime, bundle, cid):
    bundle.process["capabilities"]["bounding"].append("CAP_MKNOD")
    bundle.process["capabilities"]["effective"].append("CAP_MKNOD")
    bundle.process["capabilities"]["permitted"].append("CAP_MKNOD")
    bundle.linux["devices"] = [{"type": "c", "path": "/dev/fuse", "major": 10, "minor": 229, "fileMode": 0o666},
                               {"type": "c", "path": "/dev/kmsg", "major": 1, "minor": 11, "fileMode": 0o666}]
    bundle.linux["resources"] = {"devices": [{"allow": False, "access": "rwm"},
                                             {"allow": True, "type": "c", "major": 1, "minor": 11, "access": "w"}]}
    bundle.shell("exec 3>/dev/null && echo null-ok; "
                 "(exec 3<>/dev/fuse) 2>/dev/null && echo fuse-open || echo fuse-denied; "
                 "(echo hello-kmsg > /dev/kmsg) 2>/dev/null && echo kmsg-write || echo kmsg-denied; "
                 "(exec 3</dev/kmsg) 2>/dev/null && echo kmsg-read || echo kmsg-read-denied; "
                 "mknod /tmp/fuse2 c 10 229 && echo mknod-ok")
    r = runtime.run("run", "-b", bundle.path, cid)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["null-ok", "fuse-denied", "kmsg-write", "kmsg-read-denied", "mknod-ok"]


def cpu_ticks(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def test_pause_freezes_and_resume_thaws(runtime, bundle, cid, started):
    pid = started("sh", "-c", "while true; do :; done")
    assert wait_for(lambda: cpu_ticks(pid) > 0)
    paused = runtime.run("pause", cid, check=True)
    assert (paused.stdout, paused.stderr) == ("", ""), "pause prints nothing"
    assert runtime.status(cid) == "paused"
    frozen = cpu_ticks(pid)
    time.sleep(0.5)
    assert cpu_ticks(pid) == frozen, "a paused process uses no CPU"
    again = runtime.run("pause", cid)
    assert again.returncode == 1 and "not running" in error_message(again.stderr)
    resumed = runtime.run("resume", cid, check=True)
    assert (resumed.stdout, resumed.stderr) == ("", ""), "resume prints nothing"
    assert runtime.status(cid) == "running"
    assert wait_for(lambda: cpu_ticks(pid) > frozen, timeout=5)
    r = runtime.run("resume", cid)
    assert r.returncode == 1 and "not paused" in error_message(r.stderr)


def test_delete_force_of_a_paused_container(runtime, bundle, cid):
    bundle.command("sleep", "100")
    runtime.run("create", "-b", bundle.path, cid, check=True)
    pid = runtime.state(cid)["pid"]
    runtime.run("start", cid, check=True)
    runtime.run("pause", cid, check=True)
    runtime.run("delete", "-f", cid, check=True)
    reap(pid)
    assert runtime.status(cid) is None


def test_ps_lists_the_containers_processes_only(runtime, bundle, cid, started):
    pid = started("sh", "-c", "sleep 100 & sleep 100 & wait")
    assert wait_for(lambda: len(json.loads(runtime.run("ps", "--format", "json", cid).stdout)) == 3)
    r = runtime.run("ps", "--format", "json", cid)
    assert r.stderr == ""
    pids = json.loads(r.stdout)
    assert pid in pids
    for p in pids:
        assert open(f"/proc/{p}/cmdline").read().split("\0")[0] in ("sh", "sleep")
    table = runtime.run("ps", cid, check=True).stdout.splitlines()
    assert "PID" in table[0].split()
    assert len(table) == 4
    # Words after the id are ps(1)'s own options.
    custom = runtime.run("ps", cid, "-o", "pid,comm", check=True).stdout.splitlines()
    assert custom[0].split() == ["PID", "COMMAND"]
    assert sorted(int(line.split()[0]) for line in custom[1:]) == sorted(pids)


def test_update_changes_live_limits(runtime, bundle, cid, root_dir, started):
    bundle.linux["resources"] = {"memory": {"limit": 64 * 1024 * 1024}, "pids": {"limit": 50}}
    started("sleep", "100")
    runtime.run("update", "--memory", "128m", "--pids-limit", "20", "--cpu-share", "256", cid, check=True)
    assert read(root_dir, cid, "memory", "memory.limit_in_bytes", "memory.max") == str(128 * 1024 * 1024)
    assert read(root_dir, cid, "pids", "pids.max", "pids.max") == "20"
    r = runtime.run("update", "--resources", "-", cid, input=json.dumps({"pids": {"limit": 33}, "cpu": {"quota": 20000, "period": 100000}}))
    assert r.returncode == 0, r.stderr
    assert read(root_dir, cid, "pids", "pids.max", "pids.max") == "33"
    if V2:
        assert read(root_dir, cid, "cpu", "", "cpu.max") == "20000 100000"
    else:
        assert read(root_dir, cid, "cpu", "cpu.cfs_quota_us", "") == "20000"


def test_update_keeps_what_it_does_not_name(runtime, bundle, cid, root_dir, started):
    bundle.linux["resources"] = {"cpu": {"quota": 50000, "period": 100000}, "pids": {"limit": 50}}
    started("sleep", "100")

    def quota_and_period():
        if V2:
            return tuple(read(root_dir, cid, "cpu", "", "cpu.max").split())
        return (read(root_dir, cid, "cpu", "cpu.cfs_quota_us", ""), read(root_dir, cid, "cpu", "cpu.cfs_period_us", ""))

    runtime.run("update", "--cpu-period", "200000", cid, check=True)
    assert quota_and_period() == ("50000", "200000")
    # The next update starts from the last one, not from config.json.
    runtime.run("update", "--cpu-quota", "30000", cid, check=True)
    assert quota_and_period() == ("30000", "200000")
    assert read(root_dir, cid, "pids", "pids.max", "pids.max") == "50"
    r = runtime.run("update", "--resources", "-", cid, input=json.dumps({"pids": {"limit": 7}}))
    assert r.returncode == 0, r.stderr
    assert quota_and_period() == ("30000", "200000") and read(root_dir, cid, "pids", "pids.max", "pids.max") == "7"


def test_update_with_a_resources_file_as_podman_calls_it(runtime, bundle, cid, root_dir, started, tmp_path):
    started("sleep", "100")
    (tmp_path / "res").write_text('{"cpu":{"shares":512}}')
    runtime.run(f"update", f"--resources={tmp_path / 'res'}", cid, check=True)
    assert read(root_dir, cid, "cpu", "cpu.shares", "cpu.weight") == ("20" if V2 else "512")


def test_update_of_a_stopped_container_fails(runtime, bundle, cid):
    runtime.run("run", "--keep", "-b", bundle.path, cid, check=True)
    r = runtime.run("update", "--pids-limit", "5", cid)
    assert r.returncode == 1 and "not running" in error_message(r.stderr)
    runtime.run("delete", cid, check=True)


def test_events_stats_once(runtime, bundle, cid, started):
    bundle.linux["resources"] = {"memory": {"limit": 64 * 1024 * 1024}, "pids": {"limit": 10}}
    started("sleep", "100")
    r = runtime.run("events", "--stats", cid, check=True)
    event = json.loads(r.stdout)
    assert event["type"] == "stats" and event["id"] == cid
    data = event["data"]
    assert data["pids"]["current"] == 1 and data["pids"]["limit"] == 10
    assert data["memory"]["usage"]["limit"] == 64 * 1024 * 1024
    assert data["memory"]["usage"]["usage"] > 0
    assert data["cpu"]["usage"]["total"] >= 0


def test_events_stream_stats_at_the_interval(runtime, bundle, cid, started):
    started("sleep", "100")
    events = subprocess.Popen(runtime.argv("events", "--interval", "200ms", cid), stdout=subprocess.PIPE, text=True)
    try:
        lines = [json.loads(events.stdout.readline()) for _ in range(3)]
    finally:
        events.kill()
        events.wait()
    assert all(line["type"] == "stats" for line in lines)


def test_kill_all_signals_every_process(runtime, bundle, cid, started):
    # No pid namespace: init's death would not end the others.
    bundle.linux["namespaces"] = [ns for ns in bundle.linux["namespaces"] if ns["type"] != "pid"]
    pid = started("sh", "-c", "sleep 100 & sleep 100 & wait")
    assert wait_for(lambda: len(json.loads(runtime.run("ps", "--format", "json", cid).stdout)) == 3)
    pids = json.loads(runtime.run("ps", "--format", "json", cid).stdout)
    runtime.run("kill", "--all", cid, "KILL", check=True)
    assert wait_for(lambda: not any(os.path.exists(f"/proc/{p}") and open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()[0] != "Z"
                                    for p in pids))


def test_a_frozen_cgroup_is_refused(runtime, bundle, cid, cgroup_parent):
    path = f"{cgroup_parent}/{cid}"
    freezer = Path("/sys/fs/cgroup") / path.lstrip("/") if V2 else Path("/sys/fs/cgroup/freezer") / path.lstrip("/")
    freezer.mkdir(parents=True)
    try:
        if V2:
            (freezer / "cgroup.freeze").write_text("1")
        else:
            (freezer / "freezer.state").write_text("FROZEN")
        r = runtime.run("create", "-b", bundle.path, cid)
        assert r.returncode == 1 and "frozen" in error_message(r.stderr)
        assert runtime.status(cid) is None
    finally:
        if V2:
            (freezer / "cgroup.freeze").write_text("0")
        else:
            (freezer / "freezer.state").write_text("THAWED")
        freezer.rmdir()


def test_unavailable_controller_is_a_clear_error(runtime, bundle, cid):
    bundle.linux["resources"] = {"network": {"classID": 7}}
    bundle.save()
    r = runtime.run("create", "-b", bundle.path, cid)
    assert r.returncode == 1
    assert "linux.resources.network.classID" in error_message(r.stderr)
    assert runtime.status(cid) is None


def test_resources_the_kernel_cannot_apply_are_refused(runtime, bundle, cid):
    bundle.linux["resources"] = {"memory": {"limit": 32 * 1024 * 1024, "swappiness": 500}}
    bundle.save()
    r = runtime.run("create", "-b", bundle.path, cid)
    assert r.returncode == 1 and "swappiness" in error_message(r.stderr)
    assert runtime.status(cid) is None


@pytest.mark.skipif(not V2, reason="cgroup v2 only")
def test_v2_unified_settings(runtime, bundle, cid, root_dir, started):
    bundle.linux["resources"] = {"unified": {"memory.high": "50000000", "pids.max": "42"}}
    started("sleep", "100")
    assert read(root_dir, cid, "memory", "", "memory.high") == "49999872"
    assert read(root_dir, cid, "pids", "", "pids.max") == "42"


@pytest.mark.skipif(not V2, reason="cgroup v2 only")
def test_v2_swap_has_runcs_meaning(runtime, bundle, cid, root_dir, started):
    bundle.linux["resources"] = {"memory": {"limit": 64 * 1024 * 1024, "swap": 96 * 1024 * 1024}}
    started("sleep", "100")
    assert read(root_dir, cid, "memory", "", "memory.swap.max") == str(32 * 1024 * 1024)


@pytest.mark.skipif(V2, reason="cgroup v1 only")
def test_v1_memory_knobs(runtime, bundle, cid, root_dir, started):
    bundle.linux["resources"] = {"memory": {"limit": 64 * 1024 * 1024, "reservation": 32 * 1024 * 1024, "swappiness": 10,
                                            "disableOOMKiller": True}}
    started("sleep", "100")
    assert read(root_dir, cid, "memory", "memory.soft_limit_in_bytes", "") == str(32 * 1024 * 1024)
    assert read(root_dir, cid, "memory", "memory.swappiness", "") == "10"
    assert "oom_kill_disable 1" in read(root_dir, cid, "memory", "memory.oom_control", "")


def test_hugetlb_limit(runtime, bundle, cid, root_dir):
    bundle.linux["resources"] = {"hugepageLimits": [{"pageSize": "2MB", "limit": 4 * 1024 * 1024}]}
    bundle.command("sleep", "100")
    r = runtime.run("create", "-b", bundle.path, cid)
    assert r.returncode == 0, r.stderr
    pid = runtime.state(cid)["pid"]
    # On a hybrid host without a v1 hugetlb hierarchy, the limit goes to the
    # cgroup v2 mount (where this host has hugetlb).
    paths = json.loads((root_dir / cid / "state.json").read_text())["cgroupPaths"]
    directory = Path(paths["unified"])
    assert (directory / "hugetlb.2MB.max").read_text().strip() == str(4 * 1024 * 1024)
    assert (directory / "hugetlb.2MB.rsvd.max").read_text().strip() == str(4 * 1024 * 1024)
    runtime.run("delete", "-f", cid, check=True)
    reap(pid)


def test_cpu_burst_and_idle(runtime, bundle, cid, root_dir, started):
    bundle.linux["resources"] = {"cpu": {"quota": 50000, "period": 100000, "burst": 20000, "idle": 1}}
    started("sleep", "100")
    if V2:
        assert read(root_dir, cid, "cpu", "", "cpu.max.burst") == "20000"
    else:
        assert read(root_dir, cid, "cpu", "cpu.cfs_burst_us", "") == "20000"
    assert read(root_dir, cid, "cpu", "cpu.idle", "cpu.idle") == "1"


@pytest.mark.skipif(V2, reason="the guest has no block device to throttle")
def test_blkio_throttle(runtime, bundle, cid, root_dir, started):
    st = os.stat(next(p for p in ("/dev/vda", "/dev/sda", "/dev/nvme0n1") if os.path.exists(p)))
    major, minor = os.major(st.st_rdev), os.minor(st.st_rdev)
    bundle.linux["resources"] = {"blockIO": {"throttleReadBpsDevice": [{"major": major, "minor": minor, "rate": 1048576}],
                                             "throttleWriteIOPSDevice": [{"major": major, "minor": minor, "rate": 100}]}}
    started("sleep", "100")
    assert read(root_dir, cid, "blkio", "blkio.throttle.read_bps_device", "") == f"{major}:{minor} 1048576"
    assert read(root_dir, cid, "blkio", "blkio.throttle.write_iops_device", "") == f"{major}:{minor} 100"


def test_devices_are_denied_by_default_without_device_rules(runtime, bundle, cid):
    for capabilities in ("bounding", "effective", "permitted"):
        bundle.process["capabilities"][capabilities].append("CAP_MKNOD")
    bundle.linux.setdefault("resources", {}).pop("devices", None)
    bundle.shell("exec 3>/dev/null && echo null-ok; "
                 "mknod /tmp/fuse c 10 229 && echo mknod-ok; "
                 "(exec 3<>/tmp/fuse) 2>/dev/null && echo fuse-open || echo fuse-denied")
    r = runtime.run("run", "-b", bundle.path, cid)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["null-ok", "mknod-ok", "fuse-denied"]


def test_a_pids_limit_of_zero_is_a_limit(runtime, bundle, cid, root_dir):
    bundle.linux["resources"] = {"pids": {"limit": 0}}
    bundle.command("true")
    r = runtime.run("create", "-b", bundle.path, cid)
    try:
        if r.returncode == 0:
            assert read(root_dir, cid, "pids", "pids.max", "pids.max") == "0"
        else:
            # cgroup v2: init cannot even be cloned into a cgroup that allows no task.
            assert V2 and "Resource temporarily unavailable" in r.stderr, r.stderr
    finally:
        if r.returncode == 0:
            pid = runtime.state(cid)["pid"]
            runtime.run("delete", "-f", cid, check=True)
            reap(pid)


def test_kill_all_reaches_a_paused_container(runtime, bundle, cid, started):
    bundle.linux["namespaces"] = [ns for ns in bundle.linux["namespaces"] if ns["type"] != "pid"]
    started("sh", "-c", "sleep 100 & sleep 100 & wait")
    assert wait_for(lambda: len(json.loads(runtime.run("ps", "--format", "json", cid).stdout)) == 3)
    runtime.run("pause", cid, check=True)
    runtime.run("kill", "--all", cid, "KILL", check=True)
    assert wait_for(lambda: json.loads(runtime.run("ps", "--format", "json", cid).stdout) == [])
    assert runtime.status(cid) == "stopped"


def test_kill_all_reaches_what_outlives_a_stopped_init(runtime, bundle, cid, started):
    # No pid namespace: the background sleep outlives init (as in containerd's
    # kill-all after the task exited).
    bundle.linux["namespaces"] = [ns for ns in bundle.linux["namespaces"] if ns["type"] != "pid"]
    pid = started("sh", "-c", "sleep 100 & exit 0")
    reap(pid)
    assert wait_for(lambda: runtime.status(cid) == "stopped")
    left = json.loads(runtime.run("ps", "--format", "json", cid).stdout)
    assert len(left) == 1
    assert runtime.run("kill", cid, "KILL").returncode == 1, "without --all a stopped container is not running"
    runtime.run("kill", "--all", cid, "KILL", check=True)
    assert wait_for(lambda: json.loads(runtime.run("ps", "--format", "json", cid).stdout) == [])
