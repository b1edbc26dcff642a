"""containerd 1.6 (io.containerd.runc.v2 shim, go-runc) drives Swiftlet:
`ctr run --runc-binary`, as Kubernetes nodes do with BinaryName."""
import json
import os
import shlex
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from clients import IMAGE, Containerd, oci_archive
from swiftlet_harness import cgroup_dirs, remove_cgroup_tree, runtime_binary, wait_for

pytestmark = pytest.mark.skipif(not shutil.which("containerd") or not shutil.which("ctr"),
                                reason="containerd is not installed (scripts/setup installs it)")


@pytest.fixture(scope="module")
def ctd(session_dir):
    created_run_dir = not os.path.exists("/run/containerd")
    base = session_dir / "containerd"
    base.mkdir()
    daemon = Containerd(base, runtime_binary())
    # A namespace of our own: containerd's cgroups are /<namespace>/<id>.
    daemon.namespace = f"swiftlet-it-{uuid.uuid4().hex[:8]}"
    daemon.runc_root = base / "runc-root"
    daemon.fifos = base / "fifo"
    imported = daemon.ctr("image", "import", oci_archive(session_dir))
    assert imported.returncode == 0, imported.stderr
    yield daemon
    for task in daemon.ctr("task", "ls", "-q").stdout.split():
        daemon.ctr("task", "delete", "-f", task)
    for container in daemon.ctr("container", "ls", "-q").stdout.split():
        daemon.ctr("container", "rm", container)
    daemon.stop()
    remove_cgroup_tree("/" + daemon.namespace)
    assert not cgroup_dirs("/" + daemon.namespace)
    if created_run_dir:
        shutil.rmtree("/run/containerd", ignore_errors=True)


def run_args(ctd, *args):
    return ["run", "--runc-binary", ctd.swiftlet, "--runc-root", str(ctd.runc_root), "--fifo-dir", str(ctd.fifos), *args]


def tty(command: str, timeout=60):
    """Runs a command with a pty as its terminal (script(1))."""
    return subprocess.run(["script", "-qec", command, "/dev/null"], capture_output=True, text=True, timeout=timeout)


def ctr_line(ctd, *args):
    return " ".join(["ctr", "--address", str(ctd.socket), "--namespace", ctd.namespace] + [shlex.quote(str(a)) for a in args])


def cleanup(ctd, cid):
    ctd.ctr("task", "delete", "-f", cid)
    ctd.ctr("container", "rm", cid)


def test_run_rm_prints_output_and_returns_the_exit_code(ctd):
    r = ctd.ctr(*run_args(ctd, "--rm", IMAGE, "rm1", "sh", "-c", "echo hello from swiftlet; exit 3"))
    assert r.returncode == 3, r.stderr
    assert r.stdout == "hello from swiftlet\n"
    assert "rm1" not in ctd.ctr("container", "ls", "-q").stdout


def test_swiftlet_is_the_runtime(ctd):
    r = ctd.ctr(*run_args(ctd, "-d", IMAGE, "who", "sleep", "1000"))
    assert r.returncode == 0, r.stderr
    try:
        state = json.loads((ctd.runc_root / ctd.namespace / "who" / "state.json").read_text())
        assert state["formatVersion"] == 1 and state["id"] == "who", "swiftlet's own state record"
        assert state["cgroupPaths"], state
    finally:
        cleanup(ctd, "who")


def test_stdin(ctd):
    r = ctd.ctr(*run_args(ctd, "--rm", IMAGE, "in1", "sh", "-c", "read x; echo got $x"), input="hello\n")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "got hello\n"


def test_env_and_cwd(ctd):
    r = ctd.ctr(*run_args(ctd, "--rm", "--env", "FOO=bar", "--cwd", "/tmp", IMAGE, "env1", "sh", "-c", "echo $FOO; pwd"))
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["bar", "/tmp"]


def test_detached_task_exec_ps_pause_resume_kill_delete(ctd):
    r = ctd.ctr(*run_args(ctd, "-d", IMAGE, "life", "sleep", "1000"))
    assert r.returncode == 0, r.stderr
    try:
        r = ctd.ctr("task", "exec", "--exec-id", "e1", "life", "sh", "-c", "echo in exec; echo $$")
        assert r.returncode == 0 and r.stdout.splitlines()[0] == "in exec", r.stderr
        r = tty(ctr_line(ctd, "task", "exec", "-t", "--exec-id", "e2", "life", "sh", "-c", "tty"))
        assert r.returncode == 0 and "/dev/pts/" in r.stdout, r
        ps = ctd.ctr("task", "ps", "life")
        assert ps.returncode == 0 and len(ps.stdout.splitlines()) == 2, ps
        assert ctd.ctr("task", "pause", "life").returncode == 0
        assert "PAUSED" in ctd.ctr("task", "ls").stdout
        assert ctd.ctr("task", "resume", "life").returncode == 0
        assert "RUNNING" in ctd.ctr("task", "ls").stdout
        assert ctd.ctr("task", "kill", "-s", "SIGKILL", "life").returncode == 0
        assert wait_for(lambda: "STOPPED" in ctd.ctr("task", "ls").stdout)
        r = ctd.ctr("task", "delete", "life")
        assert r.returncode == 0 and "137" in r.stderr, r
        assert not (ctd.runc_root / ctd.namespace / "life").exists(), "swiftlet's state is gone"
    finally:
        cleanup(ctd, "life")


def test_delete_force_of_a_running_task(ctd):
    assert ctd.ctr(*run_args(ctd, "-d", IMAGE, "force", "sleep", "1000")).returncode == 0
    try:
        r = ctd.ctr("task", "delete", "-f", "force")
        assert r.returncode == 0, r.stderr
        assert "force" not in ctd.ctr("task", "ls", "-q").stdout
    finally:
        cleanup(ctd, "force")


def test_run_with_a_terminal(ctd):
    r = tty(ctr_line(ctd, *run_args(ctd, "--rm", "-t", IMAGE, "tty1", "sh", "-c", "tty; exit 4")))
    assert r.returncode == 4, r
    assert "/dev/pts/0" in r.stdout


def test_a_failing_create_shows_swiftlets_error(ctd):
    r = ctd.ctr(*run_args(ctd, "--rm", IMAGE, "bad1", "no-such-program"))
    assert r.returncode != 0
    assert 'OCI runtime create failed: exec: "no-such-program": executable file not found in $PATH' in r.stderr
    cleanup(ctd, "bad1")
    assert not (ctd.runc_root / ctd.namespace / "bad1").exists()
