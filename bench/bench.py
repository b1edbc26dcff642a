#!/usr/bin/env python3
"""Swiftlet against its peers (runc, crun): the measurements behind
docs/performance.md. Run it through scripts/bench, which checks the tools,
picks the binary and, with --private-cgroup2, enters a private mount
namespace with cgroup2 on /sys/fs/cgroup before calling this.

Everything the run makes lives under one temporary directory (bundles, the
runtimes' --root state dirs, a copy of the Swiftlet binary) and one cgroup
parent named swiftlet-bench-<pid>-<random> in every cgroup hierarchy; both
are removed at the end, also after an error or Ctrl-C. Nothing else is
touched: processes are only ever signalled by the runtimes themselves
(`delete -f`) or, for a container the runtime failed to remove, by pid taken
from a cgroup this script created.

Python standard library only; hyperfine and GNU time from Debian.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DROP_CACHES = "sh -c 'sync; echo 3 > /proc/sys/vm/drop_caches'"
PARALLEL = 50
PACE = 0.3  # s between cycles in the "apart" row

# Per mode: rounds of interleaved hyperfine runs, and runs per command and
# round. Medians are taken over rounds x runs samples per runtime.
PLANS = {
    "default": dict(warm=(10, 20), paced=(6, 10), cold=(6, 5), run=(8, 20), exec=(8, 20),
                    phases=50, parallel=5, rss=10),
    "quick": dict(warm=(4, 10), paced=(2, 5), cold=(2, 3), run=(3, 10), exec=(3, 10),
                  phases=10, parallel=2, rss=3),
}


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------
# Runtimes


class Runtime:
    def __init__(self, name: str, path: str, root: Path, global_args: list[str]):
        self.name = name
        self.path = path
        self.root = root
        self.global_args = global_args
        self.unavailable: str | None = None  # why this runtime has no rows
        self.version_text = "?"
        self.notes: list[str] = []
        self.load_start = (0.0, 0.0, 0.0)

    def argv(self, *args: str) -> list[str]:
        return [self.path, *self.global_args, "--root", str(self.root), *args]

    def sh(self, *args: str) -> str:
        return shlex.join(self.argv(*args))

    def call(self, *args: str, timeout: float | None = 60, capture: bool = True) -> subprocess.CompletedProcess:
        """Runs a runtime command; with capture, its stderr is returned.
        Timed calls use capture=False, and no timeout: with a timeout, Python
        waits for the process by polling with growing sleeps, which adds up to
        several ms to a 5 ms command."""
        if not capture:
            return subprocess.run(self.argv(*args), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        # The container inherits stdio from create/run: never give it a pipe
        # that would keep communicate() waiting: stderr goes to a file.
        with tempfile.TemporaryFile("w+") as err:
            result = subprocess.run(self.argv(*args), stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=err, timeout=timeout)
            err.seek(0)
            result.stderr = err.read()
        return result

    def version(self) -> str:
        try:
            out = subprocess.run([self.path, "--version"], capture_output=True, text=True, timeout=10).stdout
        except OSError:
            return "?"
        lines = [line.strip() for line in out.splitlines() if line.strip()]
        first = lines[0] if lines else "?"
        commit = next((line for line in lines if line.startswith("commit")), "")
        return f"{first} ({commit})" if commit else first


def binary_sizes(path: str) -> tuple[int, int]:
    """The executable's size, and that plus the shared libraries it loads."""
    size = os.path.getsize(path)
    total = size
    try:
        out = subprocess.run(["ldd", path], capture_output=True, text=True, timeout=10).stdout
    except OSError:
        out = ""
    seen = set()
    for line in out.splitlines():
        parts = line.split()
        lib = None
        if "=>" in parts:
            i = parts.index("=>")
            if i + 1 < len(parts) and parts[i + 1].startswith("/"):
                lib = parts[i + 1]
        elif parts and parts[0].startswith("/"):
            lib = parts[0]
        if lib and lib not in seen and os.path.exists(lib):
            seen.add(lib)
            total += os.path.getsize(os.path.realpath(lib))
    return size, total


