"""Bundles whose process is the conformance checker: each sets some of
config.md / config-linux.md, and the checker verifies from inside that the
runtime applied it. The checker checks everything the config sets; a bundle
reports the checks of its focus (case name prefixes; the default bundle's ""
takes all), and other checks only when they fail where `default` did not.
A builder edits the bundle and may return a dict:
  runtime: a Runtime to use instead of the suite's (a wrapper)
  cleanup: a callable run after the container is gone
  runner:  a callable(suite, bundle) -> (returncode, stdout, stderr) replacing `run`
"""

import array
import os
import resource
import select
import shutil
import socket
import subprocess
import uuid
from pathlib import Path

from suite import NS_FILES, wait_for

CASES = []


RUNS = "the runtime runs this configuration"


def case(name, section, *focus, runs=RUNS):
    """Registers a checker bundle. "<section>: <runs> [name]" is the case of
    the runtime accepting the config; `focus` defaults to the section."""
    def register(fn):
        CASES.append((name, f"{section}: {runs}", list(focus or [section]), fn))
        return fn
    return register


def with_home(b):
    env = b.config["process"].get("env", [])
    if not any(e.startswith("HOME=") for e in env):
        b.config["process"]["env"] = env + ["HOME=/root"]


def namespaces(b, *types, **paths):
    b.config["linux"]["namespaces"] = [{"type": t} for t in types] + [{"type": t, "path": p} for t, p in paths.items()]
    if "uts" not in types:
        b.config.pop("hostname", None)
        b.config.pop("domainname", None)


def mountpoint(b, path, file=False):
    """Creates a mount point in the rootfs, so no case depends on the runtime creating it."""
    target = b.path / "rootfs" / path.lstrip("/")
    if file:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.touch()
    else:
        target.mkdir(parents=True, exist_ok=True)


NAMESPACE_FOCUS = ["config-linux.md#namespaces", "config-linux.md#user-namespace-mappings",
                   "config-linux.md#offset-for-time-namespace", "config-linux.md#cgroups-path"]
USERNS = [{"containerID": 0, "hostID": 100000, "size": 65536}]
UNLIMITED = 2 ** 64 - 1


@case("default", "config.md", "")
def default(suite, b):
    """The runtime's own `spec` output, only made to run the checker."""
    b.config["root"]["readonly"] = b.original["root"].get("readonly", False)
    b.config["process"]["env"] = b.original["process"].get("env", [])
    b.checker_args.append(f"--root-marker={suite.marker(b.path / 'rootfs')}")


@case("root-absolute-rw", "config.md#root")
def root_absolute(suite, b):
    b.config["root"] = {"path": str(b.path / "rootfs"), "readonly": False}
    b.checker_args.append(f"--root-marker={suite.marker(b.path / 'rootfs')}")
    with_home(b)


@case("process-user", "config.md#user", "config.md#user", "config.md#process")
def process_user(suite, b):
    p = b.config["process"]
    p["user"] = {"uid": 1000, "gid": 1000, "additionalGids": [10, 1000, 2000], "umask": 0o027}
    p["cwd"] = "/home/user"
    p.pop("capabilities", None)  # a non-root process keeps no capabilities across exec unless ambient
    p["env"] = ["PATH=/bin:/usr/bin", "HOME=/home/user", "EMPTY=", "WITH_EQUALS=a=b=c", "SPACES=two  words",
                "UNICODE=\u00e9t\u00e9", "DUP=first", "LAST=1"]
    os.chown(b.path / "rootfs" / "home" / "user", 1000, 1000)


@case("process-env", "config.md#process", "config.md#process: env")
def process_env(suite, b):
    """env without HOME: the runtime must not add one."""
    b.config["process"]["env"] = ["PATH=/bin", "ONLY=this"]


