"""Security: seccomp, capabilities, LSM requests, and the runtime CVEs
replayed from inside a container."""
import array
import fcntl
import hashlib
import json
import os
import shutil
import socket
import struct
import subprocess
import threading
from pathlib import Path

import pytest

from swiftlet_harness import REPO, error_message, wait_for

DEFAULT_CAPS = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
EPERM, EACCES, ENOSPC, ENOSYS = 1, 13, 28, 38


def install_probe(bundle, sysprobe):
    shutil.copy(sysprobe, bundle.path / "rootfs" / "bin" / "sysprobe")


def run(runtime, bundle, cid, script):
    bundle.shell(script)
    return runtime.run("run", "-b", bundle.path, cid)


def allow_all(*syscalls, **extra):
    profile = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
               "syscalls": list(syscalls)}
    profile.update(extra)
    return profile


def test_a_denied_syscall_gets_the_configured_errno(runtime, bundle, cid):
    bundle.linux["seccomp"] = allow_all({"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": EACCES})
    r = run(runtime, bundle, cid, "mkdir /tmp/x 2>&1; echo rest-ran; test -d /tmp/x || echo no-dir")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["mkdir: can't create directory '/tmp/x': Permission denied", "rest-ran", "no-dir"]


def test_errno_defaults_to_eperm(runtime, bundle, cid):
    bundle.linux["seccomp"] = allow_all({"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"})
    r = run(runtime, bundle, cid, "mkdir /tmp/x 2>&1")
    assert "Operation not permitted" in r.stdout


def test_kill_action(runtime, bundle, cid):
    bundle.linux["seccomp"] = allow_all({"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_KILL"})
    r = run(runtime, bundle, cid, "mkdir /tmp/x; echo status $?")
    assert r.stdout.strip() == "status 159", "the child got SIGSYS (128 + 31)"


def test_kill_process_and_trap(runtime, bundle, cid):
    bundle.linux["seccomp"] = allow_all({"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_KILL_PROCESS"},
                                        {"names": ["rmdir"], "action": "SCMP_ACT_TRAP"})
    r = run(runtime, bundle, cid, "mkdir /tmp/x; echo mkdir $?; rmdir /tmp; echo rmdir $?")
    assert r.stdout.split() == ["mkdir", "159", "rmdir", "159"]


def test_log_and_trace_actions_load(runtime, bundle, cid):
    bundle.linux["seccomp"] = allow_all({"names": ["getpid"], "action": "SCMP_ACT_LOG"},
                                        {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_TRACE", "errnoRet": ENOSPC})
    r = run(runtime, bundle, cid, "echo $$; mkdir /tmp/x 2>&1; echo done")
    # Not traced: the kernel answers a TRACE rule with ENOSYS.
    assert r.returncode == 0 and "Function not implemented" in r.stdout, r


def test_argument_conditions_and_masked_eq(runtime, bundle, cid):
    setuid_bit = 0o4000
    bundle.linux["seccomp"] = allow_all(
        {"names": ["chmod"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 1, "value": setuid_bit, "valueTwo": setuid_bit, "op": "SCMP_CMP_MASKED_EQ"}]},
        {"names": ["fchmodat"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 2, "value": setuid_bit, "valueTwo": setuid_bit, "op": "SCMP_CMP_MASKED_EQ"}]})
    r = run(runtime, bundle, cid, "touch /tmp/f; chmod 755 /tmp/f && echo plain-ok; chmod 4755 /tmp/f 2>/dev/null || echo setuid-denied; stat -c %a /tmp/f")
    assert r.stdout.split() == ["plain-ok", "setuid-denied", "755"]


@pytest.mark.parametrize("op, value, expect_denied", [
    ("SCMP_CMP_EQ", 0o755, True), ("SCMP_CMP_NE", 0o755, False), ("SCMP_CMP_GT", 0o700, True),
    ("SCMP_CMP_GE", 0o755, True), ("SCMP_CMP_LT", 0o755, False), ("SCMP_CMP_LE", 0o755, True)])
def test_every_operator(runtime, bundle, cid, op, value, expect_denied):
    rule = lambda name, index: {"names": [name], "action": "SCMP_ACT_ERRNO", "args": [{"index": index, "value": value, "op": op}]}
    bundle.linux["seccomp"] = allow_all(rule("chmod", 1), rule("fchmodat", 2))
    r = run(runtime, bundle, cid, "touch /tmp/f; chmod 755 /tmp/f 2>/dev/null && echo allowed || echo denied")
    assert r.stdout.strip() == ("denied" if expect_denied else "allowed")


