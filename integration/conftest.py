import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

from swiftlet_harness import (REPO, Bundle, Runtime, cgroup_dirs, cgroup_pids, host_snapshot, kill_pids, mounts_mentioning,
                              processes_mentioning, remove_cgroup_tree, runtime_binary, unique_id)


def pytest_configure(config):
    if os.geteuid() != 0:
        raise pytest.UsageError("the integration tests run as root (they create real containers)")
    runtime_binary()


@pytest.fixture(scope="session")
def session_dir():
    base = Path(tempfile.mkdtemp(prefix="swiftlet-it-"))
    os.chmod(base, 0o755)
    yield base
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def cgroup_parent():
    """One cgroup parent per session, created by our containers and removed here."""
    parent = f"/swiftlet-it-{uuid.uuid4().hex[:10]}"
    yield parent
    remove_cgroup_tree(parent)
    assert not cgroup_dirs(parent), f"cgroup parent {parent} could not be removed"


@pytest.fixture(scope="session", autouse=True)
def host_unchanged():
    before = host_snapshot()
    yield
    after = host_snapshot()
    # Mount count may differ only if something else on the host mounted; our
    # own leaks are caught per test.
    before.pop("mount_count"), after.pop("mount_count")
    assert before == after, f"the host changed during the tests: {before} -> {after}"


@pytest.fixture
def root_dir(session_dir):
    path = session_dir / f"root-{uuid.uuid4().hex[:8]}"
    yield path
    # Leak checks: no process of this root, no mount, no state left.
    leftovers = processes_mentioning(str(path))
    kill_pids(leftovers)
    mounts = mounts_mentioning(str(path))
    # The compiled-seccomp cache outlives containers by design; only its entries may be there.
    state = sorted(n for n in os.listdir(path) if n != "@seccomp-cache") if path.is_dir() else []
    cache = path / "@seccomp-cache"
    strays = [n for n in os.listdir(cache) if not n.endswith(".bpf")] if cache.is_dir() else []
    shutil.rmtree(path, ignore_errors=True)
    assert not leftovers, f"processes left behind: {leftovers}"
    assert not mounts, f"mounts left behind: {mounts}"
    assert not state, f"state left behind under {path}: {state}"
    assert not strays, f"temporary files left in the seccomp cache: {strays}"


@pytest.fixture
def runtime(root_dir):
    return Runtime(root_dir)


@pytest.fixture
def cid():
    return unique_id()


@pytest.fixture
def bundle(session_dir, runtime, cgroup_parent, cid):
    b = Bundle(session_dir / "bundles" / cid, runtime, cgroup_parent, cid)
    yield b
    # The container's cgroup must be gone once the test deleted it.
    leftover = cgroup_dirs(f"{cgroup_parent}/{cid}") + cgroup_pids(f"{cgroup_parent}/{cid}")
    remove_cgroup_tree(f"{cgroup_parent}/{cid}")
    shutil.rmtree(b.path, ignore_errors=True)
    assert not leftover, f"cgroup left behind: {leftover}"


@pytest.fixture
def make_bundle(session_dir, runtime, cgroup_parent):
    """For tests that need several containers."""
    made = []

    def factory(prefix="t"):
        cid = unique_id(prefix)
        b = Bundle(session_dir / "bundles" / cid, runtime, cgroup_parent, cid)
        made.append(b)
        return b

    yield factory
    for b in made:
        leftover = cgroup_dirs(f"{cgroup_parent}/{b.cid}") + cgroup_pids(f"{cgroup_parent}/{b.cid}")
        remove_cgroup_tree(f"{cgroup_parent}/{b.cid}")
        shutil.rmtree(b.path, ignore_errors=True)
        assert not leftover, f"cgroup left behind: {leftover}"


@pytest.fixture(scope="session")
def sysprobe(session_dir):
    """A static helper that makes one raw syscall and prints its errno
    (with -r: its result)."""
    if not shutil.which("gcc"):
        pytest.skip("gcc is not installed: cannot build the syscall probe")
    out = session_dir / "sysprobe"
    r = subprocess.run(["gcc", "-static", "-O2", "-o", str(out), str(REPO / "integration" / "tools" / "sysprobe.c")],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot link a static probe here (libc6-dev static libc missing?): {r.stderr.strip()}")
    return out