# ---------------------------------------------------------------------------
# Syscalls the seccomp rows' profile refuses (as Docker's default profile
# does); every other syscall this host's headers name is allowed.
SECCOMP_DENIED = {"acct", "add_key", "bpf", "clock_adjtime", "clock_settime", "create_module", "delete_module",
                  "finit_module", "get_kernel_syms", "init_module", "ioperm", "iopl", "kexec_file_load",
                  "kexec_load", "keyctl", "lookup_dcookie", "mount", "move_pages", "nfsservctl",
                  "open_by_handle_at", "perf_event_open", "pivot_root", "quotactl", "reboot",
                  "request_key", "setns", "settimeofday", "swapoff", "swapon", "sysfs", "umount2",
                  "unshare", "uselib", "userfaultfd", "vm86", "vm86old"}
UNISTD_64 = Path("/usr/include/x86_64-linux-gnu/asm/unistd_64.h")


def seccomp_profile() -> dict | None:
    """An allow-list profile the size of Docker's default (about 350 names,
    three architectures, default errno), from the kernel headers'
    syscall list; None without linux-libc-dev."""
    if not UNISTD_64.exists():
        return None
    names = sorted({line.split()[1][len("__NR_"):] for line in UNISTD_64.read_text().splitlines()
                    if line.startswith("#define __NR_")} - SECCOMP_DENIED)
    return {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
            "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
            "syscalls": [{"names": names, "action": "SCMP_ACT_ALLOW"}]}


# Bundles and cgroups


class Workspace:
    def __init__(self, private_cgroup2: bool):
        self.private_cgroup2 = private_cgroup2
        self.dir = Path(tempfile.mkdtemp(prefix="swiftlet-bench."))
        self.cgroup_parent = f"swiftlet-bench-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.rootfs: Path | None = None
        self.base_config: dict | None = None
        self.drop_devices = False

    def make_rootfs(self, swiftlet: str) -> None:
        seed = self.dir / "seed"
        env = dict(os.environ, SWIFTLET=swiftlet)
        subprocess.run([str(REPO / "scripts" / "mkbundle"), str(seed), "true"], check=True, env=env,
                       stdout=subprocess.DEVNULL)
        self.rootfs = seed / "rootfs"
        self.base_config = json.loads((seed / "config.json").read_text())

    def bundle(self, runtime: str, case: str, args: list[str], seccomp: dict | None = None) -> Path:
        """A bundle dir whose config runs `args`, in cgroup
        /<parent>/<runtime>-<case>, confined by `seccomp` when given; the
        root file system is shared."""
        path = self.dir / "bundles" / runtime / case
        if (path / "config.json").exists():
            return path
        path.mkdir(parents=True)
        config = json.loads(json.dumps(self.base_config))
        # crun 1.8.1 rejects ociVersion 1.3.0 ("unknown version specified");
        # nothing here needs a field newer than 1.0.2.
        config["ociVersion"] = "1.0.2"
        config["root"] = {"path": str(self.rootfs), "readonly": True}
        process = config["process"]
        process["terminal"] = False
        process["args"] = args
        # No CAP_SYS_RESOURCE here: no rlimit above the current hard limit.
        for rlimit in process.get("rlimits", []):
            kind = getattr(resource, rlimit["type"], None)
            if kind is None:
                continue
            _, hard = resource.getrlimit(kind)
            if hard != resource.RLIM_INFINITY:
                rlimit["hard"] = min(rlimit["hard"], hard)
                rlimit["soft"] = min(rlimit["soft"], rlimit["hard"])
        linux = config.setdefault("linux", {})
        linux["cgroupsPath"] = f"/{self.cgroup_parent}/{runtime}-{case}"
        if seccomp is not None:
            linux["seccomp"] = seccomp
        if self.drop_devices:
            # A Swiftlet without cgroup v2 device programs refuses
            # linux.resources.devices on cgroup v2: then no runtime gets it.
            linux.get("resources", {}).pop("devices", None)
        (path / "config.json").write_text(json.dumps(config, indent=2))
        return path

    def cgroup_dirs(self) -> list[Path]:
        """Our cgroup parent in every mounted hierarchy where it exists."""
        found, seen = [], set()
        try:
            lines = Path("/proc/self/mountinfo").read_text().splitlines()
        except OSError:
            lines = []
        for line in lines:
            fields = line.split()
            if " - " not in line:
                continue
            fstype = line.split(" - ", 1)[1].split()[0]
            if fstype not in ("cgroup", "cgroup2"):
                continue
            candidate = Path(fields[4]) / self.cgroup_parent
            try:
                st = candidate.stat()
            except OSError:
                continue
            key = (st.st_dev, st.st_ino)
            if key not in seen:
                seen.add(key)
                found.append(candidate)
        return found