def test_unknown_syscall_names_are_skipped(runtime, bundle, cid):
    bundle.linux["seccomp"] = allow_all({"names": ["not_a_syscall_at_all", "mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"})
    assert "Operation not permitted" in run(runtime, bundle, cid, "mkdir /tmp/x 2>&1").stdout


def cache_entries(runtime):
    cache = runtime.root / "@seccomp-cache"
    return {p.name: p for p in cache.iterdir()} if cache.is_dir() else {}


def test_compiled_programs_are_cached_per_profile_and_verified_before_use(runtime, bundle, cid):
    deny_mkdir = allow_all({"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": EACCES})
    deny_rmdir = allow_all({"names": ["rmdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": EACCES})
    script = "mkdir /tmp/x 2>&1 || true; rmdir /none 2>&1 || true"
    denied_mkdir = ["mkdir: can't create directory '/tmp/x': Permission denied", "rmdir: '/none': No such file or directory"]

    def run_with(profile, suffix):
        bundle.linux["seccomp"] = profile
        r = run(runtime, bundle, f"{cid}-{suffix}", script)
        assert r.returncode == 0, r.stderr
        return r.stdout.splitlines()

    assert run_with(deny_mkdir, "a") == denied_mkdir
    entries = cache_entries(runtime)
    assert len(entries) == 1, entries
    (name, entry), = entries.items()
    assert name.endswith(".bpf")
    assert (entry.parent.stat().st_mode & 0o777, entry.stat().st_mode & 0o777) == (0o700, 0o600)
    good = entry.read_bytes()
    stamp = entry.stat().st_mtime_ns

    # A second container of the same profile reads the entry, does not rewrite it.
    assert run_with(deny_mkdir, "b") == denied_mkdir
    assert entry.stat().st_mtime_ns == stamp and entry.read_bytes() == good
    # The cache is no container.
    assert runtime.run("list", "-q").stdout == ""

    # Another profile gets its own entry.
    assert "rmdir: '/none': Permission denied" in run_with(deny_rmdir, "c")
    other = next(p for n, p in cache_entries(runtime).items() if n != name)

    # Each bad entry is refused and replaced; the container gets the right program.
    corrupted = bytearray(good)
    corrupted[-20] ^= 0xFF  # inside the program: the checksum no longer matches
    truncated = good[:-9]
    for label, content, mode in [("corrupted", bytes(corrupted), 0o600), ("truncated", truncated, 0o600),
                                 ("another profile's", other.read_bytes(), 0o600),  # valid, but its key differs
                                 ("group-writable", good, 0o620)]:
        entry.write_bytes(content)
        entry.chmod(mode)
        assert run_with(deny_mkdir, "d") == denied_mkdir, label
        assert entry.read_bytes() == good and entry.stat().st_mode & 0o777 == 0o600, label

    # A symlink in its place is not followed (and not written through).
    decoy = runtime.root.parent / f"{cid}-decoy"
    decoy.write_bytes(other.read_bytes())
    entry.unlink()
    entry.symlink_to(decoy)
    try:
        assert run_with(deny_mkdir, "e") == denied_mkdir
        assert not entry.is_symlink() and entry.read_bytes() == good
        assert decoy.read_bytes() == other.read_bytes()
    finally:
        decoy.unlink()


@pytest.mark.parametrize("field, value", [
    ("defaultAction", "SCMP_ACT_MAYBE"), ("architectures", ["SCMP_ARCH_Z80"]), ("flags", ["SECCOMP_FILTER_FLAG_BOGUS"])])
def test_bad_profiles_are_refused(runtime, bundle, cid, field, value):
    profile = allow_all()
    profile[field] = value
    bundle.linux["seccomp"] = profile
    bundle.save()
    r = runtime.run("create", "-b", bundle.path, cid)
    assert r.returncode == 1 and "seccomp" in error_message(r.stderr)
    assert runtime.status(cid) is None


def test_unknown_operator_is_refused(runtime, bundle, cid):
    bundle.linux["seccomp"] = allow_all({"names": ["chmod"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 1, "value": 1, "op": "SCMP_CMP_SOMETIMES"}]})
    bundle.save()
    r = runtime.run("create", "-b", bundle.path, cid)
    assert r.returncode == 1 and "SCMP_CMP_SOMETIMES" in error_message(r.stderr)


@pytest.mark.parametrize("flag", ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_TSYNC",
                                  "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"])
