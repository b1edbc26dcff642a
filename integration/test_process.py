"""process.* of config.json, observed from inside the container."""
import fcntl
import json
import os
import pty
import resource
import select
import struct
import subprocess
import termios
import time

import pytest

from swiftlet_harness import error_message


def run_in(runtime, bundle, cid, script=None, **kwargs):
    if script is not None:
        bundle.shell(script)
    r = runtime.run("run", "-b", bundle.path, cid, **kwargs)
    assert r.returncode == 0, f"exit {r.returncode}: {r.stderr}"
    return r.stdout


def test_args_env_and_cwd(runtime, bundle, cid):
    bundle.process["env"] = ["PATH=/bin", "FOO=bar baz", "EMPTY="]
    bundle.process["cwd"] = "/tmp"
    bundle.command("sh", "-c", 'echo "$0|$1|$FOO|$EMPTY|$(pwd)"; env | sort', "first", "second")
    out = run_in(runtime, bundle, cid).splitlines()
    assert out[0] == "first|second|bar baz||/tmp"
    env = [line for line in out[1:] if not line.startswith(("PWD=", "SHLVL=", "_="))]
    assert env == ["EMPTY=", "FOO=bar baz", "PATH=/bin"]


def test_no_path_in_env_means_none_is_invented(runtime, bundle, cid):
    bundle.process["env"] = ["A=1"]
    # The program exec'd by the runtime gets exactly the config's env (a
    # shell would invent its own default PATH).
    bundle.command("/bin/cat", "/proc/self/environ")
    assert run_in(runtime, bundle, cid) == "A=1\0"


def test_user_groups_and_umask(runtime, bundle, cid):
    bundle.process["user"] = {"uid": 1000, "gid": 1000, "additionalGids": [5, 7], "umask": 0o077}
    out = run_in(runtime, bundle, cid, "id -u; id -g; id -G; umask; touch /tmp/f; stat -c %a /tmp/f")
    assert out.split() == ["1000", "1000", "1000", "5", "7", "0077", "600"]


