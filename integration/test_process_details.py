"""sysctl, personality, scheduler, I/O priority and rlimits of any type."""
import os
import resource
import shutil
import subprocess
import uuid

import pytest

from swiftlet_harness import error_message, remove_cgroup_tree


def inside(runtime, bundle, cid, script):
    bundle.shell(script)
    r = runtime.run("run", "-b", bundle.path, cid)
    assert r.returncode == 0, f"exit {r.returncode}: {r.stderr}"
    return r.stdout


def refused(runtime, bundle, cid):
    bundle.save()
    r = runtime.run("create", "-b", bundle.path, cid)
    assert r.returncode == 1
    assert runtime.status(cid) is None
    return error_message(r.stderr)


def test_sysctl_in_the_containers_namespaces(runtime, bundle, cid):
    bundle.linux["sysctl"] = {"net.ipv4.ip_forward": "1", "kernel.shmmax": "123456789", "net/ipv4/tcp_syncookies": "0",
                              "fs.mqueue.msg_max": "20"}
    out = inside(runtime, bundle, cid, "cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax "
                                      "/proc/sys/net/ipv4/tcp_syncookies /proc/sys/fs/mqueue/msg_max")
    assert out.split() == ["1", "123456789", "0", "20"]
    assert open("/proc/sys/kernel/shmmax").read().strip() != "123456789", "the host keeps its value"


def test_sysctl_outside_the_containers_namespaces_is_refused(runtime, bundle, cid):
    bundle.linux["sysctl"] = {"kernel.panic": "5"}
    assert "kernel.panic" in refused(runtime, bundle, cid)


def test_net_sysctl_without_a_network_namespace_is_refused(runtime, bundle, cid):
    bundle.linux["namespaces"] = [ns for ns in bundle.linux["namespaces"] if ns["type"] != "network"]
    bundle.linux["sysctl"] = {"net.ipv4.ip_forward": "1"}
    assert "network namespace" in refused(runtime, bundle, cid)


def test_net_sysctl_in_the_hosts_network_namespace_is_refused(runtime, bundle, cid):
    bundle.linux["namespaces"] = [ns for ns in bundle.linux["namespaces"] if ns["type"] != "network"]
    bundle.linux["namespaces"].append({"type": "network", "path": f"/proc/{os.getpid()}/ns/net"})
    bundle.linux["sysctl"] = {"net.ipv4.ip_forward": "1"}
    assert "host" in refused(runtime, bundle, cid)


def test_ipc_sysctl_without_an_ipc_namespace_is_refused(runtime, bundle, cid):
    bundle.linux["namespaces"] = [ns for ns in bundle.linux["namespaces"] if ns["type"] != "ipc"]
    bundle.linux["sysctl"] = {"kernel.shmmax": "1"}
    assert "IPC namespace" in refused(runtime, bundle, cid)


def test_personality_linux32(runtime, bundle, cid):
    bundle.linux["personality"] = {"domain": "LINUX32"}
    assert inside(runtime, bundle, cid, "uname -m").strip() in ("i686", "i386")


def test_personality_linux(runtime, bundle, cid):
    bundle.linux["personality"] = {"domain": "LINUX"}
    assert inside(runtime, bundle, cid, "uname -m").strip() == os.uname().machine


def test_unknown_personality_is_refused(runtime, bundle, cid):
    bundle.linux["personality"] = {"domain": "PER_SVR4"}
    assert "personality" in refused(runtime, bundle, cid)


def created_pid(runtime, bundle, cid):
    bundle.command("sleep", "1000")
    runtime.run("create", "-b", bundle.path, cid, check=True)
    return runtime.state(cid)["pid"]


def finish(runtime, cid, pid):
    runtime.run("delete", "-f", cid, check=True)
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def test_scheduler_batch_and_nice(runtime, bundle, cid):
    bundle.process["scheduler"] = {"policy": "SCHED_BATCH", "nice": 7}
    pid = created_pid(runtime, bundle, cid)
    try:
        policy = subprocess.run(["chrt", "-p", str(pid)], capture_output=True, text=True).stdout
        assert "SCHED_BATCH" in policy
        nice = int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[16])
        assert nice == 7
    finally:
        finish(runtime, cid, pid)


SCHED_GETSCHEDULER, SCHED_FIFO, SCHED_RESET_ON_FORK = 145, 1, 0x40000000


def test_real_time_scheduler_priority_and_flags(runtime, bundle, cid, sysprobe):
    """SCHED_FIFO at priority 10 with SCHED_FLAG_RESET_ON_FORK. With cgroup v1
    real-time group scheduling a task needs its cgroup's budget, so the test
    gives its own parent one and the container a share of it."""
    rt_parent = f"/swiftlet-it-rt-{uuid.uuid4().hex[:8]}"
    v1_cpu = "/sys/fs/cgroup/cpu"
    rt_groups = os.path.exists(f"{v1_cpu}/cpu.rt_runtime_us") and not os.path.exists("/sys/fs/cgroup/cgroup.controllers")
    shutil.copy(sysprobe, bundle.path / "rootfs" / "bin" / "sysprobe")
    bundle.process["scheduler"] = {"policy": "SCHED_FIFO", "priority": 10, "flags": ["SCHED_FLAG_RESET_ON_FORK"]}
    try:
        if rt_groups:
            os.mkdir(v1_cpu + rt_parent)
            with open(f"{v1_cpu}{rt_parent}/cpu.rt_runtime_us", "w") as f:
                f.write("20000")
            bundle.linux["cgroupsPath"] = f"{rt_parent}/{cid}"
            bundle.linux.setdefault("resources", {})["cpu"] = {"realtimeRuntime": 10000, "realtimePeriod": 1000000}
        # A child of init is reset by the flag; init (pid 1) itself, and what
        # it execs, keep the policy and priority.
        out = inside(runtime, bundle, cid, f"sysprobe -r {SCHED_GETSCHEDULER} 0; grep -E '^(policy|prio) ' /proc/1/sched; "
                                           f"exec sysprobe -r {SCHED_GETSCHEDULER} 0")
    finally:
        remove_cgroup_tree(rt_parent)
    lines = out.splitlines()
    assert int(lines[0]) == 0, f"the forked child was reset to SCHED_OTHER: {out}"
    assert lines[1].split()[-1] == str(SCHED_FIFO) and lines[2].split()[-1] == str(99 - 10), out
    assert int(lines[3]) == SCHED_FIFO | SCHED_RESET_ON_FORK, out