# ---------------------------------------------------------------------------
# Measurements


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run_hyperfine(commands: list[tuple[str, str]], runs: int, warmup: int, prepare: str | None,
                  workdir: Path) -> tuple[dict[str, list[float]], str | None]:
    out = workdir / "hyperfine.json"
    # -N: no shell to subtract. hyperfine calibrates the shell's start-up
    # once per invocation, and that estimate moves by a millisecond or more
    # between invocations; a command that needs a shell says `sh -c` itself.
    argv = ["hyperfine", "-N", "--style", "none", "--export-json", str(out), "--runs", str(runs),
            "--warmup", str(warmup)]
    if prepare:
        argv += ["--prepare", prepare]
    for name, command in commands:
        argv += ["-n", name, command]
    result = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if result.returncode != 0:
        return {}, (result.stderr.strip().splitlines() or ["hyperfine failed"])[-1]
    data = json.loads(out.read_text())
    return {r["command"]: r["times"] for r in data["results"]}, None


def interleaved(title: str, commands: dict[str, str], rounds: int, runs: int, warmup: int,
                workdir: Path, prepare: str | None = None,
                after_failure: dict[str, str] | None = None) -> tuple[dict[str, list[float]], dict[str, str]]:
    """`rounds` hyperfine invocations over all commands, the order rotated
    each round so that no runtime always runs first or last."""
    samples = {name: [] for name in commands}
    errors: dict[str, str] = {}
    names = list(commands)
    for r in range(rounds):
        k = r % len(names) if names else 0
        order = [n for n in names[k:] + names[:k] if n not in errors]
        if not order:
            break
        log(f"{title}: round {r + 1}/{rounds} ({', '.join(order)})")
        times, error = run_hyperfine([(n, commands[n]) for n in order], runs, warmup if r == 0 else min(warmup, 1),
                                     prepare, workdir)
        if error is None:
            for n in order:
                samples[n] += times.get(n, [])
            continue
        # Find which command fails; keep the others' samples.
        for n in order:
            if after_failure and n in after_failure:
                subprocess.run(after_failure[n], shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times, error = run_hyperfine([(n, commands[n])], runs, 0, prepare, workdir)
            if error is None:
                samples[n] += times.get(n, [])
            else:
                errors[n] = error
                if after_failure and n in after_failure:
                    subprocess.run(after_failure[n], shell=True, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
    return samples, errors


def cpu_seconds() -> tuple[float, float, float]:
    """(wall clock, CPU time the machine spent busy, CPU time of this script
    and the children it waited for), to estimate what else ran meanwhile."""
    ticks = os.sysconf("SC_CLK_TCK")
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    busy = (user + nice + system + irq + softirq + steal) / ticks
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.monotonic(), busy, me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def reap_strays() -> None:
    """Swiftlet's container init is a CLONE_PARENT child of whoever ran
    `create`: when that was this script, reap it once it has exited."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


class Bench:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.plan = PLANS["quick" if args.quick else "default"]
        self.ws = Workspace(args.private_cgroup2)
        self.runtimes: list[Runtime] = []
        self.rows: list[dict] = []  # {"label", "unit", "values": {rt: value|str}, "lower_is_better"}
        self.notes: list[str] = []

    # -- set-up ------------------------------------------------------------

    def setup(self) -> None:
        ws = self.ws
        self.load_start = os.getloadavg()
        self.started_at = time.strftime('%Y-%m-%d %H:%M:%S %Z')
        self.cpu_start = cpu_seconds()
        if self.load_start[0] > 0.5 * (os.cpu_count() or 1):
            log(f"warning: load average {self.load_start[0]:.1f} on {os.cpu_count()} CPUs: something else runs "
                "here, the numbers will be noisy")
        bindir = ws.dir / "bin"
        bindir.mkdir()
        # A private copy: others may rebuild .build/release while we measure.
        swiftlet = bindir / "swiftlet"
        shutil.copy2(self.args.swiftlet, swiftlet)
        ws.make_rootfs(str(swiftlet))
        # Write the copies back first, so that no writeback of them runs
        # while we measure.
        os.sync()
        private = self.args.private_cgroup2
        self.runtimes.append(Runtime("swiftlet", str(swiftlet), ws.dir / "state" / "swiftlet", []))
        for name in ("runc", "crun"):
            path = shutil.which(name)
            if not path:
                continue
            global_args = ["--cgroup-manager=disabled"] if (name == "crun" and private) else []
            rt = Runtime(name, path, ws.dir / "state" / name, global_args)
            if name == "crun" and private:
                rt.notes.append("crun --cgroup-manager=disabled: it creates no cgroup (with its cgroupfs "
                                "manager it installs an eBPF device filter and fails to raise "
                                "RLIMIT_MEMLOCK without CAP_SYS_RESOURCE)")
            self.runtimes.append(rt)
        times, error = run_hyperfine([("sh", "sh -c true")], 30, 3, None, ws.dir)
        if error is None:
            self.notes.append(f"the cycle rows include one `sh -c` (`sh -c true` alone: "
                              f"{median(times['sh']) * 1000:.2f} ms median)")
        for rt in self.runtimes:
            rt.version_text = rt.version()
            rt.root.mkdir(parents=True, exist_ok=True)
            self.preflight(rt)
            if rt.name == "swiftlet" and rt.unavailable and "linux.resources.devices" in rt.unavailable:
                # Older builds: no device rules on cgroup v2. Measure every
                # runtime without them rather than not at all.
                self.notes.append("the configs have no linux.resources.devices: this Swiftlet refuses device "
                                  "rules here")
                ws.drop_devices = True
                shutil.rmtree(ws.dir / "bundles")
                rt.unavailable = None
                self.preflight(rt)

    def preflight(self, rt: Runtime) -> None:
        bundle = self.ws.bundle(rt.name, "preflight", ["/bin/true"])
        cid = f"{rt.name}-preflight"
        result = rt.call("create", "--bundle", str(bundle), cid)
        if result.returncode != 0:
            message = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "create failed"
            if "hybrid mode not supported" in message:
                rt.unavailable = "n/a (refuses hybrid cgroups)"
                self.notes.append(f"{rt.name} refuses hybrid cgroups (\"{message}\"): "
                                  "scripts/bench --private-cgroup2 measures it")
            else:
                rt.unavailable = f"n/a (create fails: {message[:120]})"
            log(f"{rt.name}: {rt.unavailable}")
            rt.call("delete", "--force", cid)
            return
        rt.call("start", cid)
        rt.call("delete", "--force", cid)
        reap_strays()

    def active(self) -> list[Runtime]:
        return [rt for rt in self.runtimes if rt.unavailable is None]

    def row(self, label: str, unit: str, values: dict[str, object], kind: str = "time") -> None:
        full = {}
        for rt in self.runtimes:
            full[rt.name] = rt.unavailable if rt.unavailable else values.get(rt.name, "n/a")
        self.rows.append({"label": label, "unit": unit, "values": full, "kind": kind})

    # -- cases -------------------------------------------------------------

    def cycle(self, cold: bool = False, paced: bool = False, seccomp: bool = False) -> None:
        rounds, runs = self.plan["cold" if cold else "paced" if paced else "warm"]
        profile = seccomp_profile() if seccomp else None
        if seccomp and profile is None:
            log(f"no {UNISTD_64} (Debian's linux-libc-dev): no seccomp row")
            return
        commands, recover = {}, {}
        for rt in self.active():
            case = "cycle-seccomp" if seccomp else "cycle"
            bundle = self.ws.bundle(rt.name, case, ["/bin/true"], profile)
            cid = f"{rt.name}-{case}"
            commands[rt.name] = shlex.join(["sh", "-c", f"{rt.sh('create', '--bundle', str(bundle), cid)} && "
                                                    f"{rt.sh('start', cid)} && {rt.sh('delete', '--force', cid)}"])
            recover[rt.name] = rt.sh("delete", "--force", cid)
        title = ("cycle create+start+delete, cold" if cold else
                 f"cycle, warm, {PACE} s apart" if paced else
                 f"cycle, warm, {len(profile['syscalls'][0]['names'])}-syscall seccomp allow-list" if seccomp else
                 "cycle create+start+delete, warm")
        prepare = DROP_CACHES if cold else f"sleep {PACE}" if paced else None
        samples, errors = interleaved(title, commands, rounds, runs, 0 if cold else 2, self.ws.dir,
                                      prepare, recover)
        self.time_row(title, samples, errors)

    def run_case(self) -> None:
        rounds, runs = self.plan["run"]
        commands, recover = {}, {}
        for rt in self.active():
            bundle = self.ws.bundle(rt.name, "run", ["/bin/true"])
            cid = f"{rt.name}-run"
            command = rt.sh("run", "--bundle", str(bundle), cid)
            # All three remove the container themselves after a foreground
            # run; add a delete only for a runtime that does not.
            first = rt.call("run", "--bundle", str(bundle), cid)
            if first.returncode == 0 and rt.call("state", cid).returncode == 0:
                command = shlex.join(["sh", "-c", f"{command} && {{ {rt.sh('delete', '--force', cid)} 2>/dev/null "
                                                  "|| true; }"])
                rt.notes.append("`run` leaves the container behind: the run row adds `delete -f`")
                rt.call("delete", "--force", cid)
            commands[rt.name] = command
            recover[rt.name] = rt.sh("delete", "--force", cid)
        reap_strays()
        samples, errors = interleaved("run /bin/true (foreground, auto-delete)", commands, rounds, runs, 2,
                                      self.ws.dir, None, recover)
        self.time_row("run /bin/true to completion", samples, errors)

    def exec_case(self) -> None:
        rounds, runs = self.plan["exec"]
        commands, started, values = {}, [], {}
        for rt in self.active():
            bundle = self.ws.bundle(rt.name, "exec", ["sleep", "3600"])
            cid = f"{rt.name}-exec"
            result = rt.call("run", "--detach", "--bundle", str(bundle), cid)
            if result.returncode != 0:
                values[rt.name] = "n/a (run -d fails)"
                rt.call("delete", "--force", cid)
                continue
            started.append((rt, cid))
            probe = rt.call("exec", cid, "/bin/true")
            if probe.returncode != 0:
                text = probe.stderr.strip()
                if rt.name == "swiftlet" and ("unexpected argument" in text or "Unknown" in text
                                              or "unknown" in text or "not implemented" in text):
                    values[rt.name] = "n/a (not implemented)"
                else:
                    values[rt.name] = f"n/a (exec fails: {(text.splitlines() or ['?'])[-1][:60]})"
                continue
            commands[rt.name] = rt.sh("exec", cid, "/bin/true")
        try:
            samples, errors = interleaved("exec /bin/true into a running container", commands, rounds, runs, 2,
                                          self.ws.dir)
        finally:
            for rt, cid in started:
                rt.call("delete", "--force", cid)
            reap_strays()
        self.time_row("exec /bin/true into a running container", samples, errors, values)

    def time_row(self, label: str, samples: dict[str, list[float]], errors: dict[str, str],
                 extra: dict[str, object] | None = None) -> None:
        values: dict[str, object] = dict(extra or {})
        spread: dict[str, str] = {}
        for name, times in samples.items():
            if name in errors:
                values[name] = f"failed ({errors[name][:60]})"
            elif times:
                values[name] = median(times) * 1000
                spread[name] = (f"p10 {quantile(times, 0.1) * 1000:.1f} / p90 {quantile(times, 0.9) * 1000:.1f}"
                                f" ms, n={len(times)}")
        self.row(label, "ms", values)
        self.rows[-1]["spread"] = spread

    def phases(self) -> None:
        """create, start and delete timed one by one (python clock around
        each process; interleaved runtime by runtime)."""
        count = self.plan["phases"]
        log(f"phases: {count} interleaved cycles")
        data = {rt.name: {"create": [], "start": [], "delete": []} for rt in self.active()}
        active = self.active()
        for i in range(count):
            order = active[i % len(active):] + active[:i % len(active)]
            for rt in order:
                bundle = self.ws.bundle(rt.name, "cycle", ["/bin/true"])
                cid = f"{rt.name}-phase"
                steps = (("create", ("create", "--bundle", str(bundle), cid)), ("start", ("start", cid)),
                         ("delete", ("delete", "--force", cid)))
                for step, argv in steps:
                    t0 = time.perf_counter()
                    result = rt.call(*argv, capture=False)
                    elapsed = time.perf_counter() - t0
                    if result.returncode != 0:
                        rt.call("delete", "--force", cid)
                        break
                    data[rt.name][step].append(elapsed)
            reap_strays()
        for step in ("create", "start", "delete"):
            values = {}
            for name, steps in data.items():
                values[name] = median(steps[step]) * 1000 if steps[step] else "failed"
            self.row(f"  of which `{step}` (timed alone)", "ms", values)

    def parallel(self) -> None:
        rounds = self.plan["parallel"]
        walls = {rt.name: [] for rt in self.active()}
        up = {rt.name: [] for rt in self.active()}
        failures = {rt.name: 0 for rt in self.active()}
        active = self.active()
        for r in range(rounds):
            order = active[r % len(active):] + active[:r % len(active)] if active else []
            for rt in order:
                log(f"parallel: {PARALLEL} containers, {rt.name}, round {r + 1}/{rounds}")
                bundles = [self.ws.bundle(rt.name, f"par-{i}", ["sleep", "3600"]) for i in range(PARALLEL)]
                ids = [f"{rt.name}-par-{i}" for i in range(PARALLEL)]

                def up_one(i: int) -> bool:
                    if rt.call("create", "--bundle", str(bundles[i]), ids[i], capture=False).returncode != 0:
                        return False
                    return rt.call("start", ids[i], capture=False).returncode == 0

                def down_one(i: int) -> bool:
                    return rt.call("delete", "--force", ids[i], capture=False).returncode == 0

                t0 = time.perf_counter()
                with ThreadPoolExecutor(PARALLEL) as pool:
                    ok_up = list(pool.map(up_one, range(PARALLEL)))
                t1 = time.perf_counter()
                with ThreadPoolExecutor(PARALLEL) as pool:
                    ok_down = list(pool.map(down_one, range(PARALLEL)))
                t2 = time.perf_counter()
                walls[rt.name].append(t2 - t0)
                up[rt.name].append(t1 - t0)
                failures[rt.name] += sum(1 for i in range(PARALLEL) if not (ok_up[i] and ok_down[i]))
                # Anything still listed counts as a failure too (and goes).
                left = subprocess.run(rt.argv("list", "-q"), capture_output=True, text=True).stdout.split()
                for cid in left:
                    failures[rt.name] += 1
                    rt.call("delete", "--force", cid)
                reap_strays()
        self.row(f"{PARALLEL} in parallel: create+start all, then delete all (wall)", "ms",
                 {n: median(v) * 1000 for n, v in walls.items() if v})
        self.row(f"  of which create+start of all {PARALLEL}", "ms",
                 {n: median(v) * 1000 for n, v in up.items() if v})
        self.row(f"  failures in {rounds} x {PARALLEL} containers", "count", failures, kind="count")

    def rss(self) -> None:
        count = self.plan["rss"]
        log(f"peak RSS: {count} cycles under /usr/bin/time")
        data = {rt.name: {"create": [], "start": [], "delete": []} for rt in self.active()}
        out = self.ws.dir / "time.out"
        active = self.active()
        for i in range(count):
            for rt in active[i % len(active):] + active[:i % len(active)]:
                bundle = self.ws.bundle(rt.name, "cycle", ["/bin/true"])
                cid = f"{rt.name}-rss"
                for step, argv in (("create", ("create", "--bundle", str(bundle), cid)), ("start", ("start", cid)),
                                   ("delete", ("delete", "--force", cid))):
                    result = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", str(out), *rt.argv(*argv)],
                                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL)
                    if result.returncode != 0:
                        rt.call("delete", "--force", cid)
                        break
                    try:
                        data[rt.name][step].append(int(out.read_text().split()[-1]))
                    except (OSError, ValueError, IndexError):
                        pass
            reap_strays()
        for step in ("create", "start", "delete"):
            self.row(f"peak RSS of `{step}`", "MiB",
                     {n: median(v[step]) / 1024 for n, v in data.items() if v[step]}, kind="size")

    def sizes(self) -> None:
        plain, with_libs = {}, {}
        for rt in self.runtimes:
            path = self.args.swiftlet if rt.name == "swiftlet" else rt.path
            size, total = binary_sizes(path)
            plain[rt.name] = size / 2**20
            with_libs[rt.name] = total / 2**20
        # Sizes are facts about the files: shown even for a runtime that
        # cannot create containers here.
        self.rows.append({"label": "binary size", "unit": "MiB", "values": plain, "kind": "size"})
        self.rows.append({"label": "binary + shared libraries", "unit": "MiB", "values": with_libs,
                          "kind": "size"})

    # -- output ------------------------------------------------------------

    def table(self, markdown: bool) -> str:
        names = [rt.name for rt in self.runtimes]
        peers = [n for n in names if n != "swiftlet"]
        header = ["benchmark", "unit"] + names + [f"{p}/swiftlet" for p in peers]

        def cell(value: object, kind: str) -> str:
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                if kind == "count":
                    return str(int(value))
                return f"{value:.1f}" if value >= 10 else f"{value:.2f}"
            return str(value)

        lines = []
        for row in self.rows:
            values = row["values"]
            cells = [row["label"], row["unit"]] + [cell(values.get(n, "n/a"), row["kind"]) for n in names]
            base = values.get("swiftlet")
            for p in peers:
                other = values.get(p)
                if row["kind"] == "count" or not isinstance(base, (int, float)) or not isinstance(other, (int, float)) \
                        or base == 0:
                    cells.append("")
                else:
                    cells.append(f"{other / base:.2f}")
            lines.append(cells)
        if markdown:
            out = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * 2 + ["---:"] * (len(header) - 2)) + "|"]
            out += ["| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |" for cells in lines]
            return "\n".join(out)
        widths = [max(len(str(r[i])) for r in [header] + lines) for i in range(len(header))]
        fmt = lambda r: "  ".join(str(c).ljust(widths[i]) if i < 2 else str(c).rjust(widths[i])
                                  for i, c in enumerate(r))
        return "\n".join([fmt(header), fmt(["-" * w for w in widths])] + [fmt(r) for r in lines])

    def context(self) -> list[str]:
        mode = ("private mount namespace, cgroup2 mounted on /sys/fs/cgroup (--private-cgroup2)"
                if self.args.private_cgroup2 else "host cgroups as they are ("
                + ("hybrid: v1 controllers + cgroup2 at /sys/fs/cgroup/unified"
                   if os.path.isdir("/sys/fs/cgroup/unified") else "as mounted") + ")")
        lines = [
            f"started: {getattr(self, 'started_at', '?')}; host: {platform.node()}, Linux {platform.release()}, "
            f"{os.cpu_count()} CPUs; load average (1 min) before the run {self.load_start[0]:.2f}; "
            f"{self.foreign_cpu()}",
            f"mode: {mode}; plan: {'quick' if self.args.quick else 'default'} "
            f"(rounds x runs: warm cycle {self.plan['warm'][0]}x{self.plan['warm'][1]}, apart "
            f"{self.plan['paced'][0]}x{self.plan['paced'][1]}, cold {self.plan['cold'][0]}x"
            f"{self.plan['cold'][1]}, run {self.plan['run'][0]}x{self.plan['run'][1]}, exec "
            f"{self.plan['exec'][0]}x{self.plan['exec'][1]}, phases {self.plan['phases']}, parallel "
            f"{self.plan['parallel']} rounds, RSS {self.plan['rss']} cycles)",
        ]
        for rt in self.runtimes:
            lines.append(f"{rt.name}: {rt.version_text} at {self.args.swiftlet if rt.name == 'swiftlet' else rt.path}"
                         + (f" {' '.join(rt.global_args)}" if rt.global_args else ""))
        for rt in self.runtimes:
            lines += [f"{rt.name}: {note}" for note in rt.notes]
        lines += self.notes
        return lines

    def foreign_cpu(self) -> str:
        """CPU the machine spent on anything but this script's waited-for
        processes: containers reparented to init and kernel workers (network
        namespace clean-up) count here too, so a few % is normal."""
        if not getattr(self, "cpu_start", None):
            return ""
        wall0, busy0, mine0 = self.cpu_start
        wall1, busy1, mine1 = cpu_seconds()
        share = max(0.0, (busy1 - busy0) - (mine1 - mine0)) / max(1e-9, (wall1 - wall0) * (os.cpu_count() or 1))
        warning = " (other work ran meanwhile: numbers are noisy)" if share > 0.15 else ""
        return f"CPU busy outside this script's own processes: {100 * share:.0f}% of the machine{warning}"

    def spread_lines(self) -> list[str]:
        out = []
        for row in self.rows:
            for name, text in row.get("spread", {}).items():
                out.append(f"{row['label']}, {name}: {text}")
        return out

    def report(self) -> None:
        context = self.context()
        print()
        print("\n".join(context))
        print()
        print(self.table(markdown=False))
        print()
        print("Medians; ratio = peer / swiftlet (above 1: Swiftlet is faster or smaller).")
        path = Path(self.args.markdown)
        path.parent.mkdir(parents=True, exist_ok=True)
        body = ["# scripts/bench results", ""]
        body += [f"- {line}" for line in context]
        body += ["", self.table(markdown=True), "",
                 "Medians. Ratio = peer median / Swiftlet median: above 1, Swiftlet is faster (or smaller).",
                 "", "<details><summary>spread (p10 / p90)</summary>", ""]
        body += [f"- {line}" for line in self.spread_lines()]
        body += ["", "</details>", ""]
        path.write_text("\n".join(body))
        log(f"wrote {path}")

    # -- clean-up ----------------------------------------------------------

    def cleanup(self) -> None:
        for rt in self.runtimes:
            if not rt.root.exists():
                continue
            try:
                listed = subprocess.run(rt.argv("list", "-q"), capture_output=True, text=True, timeout=30).stdout.split()
            except (OSError, subprocess.TimeoutExpired):
                listed = []
            for cid in listed:
                log(f"clean-up: {rt.name} delete -f {cid}")
                try:
                    rt.call("delete", "--force", cid, timeout=30)
                except subprocess.TimeoutExpired:
                    pass
        reap_strays()
        # A runtime's delete removes its container's cgroup; what is still
        # there now (names are <runtime>-<case>) was left behind.
        tops = self.ws.cgroup_dirs()
        left: dict[str, int] = {}
        for top in tops:
            try:
                for child in top.iterdir():
                    if child.is_dir():
                        left[child.name] = left.get(child.name, 0) + 1
            except OSError:
                pass
        if left:
            self.notes.append("cgroups left behind after every container was deleted (removed by this script): "
                              + ", ".join(f"{name} (in {n} hierarchies)" for name, n in sorted(left.items())))
        # Our cgroups only: kill what a runtime left in them (by pid), then
        # remove them leaves first.
        for top in tops:
            for dirpath, _, _ in os.walk(top):
                procs = Path(dirpath) / "cgroup.procs"
                try:
                    pids = [int(p) for p in procs.read_text().split()]
                except (OSError, ValueError):
                    pids = []
                for pid in pids:
                    log(f"clean-up: killing pid {pid} left in {dirpath}")
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
            for dirpath, _, _ in sorted(os.walk(top), key=lambda w: -w[0].count("/")):
                for attempt in range(50):
                    try:
                        os.rmdir(dirpath)
                        break
                    except FileNotFoundError:
                        break
                    except OSError:
                        reap_strays()
                        time.sleep(0.1)
                else:
                    log(f"clean-up: could not remove {dirpath}")
        reap_strays()
        if os.environ.get("SWIFTLET_BENCH_KEEP"):
            log(f"kept {self.ws.dir} (SWIFTLET_BENCH_KEEP)")
            return
        shutil.rmtree(self.ws.dir, ignore_errors=True)

    # -- main ----------------------------------------------------------------

    def main(self) -> int:
        started = time.monotonic()
        try:
            self.setup()
            if not any(rt.name == "swiftlet" and rt.unavailable is None for rt in self.runtimes):
                log("swiftlet cannot create a container here: nothing to compare")
            if self.active():
                self.cycle()
                self.phases()
                self.cycle(seccomp=True)
                self.cycle(paced=True)
                self.cycle(cold=True)
                self.run_case()
                self.exec_case()
                self.parallel()
                self.rss()
            self.sizes()
        finally:
            self.cleanup()
        self.report()
        log(f"done in {time.monotonic() - started:.0f} s")
        return 0


def command_line(runner: type, description: str, default_markdown: str) -> int:
    """The command line both scripts share (scripts/bench calls them): parse,
    run `runner(args).main()`, and turn SIGTERM and Ctrl-C into a clean stop
    (the runner cleans up in its own `finally`)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--swiftlet", required=True)
    parser.add_argument("--markdown", default=str(REPO / "bench" / default_markdown))
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--private-cgroup2", action="store_true")
    args = parser.parse_args()

    def stop(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, stop)
    try:
        return runner(args).main()
    except KeyboardInterrupt as interrupt:
        log(f"interrupted ({interrupt or 'Ctrl-C'}); cleaned up")
        return 130


def main() -> int:
    return command_line(Bench, __doc__.split("\n\n")[0], "results-latest.md")


if __name__ == "__main__":
    sys.exit(main())