@case("process-rlimits", "config.md#posix-process")
def process_rlimits(suite, b):
    wanted = [  # name, getrlimit resource number, soft, hard
        ("RLIMIT_CPU", 0, 100, 200), ("RLIMIT_FSIZE", 1, 1 << 30, 1 << 31), ("RLIMIT_DATA", 2, 1 << 34, 1 << 35),
        ("RLIMIT_STACK", 3, 8 << 20, 16 << 20), ("RLIMIT_CORE", 4, 0, 1 << 20), ("RLIMIT_RSS", 5, 1 << 30, UNLIMITED),
        ("RLIMIT_NPROC", 6, 500, 1000), ("RLIMIT_NOFILE", 7, 256, 512), ("RLIMIT_MEMLOCK", 8, 64 << 10, 128 << 10),
        ("RLIMIT_AS", 9, 1 << 36, UNLIMITED), ("RLIMIT_LOCKS", 10, 100, 200), ("RLIMIT_SIGPENDING", 11, 1000, 2000),
        ("RLIMIT_MSGQUEUE", 12, 4096, 8192), ("RLIMIT_NICE", 13, 0, 0), ("RLIMIT_RTPRIO", 14, 0, 0),
        ("RLIMIT_RTTIME", 15, 1000000, 2000000),
    ]
    limits = []
    for name, kind, soft, hard in wanted:
        host = resource.getrlimit(kind)[1]
        hard = hard if host == resource.RLIM_INFINITY else min(hard, host)
        limits.append({"type": name, "soft": min(soft, hard), "hard": hard})
    b.config["process"]["rlimits"] = limits
    with_home(b)


CAPS_ROOT = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_KILL", "CAP_NET_RAW", "CAP_SETUID", "CAP_SETGID"]


@case("capabilities-root", "config.md#linux-process", "config.md#linux-process: capabilities")
def capabilities_root(suite, b):
    """Five sets for uid 0 (as root, exec makes effective and permitted the bounding set)."""
    inheritable = ["CAP_KILL", "CAP_NET_RAW"]
    b.config["process"]["capabilities"] = {"bounding": CAPS_ROOT, "effective": CAPS_ROOT, "permitted": CAPS_ROOT,
                                           "inheritable": inheritable, "ambient": inheritable}
    with_home(b)


@case("capabilities-ungrantable", "config.md#linux-process", "config.md#linux-process: capabilities",
      runs="a capability the runtime cannot grant is a warning, not an error (SHOULD)")
def capabilities_ungrantable(suite, b):
    """CAP_SYS_RESOURCE, which this runtime lacks, in every set: it cannot be
    granted, which is a warning; the container must still run (SHOULD)."""
    caps = CAPS_ROOT + ["CAP_SYS_RESOURCE"]
    b.config["process"]["capabilities"] = {s: caps for s in ("bounding", "effective", "permitted", "inheritable", "ambient")}
    with_home(b)


@case("capabilities-unknown", "config.md#linux-process", "config.md#linux-process: capabilities",
      runs="a capability name the kernel does not know is a warning, not an error (MUST warn, SHOULD NOT fail)")
def capabilities_unknown(suite, b):
    """A name no kernel has, in every set, next to real ones: the container
    runs with the real ones."""
    caps = CAPS_ROOT + ["CAP_NOT_A_CAPABILITY"]
    b.config["process"]["capabilities"] = {s: caps for s in ("bounding", "effective", "permitted", "inheritable", "ambient")}
    with_home(b)


@case("capabilities-nonroot", "config.md#linux-process", "config.md#linux-process: capabilities")
def capabilities_nonroot(suite, b):
    caps = ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW"]
    b.config["process"]["user"] = {"uid": 1000, "gid": 1000}
    b.config["process"]["capabilities"] = {s: caps for s in ("bounding", "effective", "permitted", "inheritable", "ambient")}
    with_home(b)


@case("process-oom-nnp", "config.md#linux-process", "config.md#linux-process: oomScoreAdj", "config.md#linux-process: noNewPrivileges")
def process_oom(suite, b):
    b.config["process"]["oomScoreAdj"] = 300
    b.config["process"]["noNewPrivileges"] = False
    with_home(b)


