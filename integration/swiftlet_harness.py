"""Helpers for Swiftlet's integration tests: the runtime binary, busybox
bundles, private state roots and cgroup parents, and leak checks.

Every test runs the real binary as root. Each test gets its own --root under
a temp dir and a unique container id; its cgroups live under one unique parent
per session, which is removed at the end."""

import json
import os
import shutil
import signal
import stat
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SPEC_DIR = REPO.parent / "shared" / "runtime-spec"
CGROUP_ROOT = Path("/sys/fs/cgroup")


def runtime_binary() -> str:
    path = os.environ.get("SWIFTLET") or str(REPO / ".build" / "release" / "swiftlet")
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"no swiftlet binary at {path}: run scripts/build first or set SWIFTLET")
    return path


def busybox_path() -> str:
    for candidate in ("/bin/busybox", "/usr/bin/busybox"):
        if os.path.exists(candidate):
            return candidate
    raise RuntimeError("busybox-static is not installed (scripts/setup installs it)")


_ROOTFS_CACHE = None


def busybox_rootfs(base: Path) -> Path:
    """A minimal rootfs: static busybox plus one symlink per applet, /etc
    files, and the usual empty directories. Made once per session and
    copied per bundle (hardlinks keep it cheap)."""
    global _ROOTFS_CACHE
    if _ROOTFS_CACHE is None:
        root = base / "rootfs-template"
        (root / "bin").mkdir(parents=True)
        busybox = busybox_path()
        shutil.copy2(busybox, root / "bin" / "busybox")
        applets = subprocess.run([busybox, "--list"], capture_output=True, text=True, check=True).stdout.split()
        for applet in applets:
            if applet != "busybox":
                os.symlink("busybox", root / "bin" / applet)
        for d in ("proc", "sys", "dev", "tmp", "etc", "root", "home/user", "var", "run", "usr/bin", "sbin"):
            (root / d).mkdir(parents=True, exist_ok=True)
        (root / "tmp").chmod(0o1777)
        (root / "etc" / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\n")
        (root / "etc" / "group").write_text("root:x:0:\nuser:x:1000:\n")
        (root / "etc" / "hostname").write_text("rootfs\n")
        _ROOTFS_CACHE = root
    return _ROOTFS_CACHE


def spec_dir_or_none():
    return SPEC_DIR if SPEC_DIR.is_dir() else None


class Runtime:
    """Runs swiftlet with a private --root (and optionally --log)."""

    def __init__(self, root: Path, binary: str = None):
        self.binary = binary or runtime_binary()
        self.root = root

    def argv(self, *args, log=None, log_format=None):
        argv = [self.binary, "--root", str(self.root)]
        if log:
            argv += ["--log", str(log)]
        if log_format:
            argv += ["--log-format", log_format]
        return argv + [str(a) for a in args]

    def run(self, *args, log=None, log_format=None, check=False, timeout=60, input=None, cwd=None, stdin=None, env=None):
        """Runs swiftlet to completion. Output is captured through files, not
        pipes: create hands its stdio to the container, which would hold a
        pipe open long after the runtime exited."""
        with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
            if stdin is None:
                stdin_file = tempfile.TemporaryFile("w+")
                stdin_file.write(input or "")
                stdin_file.seek(0)
            else:
                stdin_file = stdin
            try:
                proc = subprocess.run(self.argv(*args, log=log, log_format=log_format), stdin=stdin_file, stdout=out,
                                      stderr=err, timeout=timeout, cwd=cwd, env=env)
            finally:
                if stdin is None:
                    stdin_file.close()
            out.seek(0)
            err.seek(0)
            result = subprocess.CompletedProcess(proc.args, proc.returncode, out.read(), err.read())
        if check and result.returncode != 0:
            raise AssertionError(f"swiftlet {' '.join(map(str, args))} failed ({result.returncode}):\n"
                                 f"stdout: {result.stdout}\nstderr: {result.stderr}")
        return result

    def state(self, cid):
        result = self.run("state", cid, check=True)
        return json.loads(result.stdout)

    def status(self, cid):
        result = self.run("state", cid)
        if result.returncode != 0:
            return None
        return json.loads(result.stdout)["status"]


class Bundle:
    """A bundle directory with a config.json made by `swiftlet spec` and
    adjusted for tests (no terminal, a given command, our cgroup parent)."""

    def __init__(self, path: Path, runtime: Runtime, cgroup_parent: str, cid: str):
        self.path = path
        self.runtime = runtime
        self.cid = cid
        path.mkdir(parents=True)
        shutil.copytree(busybox_rootfs(path.parent.parent), path / "rootfs", symlinks=True, copy_function=os.link)
        runtime.run("spec", "--bundle", path, check=True)
        self.config = json.loads((path / "config.json").read_text())
        self.config["process"]["terminal"] = False
        self.config["process"]["args"] = ["true"]
        self.config["root"]["readonly"] = False
        self.config["linux"]["cgroupsPath"] = f"{cgroup_parent}/{cid}"
        self.save()

    @property
    def process(self):
        return self.config["process"]

    @property
    def linux(self):
        return self.config["linux"]

    def command(self, *args):
        self.config["process"]["args"] = list(args)
        self.save()
        return self

    def shell(self, script):
        return self.command("sh", "-c", script)

    def save(self):
        (self.path / "config.json").write_text(json.dumps(self.config, indent=2))


def unique_id(prefix="t"):
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def cgroup_hierarchies():
    """Mount points of every cgroup hierarchy on this host."""
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            parts = line.split()
            dash = parts.index("-")
            if parts[dash + 1] in ("cgroup", "cgroup2") and parts[4].startswith("/sys/fs/cgroup"):
                out.append(Path(parts[4]))
    return out


def cgroup_dirs(relative: str):
    """The directories of an absolute cgroup path that exist, any hierarchy."""
    rel = relative.lstrip("/")
    return [h / rel for h in cgroup_hierarchies() if (h / rel).is_dir()]


def cgroup_pids(relative: str):
    pids = set()
    for d in cgroup_dirs(relative):
        for procs in d.rglob("cgroup.procs"):
            try:
                pids.update(int(x) for x in procs.read_text().split())
            except OSError:
                pass
    return sorted(pids)


def remove_cgroup_tree(relative: str):
    """rmdir a cgroup path our tests created, deepest first, in every
    hierarchy, after killing what our tests left in it."""
    pids = cgroup_pids(relative)
    kill_pids(pids)
    for pid in pids:
        wait_for(lambda: not pid_alive(pid), timeout=5)
    for d in cgroup_dirs(relative):
        for sub in sorted((p for p in d.rglob("*") if p.is_dir()), key=lambda p: len(str(p)), reverse=True):
            try:
                sub.rmdir()
            except OSError:
                pass
        try:
            d.rmdir()
        except OSError:
            pass


def processes_mentioning(text: str):
    """Pids whose command line contains `text` (our container inits carry the
    runtime's command line, including its private --root, until they exec)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                if text.encode() in f.read():
                    pids.append(int(entry))
        except OSError:
            pass
    return pids


def mounts_mentioning(text: str):
    with open("/proc/self/mountinfo") as f:
        return [line for line in f if text in line]


def host_snapshot():
    """What a runtime bug could damage on the host."""
    snap = {}
    for path in ("/dev/null", "/dev/zero", "/dev/tty", "/dev/ptmx", "/dev/console", "/dev/full"):
        try:
            st = os.stat(path)
            snap[path] = (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode), st.st_rdev)
        except OSError:
            snap[path] = None
    snap["mount_count"] = len(open("/proc/self/mountinfo").read().splitlines())
    with open("/proc/sys/kernel/hostname") as f:
        snap["hostname"] = f.read()
    return snap


def wait_for(predicate, timeout=5.0, interval=0.01):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


def pid_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except OSError:
        return False


def kill_pids(pids):
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def error_message(stderr: str) -> str:
    """The message of the last error line on stderr: a logrus text line
    (time="…" level=error msg="…"), a JSON line, or plain text."""
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    line = lines[-1]
    if line.startswith("{"):
        return json.loads(line)["msg"]
    marker = ' msg="'
    if marker in line and line.startswith("time="):
        return json.loads(line[line.index(marker) + len(marker) - 1:])
    return line


def validate_schema(instance, schema_file: str):
    """Validates against one of the runtime-spec schemas, resolving its
    $refs to the other files of schema/."""
    import jsonschema
    from referencing import Registry, Resource
    schema_dir = SPEC_DIR / "schema"
    resources = []
    for path in schema_dir.glob("*.json"):
        resources.append((path.name, Resource.from_contents(json.loads(path.read_text()),
                                                             default_specification=jsonschema.Draft4Validator.META_SCHEMA and
                                                             __import__("referencing.jsonschema").jsonschema.DRAFT4)))
    registry = Registry().with_resources(resources)
    schema = json.loads((schema_dir / schema_file).read_text())
    jsonschema.Draft4Validator(schema, registry=registry).validate(instance)


def reap_until_gone(pid, timeout=10.0):
    """Reaps our children until `pid` is gone. Container processes are our
    children (CLONE_PARENT), and a pid namespace's init only finishes dying
    once the namespace's zombies are reaped, so reap them all, not just it."""
    import time as _time
    deadline = _time.monotonic() + timeout
    while _time.monotonic() < deadline:
        try:
            reaped, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if reaped == pid:
            continue
        if reaped == 0:
            if not os.path.exists(f"/proc/{pid}"):
                return
            _time.sleep(0.01)
