"""The conformance suite's context: one runtime, a private state root, one
cgroup parent, busybox bundles, and everything needed to undo what the
suite created.

Bundles, the runtime wrapper and the cgroup helpers come from the
integration harness (integration/swiftlet_harness.py)."""

import ctypes
import json
import os
import re
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "integration"))

from swiftlet_harness import (Bundle, Runtime, cgroup_dirs, cgroup_pids, error_message, kill_pids,  # noqa: E402
                              mounts_mentioning, pid_alive, processes_mentioning, remove_cgroup_tree,
                              validate_schema, wait_for)

__all__ = ["Suite", "Result", "error_message", "pid_alive", "validate_schema", "wait_for", "NS_FILES"]

NS_FILES = {"pid": "pid", "network": "net", "mount": "mnt", "ipc": "ipc", "uts": "uts", "user": "user",
            "cgroup": "cgroup", "time": "time"}

PR_SET_CHILD_SUBREAPER = 36


class Result:
    """One reported case: ok, not ok (with why) or skipped (with why)."""

    def __init__(self, name, ok, reason="", skip=False):
        self.name = name
        self.ok = ok
        self.reason = reason
        self.skip = skip


class Suite:
    def __init__(self, runtime_path: str, keep: bool = False):
        self.runtime_path = runtime_path
        self.keep = keep
        self.base = Path(tempfile.mkdtemp(prefix="conformance-"))
        os.chmod(self.base, 0o755)  # a container in a user namespace must reach its rootfs
        (self.base / "bundles").mkdir()
        self.root = self.base / "state"
        self.runtime = Runtime(self.root, binary=runtime_path)
        self.cgroup_parent = f"/conformance-{uuid.uuid4().hex[:10]}"
        self.tag = uuid.uuid4().hex[:6]
        self.cleanups = []  # callables run at the end, last first
        self.bundles = []
        self.inits = set()  # container init pids, reaped when they die
        # The driver adopts orphans (runc's inits, hooks) so it can reap them.
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
        os.umask(0o022)
        self.checker = self.base / "conformance-checker"
        source = REPO / ".build" / "release" / "conformance-checker"
        if not os.access(source, os.X_OK):
            raise SystemExit(f"no checker at {source}: run scripts/build first")
        shutil.copy2(source, self.checker)
        os.chmod(self.checker, 0o755)

    # ----- host facts -------------------------------------------------------

    @staticmethod
    def ns_inode(pid, kind):
        return os.stat(f"/proc/{pid}/ns/{NS_FILES.get(kind, kind)}").st_ino

    @staticmethod
    def status_field(key, pid="self"):
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return line.split(":", 1)[1].strip()
        return None

    def host_args(self):
        """Checker options every bundle gets: what the runtime itself has."""
        args = [f"--runtime-ns={kind}:{self.ns_inode('self', kind)}" for kind in NS_FILES]
        args.append(f"--runtime-capbnd={self.status_field('CapBnd')}")
        args.append(f"--runtime-oom={open('/proc/self/oom_score_adj').read().strip()}")
        return args

    # ----- bundles ----------------------------------------------------------

    def unique_id(self, name):
        return f"cf-{name}-{uuid.uuid4().hex[:8]}"[:60]

    def bundle(self, name, runtime=None):
        """A busybox bundle made by `<runtime> spec`, with a unique id and our
        cgroup parent; removed at the end."""
        cid = self.unique_id(name)
        b = Bundle(self.base / "bundles" / cid, runtime or self.runtime, self.cgroup_parent, cid)
        b.original = json.loads((b.path / "config.json").read_text())
        self.bundles.append(b)
        return b

    def wrapper(self, name, prologue):
        """A runtime binary that first runs `prologue` (shell) in its own process."""
        path = self.base / f"runtime-{name}"
        path.write_text(f"#!/bin/sh\n{prologue}\nexec {self.runtime_path} \"$@\"\n")
        path.chmod(0o755)
        return Runtime(self.root, binary=str(path))

    def checker_bundle(self, name, runtime=None):
        """A bundle whose process is the checker, reading its own config.json."""
        b = self.bundle(name, runtime)
        conf = b.path / "rootfs" / "conformance"
        conf.mkdir()
        (conf / "checker").touch()
        (conf / "config.json").touch()
        b.checker_args = self.host_args()
        b.config.setdefault("mounts", [])
        return b

    def finish_checker_bundle(self, b):
        b.config["mounts"] = b.config.get("mounts", []) + [
            {"destination": "/conformance/checker", "type": "bind", "source": str(self.checker), "options": ["bind", "ro"]},
            {"destination": "/conformance/config.json", "type": "bind", "source": str(b.path / "config.json"),
             "options": ["bind", "ro"]},
        ]
        if b.config.get("process") is not None:
            b.config["process"]["args"] = ["/conformance/checker", "/conformance/config.json"] + b.checker_args
        b.save()

    def marker(self, directory: Path, uid=0, gid=0):
        token = uuid.uuid4().hex
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / ".conformance-marker"
        path.write_text(token + "\n")
        os.chown(path, uid, gid)
        path.chmod(0o644)
        return token

    # ----- running ----------------------------------------------------------

    def run_checker(self, b, runtime=None, timeout=60):
        """`run` the bundle; returns (returncode, stdout, stderr)."""
        rt = runtime or b.runtime
        r = rt.run("run", "--bundle", b.path, b.cid, timeout=timeout)
        self.reap()
        return r

    @staticmethod
    def parse_tap(text, tag):
        """The checker's TAP lines as Results named '<what> [tag]'."""
        results = []
        plan = None
        for raw in text.splitlines():
            line = raw.rstrip("\r")
            m = re.match(r"^(not ok|ok) \d+ - (.*)$", line)
            if m:
                body = m.group(2)
                name, _, directive = body.partition(" # ")
                skip = directive.startswith("SKIP")
                reason = directive[5:].strip() if skip else directive
                results.append(Result(f"{name} [{tag}]", m.group(1) == "ok", reason, skip))
            elif re.match(r"^1\.\.\d+$", line):
                plan = int(line[3:])
        return results, plan

    def state(self, cid, runtime=None):
        r = (runtime or self.runtime).run("state", cid)
        if r.returncode != 0:
            return None
        try:
            state = json.loads(r.stdout)
        except ValueError:
            return None
        if state.get("pid"):
            self.inits.add(state["pid"])
        return state

    def status(self, cid, runtime=None):
        state = self.state(cid, runtime)
        return state and state.get("status")

    def wait_status(self, cid, status, timeout=10):
        return wait_for(lambda: self.status(cid) == status, timeout=timeout)

    def reap(self):
        """Reap every dead child (container inits are our children or orphans we adopted)."""
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return

    def destroy(self, cid):
        """Removes a container whatever its state (ignoring errors)."""
        self.runtime.run("delete", "--force", cid, timeout=30)
        self.reap()

    def at_end(self, fn):
        self.cleanups.append(fn)

    def cleanup(self):
        """Undo everything: containers, their processes and cgroups, temp dirs."""
        for fn in reversed(self.cleanups):
            try:
                fn()
            except Exception as e:  # cleanup must go on
                print(f"# cleanup: {e}", flush=True)
        if self.root.is_dir():
            r = self.runtime.run("list", "-q")
            for cid in r.stdout.split() if r.returncode == 0 else []:
                self.destroy(cid)
        leftovers = processes_mentioning(str(self.root))
        kill_pids(leftovers)
        for pid in self.inits:
            if pid_alive(pid) and self.in_our_cgroup(pid):
                kill_pids([pid])
        time.sleep(0.1)
        self.reap()
        remove_cgroup_tree(self.cgroup_parent)
        self.reap()
        if not self.keep:
            shutil.rmtree(self.base, ignore_errors=True)

    def in_our_cgroup(self, pid):
        try:
            return self.cgroup_parent in open(f"/proc/{pid}/cgroup").read()
        except OSError:
            return False

    def leaks(self):
        """What the runtime left behind that it should have removed."""
        found = []
        procs = processes_mentioning(str(self.root))
        if procs:
            found.append(f"processes {procs}")
        mounts = mounts_mentioning(str(self.base))
        if mounts:
            found.append(f"{len(mounts)} mounts under {self.base}")
        pids = cgroup_pids(self.cgroup_parent)
        if pids:
            found.append(f"processes {pids} in cgroups under {self.cgroup_parent}")
        return found

    def forget(self, b):
        """Removes a finished bundle: its cgroups (ours) and its directory."""
        remove_cgroup_tree(f"{self.cgroup_parent}/{b.cid}")
        if not self.keep:
            shutil.rmtree(b.path, ignore_errors=True)

    def cgroup_dirs(self, cid):
        return cgroup_dirs(f"{self.cgroup_parent}/{cid}")