@case("inherit-from-runtime", "config.md#linux-process", "config.md#linux-process: oomScoreAdj", "config.md#user: umask")
def inherit_from_runtime(suite, b):
    """oomScoreAdj and umask unset: the runtime's values stay."""
    b.config["process"].pop("oomScoreAdj", None)
    b.config["process"].setdefault("user", {}).pop("umask", None)
    b.checker_args = [a for a in b.checker_args if not a.startswith("--runtime-oom=")]
    b.checker_args += ["--runtime-oom=17", "--runtime-umask=077"]
    with_home(b)
    return {"runtime": suite.wrapper("oom-umask", "echo 17 > /proc/self/oom_score_adj\numask 077")}


@case("scheduler", "config.md#linux-process", "config.md#linux-process: scheduler")
def scheduler(suite, b):
    b.config["process"]["scheduler"] = {"policy": "SCHED_BATCH", "nice": 7}
    with_home(b)


@case("io-priority", "config.md#linux-process", "config.md#linux-process: ioPriority")
def io_priority(suite, b):
    b.config["process"]["ioPriority"] = {"class": "IOPRIO_CLASS_BE", "priority": 6}
    with_home(b)


@case("personality", "config-linux.md#personality")
def personality(suite, b):
    b.config["linux"]["personality"] = {"domain": "LINUX32"}
    with_home(b)


@case("hostname-domainname", "config.md#hostname", "config.md#hostname", "config.md#domainname")
def hostname(suite, b):
    b.config["hostname"] = "conformance-host"
    b.config["domainname"] = "conformance.test"
    with_home(b)


@case("namespaces-all-new", "config-linux.md#namespaces", *NAMESPACE_FOCUS)
def namespaces_all_new(suite, b):
    namespaces(b, "pid", "network", "ipc", "uts", "mount", "user", "cgroup")
    b.config["linux"]["uidMappings"] = USERNS
    b.config["linux"]["gidMappings"] = USERNS
    b.config["hostname"] = "all-new"
    with_home(b)


@case("time-namespace", "config-linux.md#offset-for-time-namespace", *NAMESPACE_FOCUS)
def time_namespace(suite, b):
    namespaces(b, "pid", "network", "ipc", "uts", "mount", "time")
    b.config["linux"]["timeOffsets"] = {"monotonic": {"secs": 3600, "nanosecs": 500}, "boottime": {"secs": 86400}}
    b.config["hostname"] = "timens"
    with_home(b)


@case("namespaces-inherited", "config-linux.md#namespaces", *NAMESPACE_FOCUS)
def namespaces_inherited(suite, b):
    """Only a mount namespace: every other one is the runtime's."""
    namespaces(b, "mount")
    # sysfs and mqueue of the host's network and ipc namespaces are fine; a
    # device rule list is not needed to show inheritance.
    with_home(b)


@case("namespaces-joined", "config-linux.md#namespaces", *NAMESPACE_FOCUS)
def namespaces_joined(suite, b):
    """Joins the pid, network, ipc, uts and cgroup namespaces of a holder process."""
    holder = subprocess.Popen(["unshare", "--fork", "--pid", "--net", "--ipc", "--uts", "--cgroup", "sleep", "1000"])
    child = wait_for(lambda: _first_child(holder.pid), timeout=5)

    def stop():
        for pid in (child, holder.pid):
            if pid:
                try:
                    os.kill(pid, 9)
                except OSError:
                    pass
        holder.wait()

    if not child:
        stop()
        raise RuntimeError("the namespace holder did not start")
    kinds = ("pid", "network", "ipc", "uts", "cgroup")
    paths = {k: f"/proc/{child}/ns/{NS_FILES[k]}" for k in kinds}
    namespaces(b, "mount", **paths)
    b.checker_args += [f"--join-ns={k}:{os.stat(p).st_ino}" for k, p in paths.items()]
    with_home(b)
    return {"cleanup": stop}


def _first_child(pid):
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            children = open(f"/proc/{pid}/task/{task}/children").read().split()
            if children:
                return int(children[0])
    except OSError:
        return None
    return None