@pytest.mark.parametrize("caller_umask", ["0022", "0027"])
def test_without_a_umask_the_callers_is_kept(runtime, bundle, cid, caller_umask):
    bundle.shell("umask")
    r = subprocess.run(["sh", "-c", f'umask {caller_umask}; exec "$@"', "sh", *runtime.argv("run", "-b", bundle.path, cid)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == caller_umask


def test_rlimits(runtime, bundle, cid):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    bundle.process["rlimits"] = [
        {"type": "RLIMIT_NOFILE", "soft": 123, "hard": min(hard, 456)},
        {"type": "RLIMIT_CORE", "soft": 0, "hard": 0},
    ]
    out = run_in(runtime, bundle, cid, "ulimit -n; ulimit -H -n; ulimit -c")
    assert out.split() == ["123", str(min(hard, 456)), "0"]


def test_rlimit_above_the_hard_limit_says_so(runtime, bundle, cid):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        pytest.skip("RLIMIT_NOFILE has no hard limit on this machine")
    if os.system("capsh --has-p=cap_sys_resource >/dev/null 2>&1") == 0:
        pytest.skip("this process has CAP_SYS_RESOURCE and may raise hard limits")
    bundle.process["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": hard + 1, "hard": hard + 1}]
    bundle.save()
    r = runtime.run("run", "-b", bundle.path, cid)
    assert r.returncode == 1
    message = error_message(r.stderr)
    assert "RLIMIT_NOFILE" in message and f"hard limit here is {hard}" in message
    assert runtime.status(cid) is None


def test_no_new_privileges(runtime, bundle, cid):
    bundle.process["noNewPrivileges"] = True
    assert run_in(runtime, bundle, cid, "grep NoNewPrivs /proc/self/status").split() == ["NoNewPrivs:", "1"]


def test_new_privileges_allowed(runtime, bundle, cid):
    bundle.process["noNewPrivileges"] = False
    assert run_in(runtime, bundle, cid, "grep NoNewPrivs /proc/self/status").split() == ["NoNewPrivs:", "0"]


def test_oom_score_adj(runtime, bundle, cid):
    bundle.process["oomScoreAdj"] = 500
    assert run_in(runtime, bundle, cid, "cat /proc/self/oom_score_adj").strip() == "500"


def test_default_capabilities(runtime, bundle, cid):
    # AUDIT_WRITE (29), KILL (5), NET_BIND_SERVICE (10)
    expected = format((1 << 29) | (1 << 5) | (1 << 10), "016x")
    out = run_in(runtime, bundle, cid, "grep Cap /proc/self/status")
    caps = dict(line.split(":\t") for line in out.strip().splitlines())
    assert caps["CapEff"] == expected and caps["CapPrm"] == expected and caps["CapBnd"] == expected
    assert caps["CapInh"] == "0" * 16 and caps["CapAmb"] == "0" * 16


def test_capabilities_survive_the_user_switch(runtime, bundle, cid):
    caps = ["CAP_NET_BIND_SERVICE", "CAP_KILL"]
    bundle.process["user"] = {"uid": 1000, "gid": 1000}
    bundle.process["capabilities"] = {"bounding": caps, "effective": caps, "permitted": caps, "inheritable": caps, "ambient": caps}
    out = run_in(runtime, bundle, cid, "grep Cap /proc/self/status")
    values = dict(line.split(":\t") for line in out.strip().splitlines())
    expected = format((1 << 10) | (1 << 5), "016x")
    for key in ("CapEff", "CapPrm", "CapInh", "CapBnd", "CapAmb"):
        assert values[key] == expected, (key, values)


def test_a_capability_the_runtime_lacks_is_a_warning(runtime, bundle, cid, tmp_path):
    """config.md: capabilities that cannot be granted are warnings. This
    session's bounding set lacks CAP_SYS_RESOURCE."""
    bounding = int(open("/proc/self/status").read().split("CapBnd:")[1].split()[0], 16)
    if bounding & (1 << 24):
        pytest.skip("this process has CAP_SYS_RESOURCE: nothing ungrantable to ask for")
    for key in ("bounding", "effective", "permitted"):
        bundle.process["capabilities"][key].append("CAP_SYS_RESOURCE")
    bundle.shell("grep CapEff /proc/self/status")
    log = tmp_path / "log.json"
    r = runtime.run("run", "-b", bundle.path, cid, log=log, log_format="json")
    assert r.returncode == 0, r.stderr
    assert int(r.stdout.split()[1], 16) & (1 << 24) == 0
    warnings = [json.loads(l)["msg"] for l in log.read_text().splitlines() if json.loads(l)["level"] == "warning"]
    assert any("CAP_SYS_RESOURCE" in w for w in warnings), warnings


def test_unknown_capability_is_a_warning_and_skipped(runtime, bundle, cid):
    """config.md: a value that cannot be mapped MUST be logged as a warning;
    the runtime SHOULD NOT fail (runc skips it too)."""
    bundle.process["capabilities"]["bounding"] = ["CAP_NOT_A_THING", "CAP_KILL"]
    bundle.shell("grep CapBnd /proc/self/status")
    r = runtime.run("run", "-b", bundle.path, cid)
    assert r.returncode == 0, r.stderr
    assert int(r.stdout.split()[1], 16) == 1 << 5, "only CAP_KILL is left in the bounding set"
    assert 'level=warning msg="process.capabilities.bounding: unknown capability \\"CAP_NOT_A_THING\\", skipped"' in r.stderr


def test_hostname_and_domainname(runtime, bundle, cid):
    bundle.config["hostname"] = "box"
    bundle.config["domainname"] = "example.org"
    out = run_in(runtime, bundle, cid, "hostname; cat /proc/sys/kernel/domainname")
    assert out.split() == ["box", "example.org"]


def test_missing_executable_fails_at_create(runtime, bundle, cid):
    bundle.command("no-such-program")
    r = runtime.run("create", "-b", bundle.path, cid)
    assert r.returncode == 1
    assert error_message(r.stderr) == 'exec: "no-such-program": executable file not found in $PATH'
    assert runtime.status(cid) is None


def test_stdio_is_handed_over_unchanged(runtime, bundle, cid, tmp_path):
    bundle.shell("read line; echo \"out:$line\"; echo err >&2")
    with open(tmp_path / "in", "w") as f:
        f.write("hello\n")
    with open(tmp_path / "in") as stdin, open(tmp_path / "out", "w") as out, open(tmp_path / "err", "w") as err:
        r = subprocess.run(runtime.argv("run", "-b", bundle.path, cid), stdin=stdin, stdout=out, stderr=err)
    assert r.returncode == 0
    assert (tmp_path / "out").read_text() == "out:hello\n"
    assert (tmp_path / "err").read_text() == "err\n"


def test_only_stdio_and_preserved_fds_reach_the_container(runtime, bundle, cid, tmp_path):
    bundle.shell("ls /proc/self/fd | sort -n | tr '\\n' ' '; echo; cat <&3; cat <&4")
    (tmp_path / "three").write_text("fd three\n")
    (tmp_path / "four").write_text("fd four\n")
    (tmp_path / "nine").write_text("nine\n")
    # fds 3 and 4 are preserved; 9 is open in the caller but not passed on.
    r = subprocess.run(
        ["sh", "-c", 'exec 3<"$1" 4<"$2" 9<"$3"; shift 3; exec "$@"', "sh",
         str(tmp_path / "three"), str(tmp_path / "four"), str(tmp_path / "nine"),
         *runtime.argv("run", "--preserve-fds", "2", "-b", bundle.path, cid)],
        capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    listed = [int(x) for x in lines[0].split()]
    # ls's own directory handle takes the lowest free fd, 5.
    assert listed == [0, 1, 2, 3, 4, 5]
    assert lines[1:] == ["fd three", "fd four"]


def test_terminal_run_proxies_a_pty(runtime, bundle, cid):
    bundle.process["terminal"] = True
    bundle.shell("tty; test -t 0 && echo stdin-is-a-tty; ls -l /dev/console | cut -c1")
    r = runtime.run("run", "-b", bundle.path, cid)
    assert r.returncode == 0, r.stderr
    out = r.stdout.replace("\r", "").splitlines()
    assert out[0].startswith("/dev/pts/")
    assert out[1] == "stdin-is-a-tty"
    assert out[2] == "c"


def test_terminal_run_is_interactive_raw_and_follows_resizes(runtime, bundle, cid):
    """A person at a terminal: the caller's tty goes raw (no second echo),
    typed input reaches the container, a resize of the caller's window
    reaches the container's pty, and the exit status comes back."""
    bundle.process["terminal"] = True
    bundle.shell("stty size; read line; echo got:$line; stty size; exit 5")
    bundle.save()

    def winsize(fd, rows, cols):
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    pid, master = pty.fork()
    if pid == 0:
        winsize(0, 40, 100)
        os.execv(runtime.binary, [runtime.binary, "--root", str(runtime.root), "run", "-b", str(bundle.path), cid])
    output = b""

    def read_until(needle, timeout=10):
        nonlocal output
        deadline = time.monotonic() + timeout
        while needle not in output and time.monotonic() < deadline:
            if select.select([master], [], [], 0.1)[0]:
                try:
                    chunk = os.read(master, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                output += chunk
        return needle in output

    try:
        assert read_until(b"40 100"), output
        winsize(master, 50, 120)  # the kernel sends SIGWINCH to swiftlet, the tty's foreground
        time.sleep(0.3)
        os.write(master, b"hello\r")
        assert read_until(b"50 120"), output
        read_until(b"\x00", timeout=2)  # until the container's pty closes
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(master)
    text = output.decode().replace("\r", "")
    assert "got:hello" in text
    assert text.count("hello") == 2, f"typed input echoed once, by the container's pty: {text!r}"
    assert os.waitstatus_to_exitcode(status) == 5


def test_terminal_without_console_socket_is_refused_when_detached(runtime, bundle, cid):
    bundle.process["terminal"] = True
    bundle.save()
    r = runtime.run("create", "-b", bundle.path, cid)
    assert r.returncode == 1 and "console-socket" in error_message(r.stderr)
    assert runtime.status(cid) is None


def test_console_socket_without_terminal_is_refused(runtime, bundle, cid, tmp_path):
    r = runtime.run("create", "-b", bundle.path, "--console-socket", tmp_path / "sock", cid)
    assert r.returncode == 1 and "terminal" in error_message(r.stderr)
    assert runtime.status(cid) is None


def keyrings_inside(runtime, bundle, cid, *extra):
    bundle.linux["maskedPaths"] = [p for p in bundle.linux["maskedPaths"] if p != "/proc/keys"]
    bundle.shell("cat /proc/keys")
    r = runtime.run("run", *extra, "-b", bundle.path, cid)
    assert r.returncode == 0, r.stderr
    # /proc/keys: id flags usage timeout perm uid gid type description: summary
    return [line.split()[8].rstrip(":") for line in r.stdout.splitlines() if line.split()[7] == "keyring"]


def test_each_container_gets_a_new_session_keyring(runtime, bundle, cid):
    assert cid in keyrings_inside(runtime, bundle, cid)


def test_no_new_keyring_keeps_the_callers(runtime, bundle, cid):
    assert cid not in keyrings_inside(runtime, bundle, cid, "--no-new-keyring")


def test_console_socket_receives_the_pty_master(runtime, bundle, cid, tmp_path):
    """containerd's protocol: one message, payload the pty name, one fd."""
    import socket
    bundle.process["terminal"] = True
    bundle.process["consoleSize"] = {"height": 33, "width": 101}
    bundle.shell("stty size; tty; echo done")
    path = str(tmp_path / "console.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)
    r = runtime.run("create", "-b", bundle.path, "--console-socket", path, cid)
    assert r.returncode == 0, r.stderr
    listener.settimeout(5)
    conn, _ = listener.accept()
    payload, fds, flags, _ = socket.recv_fds(conn, 4096, 4)
    assert payload == b"/dev/ptmx"
    assert len(fds) == 1
    master = fds[0]
    runtime.run("start", cid, check=True)
    output = b""
    while b"done" not in output:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    lines = output.decode().replace("\r", "").splitlines()
    assert lines[0] == "33 101"
    assert lines[1].startswith("/dev/pts/")
    os.close(master)
    conn.close()
    listener.close()
    pid = runtime.state(cid)["pid"]
    runtime.run("delete", "-f", cid, check=True)
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def test_socket_activation_fds_are_passed_on(runtime, bundle, cid, tmp_path):
    """systemd socket activation: LISTEN_FDS fds for our own LISTEN_PID go
    to the container (before --preserve-fds ones), with LISTEN_FDS set."""
    (tmp_path / "listen").write_text("activation fd\n")
    bundle.process["env"] = ["PATH=/bin"]
    bundle.shell('echo "LISTEN_FDS=$LISTEN_FDS"; cat <&3')
    argv = runtime.argv("run", "-b", bundle.path, cid)
    r = subprocess.run(["sh", "-c", 'exec 3<"$1"; shift; export LISTEN_FDS=1 LISTEN_PID=$$; exec "$@"', "sh",
                        str(tmp_path / "listen"), *argv], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["LISTEN_FDS=1", "activation fd"]


def test_listen_fds_for_another_pid_are_not_passed(runtime, bundle, cid, tmp_path):
    (tmp_path / "listen").write_text("not for us\n")
    bundle.process["env"] = ["PATH=/bin"]
    bundle.shell('echo "LISTEN_FDS=$LISTEN_FDS"; cat <&3 2>/dev/null || echo no-fd-3')
    argv = runtime.argv("run", "-b", bundle.path, cid)
    r = subprocess.run(["sh", "-c", 'exec 3<"$1"; shift; export LISTEN_FDS=1 LISTEN_PID=1; exec "$@"', "sh",
                        str(tmp_path / "listen"), *argv], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["LISTEN_FDS=", "no-fd-3"]
