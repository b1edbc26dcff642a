"""exec: a new process that joins every namespace and the cgroup of the
container, with its own process spec (runc's exec flags or --process)."""
import json
import os
import socket
import subprocess
import sys

import pytest

from swiftlet_harness import REPO, error_message, reap_until_gone, wait_for


@pytest.fixture
def running(runtime, bundle, cid):
    """A running container (sleep) and its init pid; deleted afterwards."""
    state = {}

    def start(create_only=False):
        bundle.command("sleep", "1000")
        runtime.run("create", "-b", bundle.path, cid, check=True)
        if not create_only:
            runtime.run("start", cid, check=True)
        state["pid"] = runtime.state(cid)["pid"]
        return state["pid"]

    yield start
    if "pid" in state:
        runtime.run("delete", "-f", cid)
        reap_until_gone(state["pid"])


def test_exec_joins_every_namespace_and_the_cgroup(runtime, bundle, cid, running):
    bundle.linux["namespaces"].append({"type": "cgroup"})
    pid = running()
    names = ["pid", "net", "ipc", "uts", "mnt", "cgroup"]
    script = "; ".join(f"readlink /proc/self/ns/{n}" for n in names) + "; cat /proc/self/cgroup"
    r = runtime.run("exec", cid, "sh", "-c", script)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    for name, line in zip(names, lines):
        assert line == os.readlink(f"/proc/{pid}/ns/{name}"), name
    for line in lines[len(names):]:
        assert line.split(":", 2)[2] == "/", "in the container's cgroup (seen through its cgroup namespace)"


def test_exec_in_a_created_container(runtime, cid, running):
    running(create_only=True)
    r = runtime.run("exec", cid, "echo", "before start")
    assert r.returncode == 0 and r.stdout == "before start\n", r.stderr
    assert runtime.status(cid) == "created"


def test_exit_status_and_signals(runtime, cid, running):
    running()
    assert runtime.run("exec", cid, "sh", "-c", "exit 7").returncode == 7
    assert runtime.run("exec", cid, "sh", "-c", "kill -9 $$").returncode == 137


def test_flags_set_the_process(runtime, cid, running):
    running()
    r = runtime.run("exec", "--cwd", "/tmp", "-e", "A=1", "--env", "B=two", "-u", "1000:1000", "--additional-gids", "5",
                    "--no-new-privs", cid, "sh", "-c", 'pwd; echo "$A $B"; id -u; id -g; id -G; grep NoNewPrivs /proc/self/status')
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\n")[:6] == ["/tmp", "1 two", "1000", "1000", "1000 5", "NoNewPrivs:\t1"]


def test_exec_gets_the_container_env_by_default(runtime, bundle, cid, running):
    bundle.process["env"] = ["PATH=/bin", "FROM_CONFIG=yes"]
    running()
    r = runtime.run("exec", cid, "sh", "-c", "echo $FROM_CONFIG")
    assert r.stdout == "yes\n"


def test_process_file(runtime, cid, running, tmp_path):
    running()
    process = {"args": ["sh", "-c", "echo $X; id -u; ulimit -n; cat /proc/self/oom_score_adj; grep CapEff /proc/self/status"],
               "env": ["PATH=/bin", "X=from-file"], "cwd": "/", "user": {"uid": 1234, "gid": 1234},
               "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 77, "hard": 77}],
               "capabilities": {"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"],
                                "inheritable": ["CAP_KILL"], "ambient": ["CAP_KILL"]}}
    (tmp_path / "process.json").write_text(json.dumps(process))
    r = runtime.run("exec", "--process", tmp_path / "process.json", cid)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["from-file", "1234", "77", "0", "CapEff:", format(1 << 5, "016x")]


def test_missing_executable_leaves_the_container_running(runtime, cid, running):
    running()
    r = runtime.run("exec", cid, "no-such-program")
    assert r.returncode == 1
    assert error_message(r.stderr) == 'exec: "no-such-program": executable file not found in $PATH'
    assert runtime.status(cid) == "running"


def test_paused_container_refuses_exec_unless_asked(runtime, cid, running):
    running()
    runtime.run("pause", cid, check=True)
    r = runtime.run("exec", cid, "true")
    assert r.returncode == 1 and "paused" in error_message(r.stderr)
    r = runtime.run("exec", "-d", "--ignore-paused", cid, "true")
    assert r.returncode == 0, r.stderr
    runtime.run("resume", cid, check=True)