@case("user-namespace-mappings", "config-linux.md#user-namespace-mappings", *NAMESPACE_FOCUS)
def user_mappings(suite, b):
    namespaces(b, "pid", "network", "ipc", "uts", "mount", "user")
    b.config["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 200000, "size": 1000},
                                        {"containerID": 1000, "hostID": 201000, "size": 65000}]
    b.config["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 300000, "size": 5},
                                        {"containerID": 5, "hostID": 300005, "size": 65000}]
    b.config["hostname"] = "userns"
    with_home(b)


@case("mounts-options", "config.md#mounts", "config.md#mounts: /mnt")
def mounts_options(suite, b):
    b.config["root"]["readonly"] = False
    extra = [
        ("/mnt/flags", ["nosuid", "nodev", "noexec", "noatime", "nodiratime", "mode=0750", "size=1m", "uid=1000",
                        "gid=1000", "nr_inodes=1000"]),
        ("/mnt/strict", ["strictatime", "sync", "dirsync", "nosymfollow"]),
        ("/mnt/relatime", ["relatime", "rw", "exec", "suid", "dev"]),
        ("/mnt/ro", ["ro", "mode=755"]),
        ("/mnt/lazy", ["lazytime", "async"]),
        ("/mnt/last-wins", ["ro", "rw", "noexec", "exec", "noatime", "strictatime"]),
        ("mnt/relative", ["size=2m"]),
    ]
    for dest, options in extra:
        mountpoint(b, dest)
        b.config["mounts"].append({"destination": dest, "type": "tmpfs", "source": "conf-tmpfs", "options": options})
    with_home(b)


@case("mounts-order", "config.md#mounts", "config.md#mounts: /mnt")
def mounts_order(suite, b):
    """Entries are mounted in the listed order: nested ones stay visible,
    the last of two on one destination is on top."""
    b.config["root"]["readonly"] = False
    mountpoint(b, "/mnt/order")
    mountpoint(b, "/mnt/same")
    b.config["mounts"] += [
        {"destination": "/mnt/order", "type": "tmpfs", "source": "outer", "options": ["size=1m"]},
        {"destination": "/mnt/order/inner", "type": "tmpfs", "source": "inner", "options": ["size=2m"]},
        {"destination": "/mnt/order/inner/deepest", "type": "tmpfs", "source": "deepest", "options": ["size=3m"]},
        {"destination": "/mnt/same", "type": "tmpfs", "source": "first", "options": ["mode=700"]},
        {"destination": "/mnt/same", "type": "tmpfs", "source": "second", "options": ["mode=750"]},
    ]
    with_home(b)


@case("mounts-bind", "config.md#mounts", "config.md#mounts: /mnt")
def mounts_bind(suite, b):
    b.config["root"]["readonly"] = False
    rel = suite.marker(b.path / "bind-src")
    absdir = suite.base / f"abs-src-{b.cid}"
    absolute = suite.marker(absdir)
    file_src = suite.base / f"file-src-{b.cid}"
    file_token = uuid.uuid4().hex
    file_src.write_text(file_token + "\n")
    file_src.chmod(0o644)
    suite.at_end(lambda: (shutil.rmtree(absdir, ignore_errors=True), file_src.unlink(missing_ok=True)))
    cgroup_submounts = sum(1 for line in open("/proc/self/mountinfo") if line.split()[4].startswith("/sys/fs/cgroup/"))
    for dest in ("/mnt/bind-relative", "/mnt/bind-absolute", "/mnt/rbind", "/mnt/bind"):
        mountpoint(b, dest)
    mountpoint(b, "/mnt/bind-file", file=True)
    b.config["mounts"] += [
        {"destination": "/mnt/bind-relative", "type": "bind", "source": "bind-src", "options": ["bind", "ro", "nosuid"]},
        {"destination": "/mnt/bind-absolute", "type": "none", "source": str(absdir), "options": ["rbind", "rw", "noexec"]},
        {"destination": "/mnt/bind-file", "type": "bind", "source": str(file_src), "options": ["bind", "ro"]},
        {"destination": "/mnt/rbind", "type": "bind", "source": "/sys/fs/cgroup",
         "options": ["rbind", "rro", "rnosuid", "rnodev", "rnoexec", "rnoatime"]},
        {"destination": "/mnt/bind", "type": "bind", "source": "/sys/fs/cgroup", "options": ["bind", "ro"]},
    ]
    b.checker_args += [f"--bind-marker=/mnt/bind-relative:{rel}", f"--bind-marker=/mnt/bind-absolute:{absolute}",
                       f"--bind-marker=/mnt/bind-file:{file_token}",
                       f"--submounts=/mnt/rbind:{cgroup_submounts}", f"--submounts=/mnt/bind:{cgroup_submounts}"]
    with_home(b)