def test_filter_flags(runtime, bundle, cid, flag):
    bundle.linux["seccomp"] = allow_all({"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}, flags=[flag])
    r = run(runtime, bundle, cid, "mkdir /tmp/x 2>&1; echo done")
    assert r.returncode == 0, r.stderr
    assert "Operation not permitted" in r.stdout


def docker_profile_as_oci(caps):
    """Converts a Docker-format profile (containers-common's, from Debian)
    into the OCI format engines hand to runtimes."""
    path = Path("/usr/share/containers/seccomp.json")
    if not path.exists():
        pytest.skip("no Docker-format default profile here (scripts/setup installs golang-github-containers-common)")
    docker = json.loads(path.read_text())
    archs = []
    for entry in docker.get("archMap") or []:
        if entry["architecture"] == "SCMP_ARCH_X86_64":
            archs = [entry["architecture"]] + entry.get("subArchitectures", [])
    syscalls = []
    for rule in docker["syscalls"]:
        inc, exc = rule.get("includes") or {}, rule.get("excludes") or {}
        if inc.get("caps") and not set(inc["caps"]) & set(caps):
            continue
        if inc.get("arches") and "amd64" not in inc["arches"] and "x86_64" not in inc["arches"]:
            continue
        if exc.get("caps") and set(exc["caps"]) & set(caps):
            continue
        if inc.get("minKernel"):
            continue
        out = {"names": rule["names"], "action": rule["action"]}
        if rule.get("args"):
            out["args"] = [{k: a[k] for k in ("index", "value", "valueTwo", "op")} for a in rule["args"]]
        if "errnoRet" in rule:
            out["errnoRet"] = rule["errnoRet"]
        syscalls.append(out)
    profile = {"defaultAction": docker["defaultAction"], "architectures": archs, "syscalls": syscalls}
    if "defaultErrnoRet" in docker:
        profile["defaultErrnoRet"] = docker["defaultErrnoRet"]
    return profile


def test_the_docker_default_profile_runs_busybox(runtime, bundle, cid):
    bundle.linux["seccomp"] = docker_profile_as_oci(DEFAULT_CAPS)
    r = run(runtime, bundle, cid, "echo hello; ls / >/dev/null && echo ls-ok; mkdir /tmp/d && echo mkdir-ok; "
                                  "(sleep 0.1 &) ; wait; cat /proc/self/status | grep Seccomp:")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\n")[:3] == ["hello", "ls-ok", "mkdir-ok"]
    assert "Seccomp:\t2" in r.stdout


def test_docker_profile_denies_what_it_should(runtime, bundle, cid, sysprobe):
    bundle.linux["seccomp"] = docker_profile_as_oci(DEFAULT_CAPS)
    install_probe(bundle, sysprobe)
    # 246 kexec_load: denied by the profile with EPERM (its errnoRet).
    r = run(runtime, bundle, cid, "sysprobe 246")
    assert r.stdout.strip() == str(EPERM)


def test_syscalls_newer_than_the_profile_get_enosys(runtime, bundle, cid, sysprobe):
    # A denying default: known syscalls not listed get EPERM, but numbers
    # above anything the profile names get ENOSYS (glibc then falls back).
    needed = ["read", "write", "open", "openat", "close", "fstat", "newfstatat", "mmap", "munmap", "brk", "exit_group",
              "execve", "arch_prctl", "set_tid_address", "set_robust_list", "rseq", "prlimit64", "mprotect", "getrandom",
              "readlinkat", "uname", "ioctl", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "futex", "getpid",
              "accept4", "recvfrom", "sendto", "sendmsg", "recvmsg", "capget", "capset", "prctl", "chdir", "getcwd",
              "setresuid", "setresgid", "setgroups", "faccessat2", "access", "lseek", "statx", "poll", "close_range",
              "personality"]
    bundle.linux["seccomp"] = {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": EPERM,
                               "architectures": ["SCMP_ARCH_X86_64"],
                               "syscalls": [{"names": needed, "action": "SCMP_ACT_ALLOW"}]}
    bundle.process["noNewPrivileges"] = True
    install_probe(bundle, sysprobe)
    bundle.command("/bin/sysprobe", "1000")
    r = runtime.run("run", "-b", bundle.path, cid)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str(ENOSYS), "a syscall number above the profile's newest"
    bundle.command("/bin/sysprobe", "95")  # umask: older than rseq (334), not listed
    r = runtime.run("run", "-b", bundle.path, cid)
    assert r.stdout.strip() == str(EPERM), "an old syscall the profile does not list"


def receive_notifications(listener, results):
    """A seccomp agent: takes the listener fd from the runtime, answers
    every mkdir with ENOSPC."""
    conn, _ = listener.accept()
    message, fds, _, _ = socket.recv_fds(conn, 65536, 4)
    results["message"] = json.loads(message)
    notify_fd = fds[0]
    recv, send = 0xC0502100, 0xC0182101  # SECCOMP_IOCTL_NOTIF_RECV / SEND
    for _ in range(5):
        request = bytearray(80)
        try:
            fcntl.ioctl(notify_fd, recv, request)
        except OSError:
            break
        notification_id, pid = struct.unpack_from("=QI", request, 0)
        nr = struct.unpack_from("=i", request, 16)[0]
        results.setdefault("syscalls", []).append(nr)
        response = bytearray(struct.pack("=QqiI", notification_id, 0, -ENOSPC, 0))
        try:
            fcntl.ioctl(notify_fd, send, response)
        except OSError:
            break
    os.close(notify_fd)
    conn.close()


@pytest.mark.parametrize("flags", [None, ["SECCOMP_FILTER_FLAG_TSYNC"]])
def test_notify_sends_the_listener_and_the_agent_answers(runtime, bundle, cid, tmp_path, flags):
    path = str(tmp_path / "agent.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)
    results = {}
    agent = threading.Thread(target=receive_notifications, args=(listener, results), daemon=True)
    agent.start()
    bundle.linux["seccomp"] = allow_all({"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"},
                                        listenerPath=path, listenerMetadata="meta-for-the-agent")
    if flags:
        bundle.linux["seccomp"]["flags"] = flags
    bundle.shell("mkdir /tmp/x 2>&1; echo done")
    r = runtime.run("run", "-b", bundle.path, cid)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["mkdir: can't create directory '/tmp/x': No space left on device", "done"]
    message = results["message"]
    assert message["fds"] == ["seccompFd"]
    assert message["metadata"] == "meta-for-the-agent"
    assert message["state"]["id"] == cid and message["state"]["status"] == "creating"
    assert message["pid"] == message["state"]["pid"] > 0
    assert 83 in results["syscalls"] or 258 in results["syscalls"]  # mkdir / mkdirat
    listener.close()


def test_notify_without_a_listener_path_is_refused(runtime, bundle, cid):
    bundle.linux["seccomp"] = allow_all({"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"})
    bundle.save()
    r = runtime.run("create", "-b", bundle.path, cid)
    assert r.returncode == 1 and "listenerPath" in error_message(r.stderr)


@pytest.mark.parametrize("field, value, needle", [
    ("apparmorProfile", "docker-default", "AppArmor"), ("selinuxLabel", "system_u:system_r:container_t:s0", "SELinux")])
def test_lsm_requests_the_host_lacks_are_refused(runtime, bundle, cid, field, value, needle):
    if needle == "AppArmor" and Path("/sys/kernel/security/apparmor").is_dir():
        pytest.skip("this host has AppArmor")
    if needle == "SELinux" and Path("/sys/fs/selinux/enforce").exists():
        pytest.skip("this host has SELinux")
    bundle.process[field] = value
    bundle.save()
    r = runtime.run("create", "-b", bundle.path, cid)
    assert r.returncode == 1
    message = error_message(r.stderr)
    assert field in message and needle in message
    assert runtime.status(cid) is None


def test_mount_label_needs_selinux(runtime, bundle, cid):
    if Path("/sys/fs/selinux/enforce").exists():
        pytest.skip("this host has SELinux")
    bundle.linux["mountLabel"] = "system_u:object_r:container_file_t:s0"
    bundle.save()
    r = runtime.run("create", "-b", bundle.path, cid)
    assert r.returncode == 1 and "linux.mountLabel" in error_message(r.stderr)


def test_capability_sets_match_the_config(runtime, bundle, cid):
    # For uid 0 the kernel makes effective equal permitted at exec, so a
    # config that asks for that is observable exactly.
    bundle.process["capabilities"] = {"bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_SETUID"], "effective": ["CAP_KILL", "CAP_CHOWN"],
                                      "permitted": ["CAP_KILL", "CAP_CHOWN"], "inheritable": ["CAP_CHOWN"], "ambient": ["CAP_CHOWN"]}
    r = run(runtime, bundle, cid, "grep Cap /proc/self/status")
    caps = dict(line.split(":\t") for line in r.stdout.strip().splitlines())
    bit = lambda *n: format(sum(1 << i for i in n), "016x")
    assert caps == {"CapInh": bit(0), "CapPrm": bit(0, 5), "CapEff": bit(0, 5), "CapBnd": bit(0, 5, 7), "CapAmb": bit(0)}


def test_capabilities_of_a_non_root_user_are_its_ambient_set(runtime, bundle, cid):
    caps = ["CAP_NET_BIND_SERVICE"]
    bundle.process["user"] = {"uid": 1000, "gid": 1000}
    bundle.process["capabilities"] = {"bounding": caps + ["CAP_KILL"], "effective": caps, "permitted": caps, "inheritable": caps, "ambient": caps}
    r = run(runtime, bundle, cid, "grep Cap /proc/self/status")
    got = dict(line.split(":\t") for line in r.stdout.strip().splitlines())
    bit = lambda *n: format(sum(1 << i for i in n), "016x")
    assert got == {"CapInh": bit(10), "CapPrm": bit(10), "CapEff": bit(10), "CapBnd": bit(5, 10), "CapAmb": bit(10)}


# ---- The CVEs -------------------------------------------------------------

def test_cve_2019_5736_the_runtime_binary_cannot_be_opened_for_writing(runtime, bundle, cid, tmp_path):
    """A container holds an O_PATH handle on the runtime's /proc/PID/exe and
    reopens it for writing once the runtime has exec'd the user program
    (the original exploit). The runtime's binary must stay unchangeable.
    A private copy of the binary is used so that no other process is
    executing it (that would only give a transient "text file busy")."""
    binary = tmp_path / "swiftlet"
    shutil.copy2(runtime.binary, binary)
    from swiftlet_harness import Runtime
    runtime = Runtime(runtime.root, binary=str(binary))
    digest = hashlib.sha256(binary.read_bytes()).hexdigest()
    bundle.command("sleep", "100")
    runtime.run("create", "-b", bundle.path, cid, check=True)
    pid = runtime.state(cid)["pid"]
    handle = os.open(f"/proc/{pid}/exe", os.O_PATH)
    try:
        runtime.run("start", cid, check=True)
        assert os.readlink(f"/proc/{pid}/exe").endswith("busybox")
        with pytest.raises(OSError) as raised:
            os.open(f"/proc/self/fd/{handle}", os.O_WRONLY)
        assert raised.value.errno == 30, f"expected EROFS, got {raised.value}"  # EROFS
    finally:
        os.close(handle)
        runtime.run("delete", "-f", cid)
        os.waitpid(pid, 0)
    assert hashlib.sha256(binary.read_bytes()).hexdigest() == digest


def test_cve_2019_5736_init_is_not_dumpable_before_exec(runtime, bundle, cid):
    """Before exec, init runs the runtime's code inside the container: it is
    not dumpable, so a container process without CAP_SYS_PTRACE over the
    host cannot open its /proc files (exe, mem, fds)."""
    bundle.command("sleep", "100")
    runtime.run("create", "-b", bundle.path, cid, check=True)
    pid = runtime.state(cid)["pid"]
    try:
        # A non-dumpable process's /proc/PID files belong to root:root
        # whatever its uid; the kernel reports dumpable-ness there too.
        owner = os.stat(f"/proc/{pid}/mem")
        assert (owner.st_uid, owner.st_gid) == (0, 0)
        probe = subprocess.run(["setpriv", "--reuid=1000", "--regid=1000", "--clear-groups", "cat", f"/proc/{pid}/environ"],
                               capture_output=True, text=True)
        assert probe.returncode != 0 and "Permission denied" in probe.stderr
    finally:
        runtime.run("delete", "-f", cid)
        os.waitpid(pid, 0)


@pytest.mark.parametrize("fd", range(3, 12))
def test_cve_2024_21626_no_runtime_fd_gives_a_cwd_outside_the_root(runtime, bundle, cid, fd):
    bundle.process["cwd"] = f"/proc/self/fd/{fd}"
    bundle.command("pwd")
    bundle.save()
    r = runtime.run("run", "-b", bundle.path, cid, log=bundle.path / "log.json", log_format="json")
    assert r.returncode == 1, f"cwd {bundle.process['cwd']} was accepted: {r.stdout}"
    assert runtime.status(cid) is None


def test_cve_2024_21626_no_runtime_fd_reaches_the_container(runtime, bundle, cid):
    r = run(runtime, bundle, cid, "ls -l /proc/self/fd")
    def fd_of(tokens):
        return int(tokens[tokens.index("->") - 1] if "->" in tokens else tokens[-1])
    entries = {fd_of(line.split()): line for line in r.stdout.splitlines() if line.startswith("l")}
    # 0-2 are the caller's stdio, 3 is ls's own directory handle.
    assert sorted(entries) == [0, 1, 2, 3], r.stdout
    targets = [line.split("->")[1].strip() for line in entries.values() if "->" in line]
    assert not any(t.startswith(("/sys/fs/cgroup", "/run", "socket:", str(runtime.root))) for t in targets), targets


def test_runc_3674_a_non_root_user_does_not_chown_the_hosts_dev_null(runtime, bundle, cid):
    before = os.stat("/dev/null")
    bundle.process["user"] = {"uid": 1000, "gid": 1000}
    bundle.shell("echo hi > /dev/stdout; cat < /dev/stdin")
    with open("/dev/null") as devnull:
        r = runtime.run("run", "-b", bundle.path, cid, stdin=devnull)
    assert r.returncode == 0, r.stderr
    after = os.stat("/dev/null")
    assert (after.st_uid, after.st_gid, after.st_mode) == (before.st_uid, before.st_gid, before.st_mode)


def test_dev_console_symlink_is_not_followed(runtime, bundle, cid):
    """An image without a /dev mount ships /dev/console -> a procfs file; the
    console must not be mounted there (runc's 2025 CVEs)."""
    bundle.config["mounts"] = [m for m in bundle.config["mounts"] if m["destination"] != "/dev"]
    os.symlink("/proc/sys/kernel/core_pattern", bundle.path / "rootfs" / "dev" / "console")
    bundle.process["terminal"] = True
    before = open("/proc/sys/kernel/core_pattern").read()
    bundle.shell("grep -c core_pattern /proc/self/mountinfo; ls -l /dev/console | cut -c1")
    r = runtime.run("run", "-b", bundle.path, cid)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.replace("\r", "").split()
    assert lines == ["0", "c"], lines
    assert open("/proc/sys/kernel/core_pattern").read() == before


def test_rootfs_symlink_to_the_host_root_is_refused(runtime, bundle, cid):
    shutil.rmtree(bundle.path / "rootfs")
    os.symlink("/", bundle.path / "rootfs")
    r = runtime.run("create", "-b", bundle.path, cid)
    assert r.returncode == 1 and "symlink" in error_message(r.stderr)
    assert runtime.status(cid) is None


def test_mount_destination_climbing_out_stays_inside(runtime, bundle, cid):
    bundle.config["mounts"].append({"destination": "/../../../etc/swiftlet-escape", "type": "tmpfs", "source": "tmpfs"})
    r = run(runtime, bundle, cid, "grep -c ' /etc/swiftlet-escape ' /proc/self/mountinfo")
    assert r.returncode == 0 and r.stdout.strip() == "1"
    assert not os.path.exists("/etc/swiftlet-escape")


def test_mount_destination_through_a_symlink_to_root_stays_inside(runtime, bundle, cid):
    os.symlink("/", bundle.path / "rootfs" / "to-root")
    bundle.config["mounts"].append({"destination": "/to-root/etc/swiftlet-escape2", "type": "tmpfs", "source": "tmpfs"})
    r = run(runtime, bundle, cid, "grep -c ' /etc/swiftlet-escape2 ' /proc/self/mountinfo")
    assert r.stdout.strip() == "1"
    assert not os.path.exists("/etc/swiftlet-escape2")