def test_exec_of_a_stopped_container_fails(runtime, bundle, cid):
    runtime.run("run", "--keep", "-b", bundle.path, cid, check=True)
    r = runtime.run("exec", cid, "true")
    assert r.returncode == 1 and "stopped" in error_message(r.stderr)
    runtime.run("delete", cid, check=True)


def test_detached_exec_is_a_child_of_the_callers_subreaper(runtime, cid, running, tmp_path):
    running()
    pidfile = tmp_path / "exec.pid"
    helper = subprocess.Popen([sys.executable, str(REPO / "integration" / "tools" / "subreaper.py"), str(pidfile), "--",
                               *runtime.argv("exec", "--detach", "--pid-file", pidfile, cid, "sleep", "100")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    result = json.loads(helper.stdout.readline())
    try:
        assert result["exit"] == 0
        assert pidfile.read_text().isdigit()
        assert result["ppid"] == result["me"]
        assert int(pidfile.read_text()) in json.loads(runtime.run("ps", "--format", "json", cid).stdout)
    finally:
        os.kill(int(pidfile.read_text()), 9)
        helper.stdin.close()
        helper.wait(timeout=10)


def test_container_seccomp_applies_to_exec(runtime, bundle, cid, running):
    bundle.linux["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
                               "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}
    running()
    r = runtime.run("exec", cid, "sh", "-c", "mkdir /tmp/x 2>&1; true")
    assert "Operation not permitted" in r.stdout


def test_exec_in_a_user_namespace(runtime, bundle, cid, running):
    mapping = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    bundle.linux["namespaces"].append({"type": "user"})
    bundle.linux["uidMappings"] = mapping
    bundle.linux["gidMappings"] = mapping
    pid = running()
    r = runtime.run("exec", cid, "sh", "-c", "id -u; cat /proc/self/uid_map; readlink /proc/self/ns/user")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "0" and lines[1].split() == ["0", "100000", "65536"]
    assert lines[2] == os.readlink(f"/proc/{pid}/ns/user")


def test_exec_cpu_affinity(runtime, cid, running, tmp_path):
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        pytest.skip("one CPU: nothing to pin to")
    running()
    process = {"args": ["grep", "Cpus_allowed_list", "/proc/self/status"], "env": ["PATH=/bin"], "cwd": "/",
               "execCPUAffinity": {"initial": str(cpus[0]), "final": str(cpus[-1])}}
    (tmp_path / "p.json").write_text(json.dumps(process))
    r = runtime.run("exec", "--process", tmp_path / "p.json", cid)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split()[1] == str(cpus[-1])


def test_exec_tty_with_a_console_socket(runtime, cid, running, tmp_path):
    running()
    path = str(tmp_path / "console.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)
    r = runtime.run("exec", "-d", "-t", "--console-socket", path, cid, "sh", "-c", "tty; echo done; sleep 1")
    assert r.returncode == 0, r.stderr
    listener.settimeout(5)
    conn, _ = listener.accept()
    payload, fds, _, _ = socket.recv_fds(conn, 4096, 4)
    assert payload == b"/dev/ptmx" and len(fds) == 1
    output = b""
    while b"done" not in output:
        chunk = os.read(fds[0], 4096)
        if not chunk:
            break
        output += chunk
    assert output.decode().replace("\r", "").splitlines()[0].startswith("/dev/pts/")
    os.close(fds[0])
    conn.close()
    listener.close()


def test_exec_tty_in_the_foreground(runtime, cid, running):
    running()
    r = runtime.run("exec", "-t", cid, "sh", "-c", "test -t 1 && echo tty-out; exit 3")
    assert r.returncode == 3, r.stderr
    assert r.stdout.replace("\r", "").strip() == "tty-out"


def test_terminal_and_console_socket_mismatch(runtime, cid, running, tmp_path):
    running()
    r = runtime.run("exec", "-d", "-t", cid, "true")
    assert r.returncode == 1 and "console-socket" in error_message(r.stderr)
    r = runtime.run("exec", "--console-socket", tmp_path / "s", cid, "true")
    assert r.returncode == 1 and "terminal" in error_message(r.stderr)


def test_exec_process_is_not_dumpable_while_it_enters(runtime, cid, running, tmp_path):
    """CVE-2019-5736: the entering process is the runtime's binary until it
    execs; it must not be dumpable (no /proc/PID/exe for the container)."""
    running()
    # A process file whose program does not exist keeps the runtime's code
    # running until the lookup fails; check the exec'd program instead: its
    # exe is the program, and the runtime's pages were never exposed.
    r = runtime.run("exec", cid, "sh", "-c", "readlink /proc/self/exe")
    assert r.stdout.strip().endswith("busybox")


@pytest.mark.parametrize("fd", range(3, 11))
def test_cve_2024_21626_exec_gets_no_runtime_fd_as_its_cwd(runtime, cid, running, fd):
    running()
    r = runtime.run("exec", "--cwd", f"/proc/self/fd/{fd}", cid, "pwd")
    assert r.returncode != 0, f"--cwd /proc/self/fd/{fd} was accepted: {r.stdout}"
    assert runtime.status(cid) == "running"


def test_runc_3674_exec_as_a_user_does_not_chown_the_hosts_dev_null(runtime, cid, running):
    running()
    before = os.stat("/dev/null")
    with open("/dev/null") as devnull:
        r = runtime.run("exec", "--user", "1000:1000", cid, "sh", "-c", "echo hi; cat", stdin=devnull)
    assert r.returncode == 0 and r.stdout == "hi\n", r.stderr
    after = os.stat("/dev/null")
    assert (after.st_uid, after.st_gid, after.st_mode) == (before.st_uid, before.st_gid, before.st_mode)


def test_cve_2019_5736_an_entering_exec_runs_from_a_read_only_binary(runtime, cid, running, tmp_path):
    """In a paused container a detached exec stops before its execve: what
    the container could reach of it (/proc/PID/exe) is a read-only copy."""
    running()
    runtime.run("pause", cid, check=True)
    pid_file = tmp_path / "exec.pid"
    try:
        r = runtime.run("exec", "-d", "--ignore-paused", "--pid-file", pid_file, cid, "true")
        assert r.returncode == 0, r.stderr
        pid = int(pid_file.read_text())
        exe, binary = os.stat(f"/proc/{pid}/exe"), os.stat(runtime.binary)
        assert (exe.st_dev, exe.st_ino) == (binary.st_dev, binary.st_ino), "not yet exec'd: still the runtime"
        assert os.readlink(f"/proc/{pid}/exe") == "/", "a detached mount of the binary alone"
        with pytest.raises(OSError) as raised:
            os.close(os.open(f"/proc/{pid}/exe", os.O_WRONLY))
        assert raised.value.errno in (30, 26), raised.value  # EROFS, or ETXTBSY while it runs
    finally:
        runtime.run("resume", cid, check=True)
    reap_until_gone(pid)


def test_exec_cap_adds_to_the_process_capabilities(runtime, cid, running):
    running()
    def effective(*flags):
        r = runtime.run("exec", *flags, cid, "sh", "-c", "grep CapEff /proc/self/status")
        assert r.returncode == 0, r.stderr
        return int(r.stdout.split()[1], 16)
    CAP_SYS_ADMIN, CAP_NET_RAW = 21, 13
    plain = effective()
    added = effective("--cap", "CAP_SYS_ADMIN", "--cap", "CAP_NET_RAW")
    assert not plain & (1 << CAP_SYS_ADMIN)
    assert added == plain | (1 << CAP_SYS_ADMIN) | (1 << CAP_NET_RAW)
    # config.md: a capability that cannot be mapped is a warning, not a failure.
    r = runtime.run("exec", "--cap", "CAP_NOPE", cid, "true")
    assert r.returncode == 0 and 'unknown capability \\"CAP_NOPE\\", skipped' in r.stderr and "level=warning" in r.stderr, r.stderr


def test_exec_preserve_fds_passes_them_on(runtime, cid, running, tmp_path):
    running()
    passed = tmp_path / "passed.txt"
    passed.write_text("through fd 3\n")
    # A shell opens fd 3 for swiftlet (pytest's own low fds stay untouched).
    with_fd3 = ["sh", "-c", 'exec 3<"$0"; exec "$@"', str(passed)]
    r = subprocess.run(with_fd3 + runtime.argv("exec", "--preserve-fds", "1", cid, "sh", "-c", "cat <&3"),
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "through fd 3\n"
    without = subprocess.run(with_fd3 + runtime.argv("exec", cid, "sh", "-c", "cat <&3"), capture_output=True, text=True,
                             timeout=60)
    assert without.returncode != 0, "without --preserve-fds, fd 3 does not reach the process"