@case("mounts-propagation", "config.md#mounts", "config.md#mounts: /mnt")
def mounts_propagation(suite, b):
    b.config["root"]["readonly"] = False
    for kind in ("shared", "rshared", "slave", "rslave", "private", "rprivate", "unbindable", "runbindable"):
        recursive = kind.startswith("r")
        # Recursive forms get a source with submounts (only the container's copies change).
        src = Path("/sys/fs/cgroup") if recursive else b.path / f"prop-{kind}"
        if not recursive:
            src.mkdir()
        dest = f"/mnt/prop-{kind}"
        mountpoint(b, dest)
        b.config["mounts"].append({"destination": dest, "type": "bind", "source": str(src),
                                   "options": ["rbind" if recursive else "bind", kind]})
    with_home(b)


@case("mounts-idmap", "config.md#mounts", "config.md#mounts: /mnt")
def mounts_idmap(suite, b):
    """An id-mapped bind: on-disk owner 0 shows as hostID 1000 (no user namespace)."""
    b.config["root"]["readonly"] = False
    token = suite.marker(b.path / "idmap-src", uid=0, gid=0)
    mountpoint(b, "/mnt/idmap")
    mapping = [{"containerID": 0, "hostID": 1000, "size": 1}]
    b.config["mounts"].append({"destination": "/mnt/idmap", "type": "bind", "source": str(b.path / "idmap-src"),
                               "options": ["bind", "idmap"], "uidMappings": mapping, "gidMappings": mapping})
    b.checker_args.append(f"--bind-marker=/mnt/idmap:{token}:0:0")
    with_home(b)


@case("devices", "config-linux.md#devices", "config-linux.md#devices", "config-linux.md#allowed-device-list")
def devices(suite, b):
    b.config["linux"]["devices"] = [
        {"path": "/dev/conf-null", "type": "c", "major": 1, "minor": 3, "fileMode": 0o640, "uid": 1000, "gid": 1000},
        {"path": "/dev/net/tun", "type": "c", "major": 10, "minor": 200, "fileMode": 0o666, "uid": 0, "gid": 0},
        {"path": "/dev/conf-loop", "type": "b", "major": 7, "minor": 0, "fileMode": 0o660, "gid": 6},
        {"path": "/dev/conf-fifo", "type": "p", "fileMode": 0o644},
        {"path": "/dev/conf-unbuffered", "type": "u", "major": 1, "minor": 5, "fileMode": 0o600},
    ]
    rules = b.config["linux"].setdefault("resources", {}).setdefault("devices", [])
    if not rules:
        rules.append({"allow": False, "access": "rwm"})
    rules.append({"allow": True, "type": "c", "major": 10, "minor": 200, "access": "rwm"})
    with_home(b)


@case("devices-outside-dev", "config-linux.md#devices", "config-linux.md#devices")
def devices_outside_dev(suite, b):
    """config-linux.md: a device path MAY be anywhere, notably outside /dev."""
    b.config["root"]["readonly"] = False
    mountpoint(b, "/var/devices")
    b.config["linux"]["devices"] = [
        {"path": "/var/devices/full", "type": "c", "major": 1, "minor": 7, "fileMode": 0o666, "uid": 0, "gid": 0}]
    with_home(b)


