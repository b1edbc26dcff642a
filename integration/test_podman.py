"""podman 4.3 with conmon drives Swiftlet (`--runtime`), with private
storage, a containers.conf of its own and its own cgroup parent."""
import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from clients import Podman, rootfs_tarball
from swiftlet_harness import cgroup_dirs, remove_cgroup_tree, runtime_binary

pytestmark = pytest.mark.skipif(not shutil.which("podman") or not shutil.which("conmon"),
                                reason="podman is not installed (scripts/setup installs it)")

IMAGE = "localhost/swiftlet-busybox"
OUTSIDE = ["/run/containers", "/var/lib/containers"]
# podman as root gives the runtime no --root (and its exit clean-up would not
# pass a --runtime-flag on), so Swiftlet keeps these containers in its default
# root; podman's seccomp profile leaves a compiled program in its cache there.
DEFAULT_ROOT = Path("/run/swiftlet")
SECCOMP_CACHE = DEFAULT_ROOT / "@seccomp-cache"


def listing(path):
    return set(os.listdir(path)) if path.is_dir() else None


@pytest.fixture(scope="module")
def podman(session_dir):
    existed = {path: os.path.exists(path) for path in OUTSIDE}
    root_before, cache_before = listing(DEFAULT_ROOT), listing(SECCOMP_CACHE)
    base = session_dir / "podman"
    base.mkdir()
    cgroup_parent = f"/swiftlet-it-pd-{uuid.uuid4().hex[:8]}"
    pm = Podman(base, runtime_binary(), cgroup_parent)
    r = pm("import", rootfs_tarball(session_dir), IMAGE)
    assert r.returncode == 0, r.stderr
    yield pm
    try:
        pm("rm", "-af", "-t", "0")
        remove_cgroup_tree(cgroup_parent)
        # Only the cache entries these tests made go; then what did not exist before.
        for name in (listing(SECCOMP_CACHE) or set()) - (cache_before or set()):
            (SECCOMP_CACHE / name).unlink()
        if cache_before is None and SECCOMP_CACHE.is_dir():
            SECCOMP_CACHE.rmdir()
        if root_before is None and DEFAULT_ROOT.is_dir() and not os.listdir(DEFAULT_ROOT):
            DEFAULT_ROOT.rmdir()
        assert not cgroup_dirs(cgroup_parent)
        assert listing(DEFAULT_ROOT) == root_before, "podman's containers were not all deleted from Swiftlet's state"
    finally:
        # podman's own storage outside the test's directory, whatever happened above.
        for path, was_there in existed.items():
            if not was_there:
                shutil.rmtree(path, ignore_errors=True)


def run(podman, *args, input=None):
    return podman("run", "--cgroup-parent", podman.cgroup_parent, *args, input=input)


def tty(podman, command, timeout=120):
    """Runs a podman command line with a pty as its terminal (script(1))."""
    return subprocess.run(["script", "-qec", command, "/dev/null"], capture_output=True, text=True, timeout=timeout,
                          env=podman.env)


def test_swiftlet_is_podmans_runtime(podman):
    r = podman("info", "--format", "{{.Host.OCIRuntime.Name}} {{.Host.OCIRuntime.Path}}")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["swiftlet", runtime_binary()]


def test_run_rm_output_and_exit_code(podman):
    r = run(podman, "--rm", IMAGE, "sh", "-c", "echo hello from podman; exit 3")
    assert r.returncode == 3, r.stderr
    assert r.stdout == "hello from podman\n"


def test_stdin(podman):
    r = run(podman, "--rm", "-i", IMAGE, "sh", "-c", "read x; echo got $x", input="hello\n")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "got hello\n"


def test_podmans_seccomp_profile_is_applied(podman):
    r = run(podman, "--rm", IMAGE, "grep", "Seccomp:", "/proc/self/status")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["Seccomp:", "2"]


def test_nonexistent_command_exits_127(podman):
    r = run(podman, "--rm", IMAGE, "/nonexistent")
    assert r.returncode == 127, (r.stdout, r.stderr)
    assert "/nonexistent" in r.stderr


def test_detached_exec_pause_update_stop_restart_rm(podman):
    name = f"p-{uuid.uuid4().hex[:8]}"
    r = run(podman, "-d", "--name", name, IMAGE, "sleep", "1000")
    assert r.returncode == 0, r.stderr
    try:
        r = podman("exec", name, "sh", "-c", "echo in exec; cat /proc/1/cmdline")
        assert r.returncode == 0 and r.stdout.startswith("in exec\nsleep"), r.stderr
        assert podman("exec", "-d", name, "sleep", "77").returncode == 0
        top = podman("top", name)
        assert "sleep 77" in top.stdout, top.stdout
        r = tty(podman, podman.command_line("exec", "-t", name, "sh", "-c", "tty; exit 2"))
        assert r.returncode == 2 and "/dev/pts/" in r.stdout, r
        assert podman("pause", name).returncode == 0
        assert podman("inspect", "-f", "{{.State.Status}}", name).stdout.strip() == "paused"
        assert podman("exec", name, "true").returncode != 0, "a paused container takes no exec"
        assert podman("unpause", name).returncode == 0
        assert podman("inspect", "-f", "{{.State.Status}}", name).stdout.strip() == "running"
        r = podman("update", "--cpu-shares", "512", name)
        assert r.returncode == 0, r.stderr
        shares = podman("exec", name, "sh", "-c", "cat /sys/fs/cgroup/cpu/cpu.shares 2>/dev/null || cat /sys/fs/cgroup/cpu.weight")
        assert shares.stdout.strip() in ("512", "20"), shares  # cgroup v1, or v2's weight for 512 shares
        r = podman("stop", "-t", "1", name)
        assert r.returncode == 0, r.stderr
        assert podman("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", name).stdout.split() == ["exited", "137"]
        assert podman("restart", name).returncode == 0
        assert podman("inspect", "-f", "{{.State.Status}}", name).stdout.strip() == "running"
    finally:
        r = podman("rm", "-f", "-t", "0", name)
    assert r.returncode == 0, r.stderr
    assert name not in podman("ps", "-a", "--format", "{{.Names}}").stdout


def test_run_with_a_terminal(podman):
    r = tty(podman, podman.command_line("run", "--rm", "-t", "--cgroup-parent", podman.cgroup_parent, IMAGE, "sh", "-c", "tty; exit 5"))
    assert r.returncode == 5, r
    assert "/dev/pts/0" in r.stdout