def test_unknown_scheduler_policy_is_refused(runtime, bundle, cid):
    bundle.process["scheduler"] = {"policy": "SCHED_FAST"}
    assert "SCHED_FAST" in refused(runtime, bundle, cid)


def test_io_priority(runtime, bundle, cid):
    bundle.process["ioPriority"] = {"class": "IOPRIO_CLASS_BE", "priority": 6}
    pid = created_pid(runtime, bundle, cid)
    try:
        out = subprocess.run(["ionice", "-p", str(pid)], capture_output=True, text=True).stdout
        assert out.strip() == "best-effort: prio 6"
    finally:
        finish(runtime, cid, pid)


def test_io_priority_idle(runtime, bundle, cid):
    bundle.process["ioPriority"] = {"class": "IOPRIO_CLASS_IDLE"}
    pid = created_pid(runtime, bundle, cid)
    try:
        assert subprocess.run(["ionice", "-p", str(pid)], capture_output=True, text=True).stdout.strip() == "idle"
    finally:
        finish(runtime, cid, pid)


def test_rlimits_of_every_kind(runtime, bundle, cid):
    names = {"RLIMIT_CPU": "Max cpu time", "RLIMIT_FSIZE": "Max file size", "RLIMIT_STACK": "Max stack size",
             "RLIMIT_CORE": "Max core file size", "RLIMIT_NPROC": "Max processes", "RLIMIT_NOFILE": "Max open files",
             "RLIMIT_MEMLOCK": "Max locked memory", "RLIMIT_MSGQUEUE": "Max msgqueue size", "RLIMIT_NICE": "Max nice priority"}
    limits = []
    for name in names:
        soft, hard = resource.getrlimit(getattr(resource, name))
        value = 4096 if hard == resource.RLIM_INFINITY else min(4096, hard)
        limits.append({"type": name, "soft": value, "hard": value})
    bundle.process["rlimits"] = limits
    pid = created_pid(runtime, bundle, cid)
    try:
        text = open(f"/proc/{pid}/limits").read()
        for limit in limits:
            row = next(line for line in text.splitlines() if line.startswith(names[limit["type"]]))
            assert row.split()[-3:-1] == [str(limit["soft"]), str(limit["hard"])] or \
                   row.split()[-2:] == [str(limit["soft"]), str(limit["hard"])], row
    finally:
        finish(runtime, cid, pid)


def test_exec_cpu_affinity_is_not_applied_to_init(runtime, bundle, cid):
    """config.md: execCPUAffinity is not applicable to the container's init."""
    bundle.process["execCPUAffinity"] = {"initial": "0", "final": "0"}
    out = inside(runtime, bundle, cid, "grep Cpus_allowed_list /proc/self/status")
    assert out.split()[1] == open("/proc/self/status").read().split("Cpus_allowed_list:")[1].split()[0]


def test_memory_policy(runtime, bundle, cid):
    bundle.linux["memoryPolicy"] = {"mode": "MPOL_BIND", "nodes": "0", "flags": ["MPOL_F_STATIC_NODES"]}
    pid = created_pid(runtime, bundle, cid)
    try:
        status = open(f"/proc/{pid}/status").read()
        numa = open(f"/proc/{pid}/numa_maps").read().splitlines()
        assert any(" bind=static:0 " in f" {line} " or "bind=static:0" in line for line in numa), numa[:3]
    finally:
        finish(runtime, cid, pid)


def test_memory_policy_with_a_bad_node_list(runtime, bundle, cid):
    bundle.linux["memoryPolicy"] = {"mode": "MPOL_BIND", "nodes": "zero"}
    assert "linux.memoryPolicy.nodes" in refused(runtime, bundle, cid)


@pytest.mark.skipif(not os.path.exists("/sys/fs/cgroup/cpu/cpu.rt_runtime_us") or os.path.exists("/sys/fs/cgroup/cgroup.controllers"),
                    reason="cgroup v1 real-time group scheduling only")
def test_real_time_policy_without_a_cgroup_budget_is_a_clear_error(runtime, bundle, cid):
    """The policy is set inside the container's cgroups, whose real-time
    budget is 0 unless the config gives one (as with runc)."""
    bundle.process["scheduler"] = {"policy": "SCHED_FIFO", "priority": 10}
    assert refused(runtime, bundle, cid) == "sched_setattr (process.scheduler): Operation not permitted"