@case("masked-readonly-paths", "config-linux.md#masked-paths", "config-linux.md#masked-paths", "config-linux.md#readonly-paths")
def masked_readonly(suite, b):
    b.config["root"]["readonly"] = False
    root = b.path / "rootfs"
    (root / "etc" / "secret").write_text("s3cret\n")
    (root / "etc" / "secretdir").mkdir()
    (root / "etc" / "secretdir" / "a").write_text("a\n")
    (root / "var" / "rodir").mkdir()
    (root / "etc" / "rofile").write_text("ro\n")
    linux = b.config["linux"]
    linux["maskedPaths"] = linux.get("maskedPaths", []) + ["/etc/secret", "/etc/secretdir", "/no/such/masked"]
    linux["readonlyPaths"] = linux.get("readonlyPaths", []) + ["/var/rodir", "/etc/rofile", "/no/such/readonly"]
    with_home(b)


@case("sysctl", "config-linux.md#sysctl")
def sysctl(suite, b):
    b.config["linux"]["sysctl"] = {"net.ipv4.ip_forward": "1", "net.core.somaxconn": "256",
                                   "kernel.shmmax": "4096000", "kernel.msgmax": "4096", "fs.mqueue.msg_max": "20",
                                   "net.ipv4.ip_local_port_range": "20000 30000"}
    with_home(b)


for _kind in ("shared", "slave", "private", "unbindable"):
    def _propagation(suite, b, kind=_kind):
        b.config["linux"]["rootfsPropagation"] = kind
        with_home(b)
    case(f"rootfs-propagation-{_kind}", "config-linux.md#rootfs-mount-propagation")(_propagation)


@case("cgroup-pids", "config-linux.md#pids", "config-linux.md#pids", "config-linux.md#cgroups-path")
def cgroup_pids(suite, b):
    b.config["linux"].setdefault("resources", {})["pids"] = {"limit": 77}
    with_home(b)


@case("cgroup-memory", "config-linux.md#memory", "config-linux.md#memory", "config-linux.md#cgroups-path")
def cgroup_memory(suite, b):
    b.config["linux"].setdefault("resources", {})["memory"] = {
        "limit": 256 << 20, "reservation": 128 << 20, "swap": 512 << 20, "swappiness": 30, "disableOOMKiller": False}
    with_home(b)


@case("cgroup-cpu", "config-linux.md#cpu", "config-linux.md#cpu", "config-linux.md#cgroups-path")
def cgroup_cpu(suite, b):
    # No "idle" here: an idle group gets the kernel's minimal weight, so its
    # shares read back as 3 (cgroup-cpu-idle checks it alone).
    b.config["linux"].setdefault("resources", {})["cpu"] = {"shares": 512, "quota": 50000, "period": 100000, "burst": 10000}
    with_home(b)


@case("cgroup-cpu-idle", "config-linux.md#cpu", "config-linux.md#cpu", "config-linux.md#cgroups-path")
def cgroup_cpu_idle(suite, b):
    b.config["linux"].setdefault("resources", {})["cpu"] = {"idle": 1}
    with_home(b)


@case("cgroup-cpuset", "config-linux.md#cpu", "config-linux.md#cpu", "config-linux.md#cgroups-path")
def cgroup_cpuset(suite, b):
    cpus = sorted(os.sched_getaffinity(0))
    b.config["linux"].setdefault("resources", {})["cpu"] = {"cpus": str(cpus[-1]), "mems": "0"}
    with_home(b)


@case("cgroup-blockio", "config-linux.md#block-io", "config-linux.md#block-io", "config-linux.md#cgroups-path")
def cgroup_blockio(suite, b):
    st = os.stat(_root_block_device())
    dev = {"major": os.major(st.st_rdev), "minor": os.minor(st.st_rdev)}
    b.config["linux"].setdefault("resources", {})["blockIO"] = {
        "throttleReadBpsDevice": [dict(dev, rate=10 << 20)], "throttleWriteBpsDevice": [dict(dev, rate=5 << 20)],
        "throttleReadIOPSDevice": [dict(dev, rate=1000)], "throttleWriteIOPSDevice": [dict(dev, rate=300)]}
    with_home(b)


def _root_block_device():
    for line in open("/proc/self/mountinfo"):
        f = line.split()
        if f[4] == "/":
            return f[f.index("-") + 2]
    return "/dev/vda"


@case("cgroup-namespace", "config-linux.md#namespaces", *NAMESPACE_FOCUS)
def cgroup_namespace(suite, b):
    b.config["linux"]["namespaces"].append({"type": "cgroup"})
    with_home(b)


@case("seccomp", "config-linux.md#seccomp")
def seccomp(suite, b):
    b.config["linux"]["seccomp"] = {
        "defaultAction": "SCMP_ACT_ALLOW",
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
        "syscalls": [
            {"names": ["getcwd"], "action": "SCMP_ACT_ERRNO", "errnoRet": 95},
            {"names": ["uname", "mkdir"], "action": "SCMP_ACT_ERRNO"},
            {"names": ["chmod", "fchmodat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 18},
            {"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
        ],
    }
    with_home(b)


@case("memory-policy", "config-linux.md#memory-policy")
def memory_policy(suite, b):
    b.config["linux"]["memoryPolicy"] = {"mode": "MPOL_BIND", "nodes": "0", "flags": ["MPOL_F_STATIC_NODES"]}
    with_home(b)


@case("network-devices", "config-linux.md#network-devices")
def network_devices(suite, b):
    """A veth end moved in and renamed; it must come up with its address."""
    host, peer = f"cf{uuid.uuid4().hex[:8]}a", None
    peer = host[:-1] + "b"
    subprocess.run(["ip", "link", "add", host, "type", "veth", "peer", "name", peer], check=True)
    subprocess.run(["ip", "addr", "add", "10.213.7.1/24", "dev", host], check=True)

    def remove():
        subprocess.run(["ip", "link", "del", peer], stderr=subprocess.DEVNULL)

    b.config["linux"]["netDevices"] = {host: {"name": "ctr0"}}
    b.checker_args.append("--netdev-addr=ctr0:10.213.7.1")
    with_home(b)
    return {"cleanup": remove}


@case("unknown-properties", "config.md#extensibility", "config.md#extensibility")
def unknown_properties(suite, b):
    b.config["org.example.future"] = {"nested": [1, 2, 3]}
    b.config["process"]["org.example.flag"] = True
    b.config["linux"]["org.example.knob"] = "value"
    b.config["mounts"][0]["org.example.extra"] = 1
    with_home(b)


@case("terminal", "config.md#process", "config.md#process: terminal", "config.md#process: consoleSize",
      "config-linux.md#default-devices: /dev/console")
def terminal(suite, b):
    b.config["process"]["terminal"] = True
    b.config["process"]["consoleSize"] = {"height": 31, "width": 101}
    with_home(b)
    return {"runner": run_with_console}


def run_with_console(suite, b):
    """create --console-socket, take the pty master, start, read to EOF."""
    sock_path = suite.base / f"console-{b.cid}.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(sock_path))
    server.listen(1)
    server.settimeout(30)
    proc = subprocess.Popen(b.runtime.argv("create", "--bundle", b.path, "--console-socket", sock_path, b.cid),
                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=open(suite.base / f"console-{b.cid}.err", "w"))
    master = None
    try:
        conn, _ = server.accept()
        fds = array.array("i")
        msg, anc, _, _ = conn.recvmsg(4096, socket.CMSG_SPACE(fds.itemsize))
        for level, kind, data in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(data[:len(data) - (len(data) % fds.itemsize)])
        conn.close()
        master = fds[0] if fds else None
    except OSError:
        pass
    finally:
        server.close()
    code = proc.wait(timeout=60)
    err = (suite.base / f"console-{b.cid}.err").read_text()
    if code != 0 or master is None:
        if master is not None:
            os.close(master)
        return code or 1, "", err or "no pty master received"
    r = suite.runtime.run("start", b.cid)
    out = b""
    while True:
        ready, _, _ = select.select([master], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    suite.wait_status(b.cid, "stopped")
    suite.destroy(b.cid)
    text = out.decode(errors="replace")
    return (0 if r.returncode == 0 else r.returncode), text, r.stderr
