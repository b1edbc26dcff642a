#!/usr/bin/env python3
"""Where Swiftlet's time goes in the create/start/delete cycle: run through
`scripts/bench --profile` (root, inside a private mount namespace). Writes
bench/profile-latest.md (or --markdown FILE) and prints the same.

1. start-up: `--version` (no argument parsing) and `list` on an empty root
   for each runtime, interleaved (hyperfine);
2. variants of the cycle: without a network namespace, and (Swiftlet) from
   a binary already on a read-only mount, so that it does not re-execute
   itself;
3. blocking system calls (`perf trace --duration`), per cycle;
4. CPU time per cycle (`perf record -e cpu-clock`, a software event: this VM
   has no hardware counters), split kernel / user, kernel entry points
   inclusive, user code by module;
5. user-space instructions of `swiftlet create` (valgrind callgrind,
   --trace-children=yes). Valgrind 3.19 (Debian 12) does not know
   open_tree, openat2 or pidfd_open: the re-exec is skipped and the
   container's init stops at its first openat2, so this covers the runtime
   side (arguments, config decoding, validation, cgroups, clone) only.

For symbols, the release binary is relinked from SwiftPM's objects without
--strip-all (and without DWARF, which valgrind 3.19 cannot read) into the
temporary directory; .build is only read.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402
from bench import REPO, Bench, interleaved, log, median, reap_strays  # noqa: E402

PAUSE = 0.3  # s between traced cycles
PERIOD_NS = 100_000  # one cpu-clock sample per 0.1 ms of CPU
WAITS = {"futex", "epoll_wait", "epoll_pwait", "epoll_pwait2", "wait4", "waitid", "poll", "ppoll",
         "pselect6", "select", "nanosleep", "clock_nanosleep", "recvmsg", "recvfrom", "accept", "accept4",
         "rt_sigtimedwait", "rt_sigsuspend", "pause", "sched_yield", "vfork"}
KERNEL_POINTS = [
    ("execve/execveat (whole exec)", ["bprm_execve"]),
    ("page faults", ["asm_exc_page_fault"]),
    ("clone/clone3/fork", ["kernel_clone"]),
    ("new namespaces at clone/unshare", ["create_new_namespaces"]),
    ("  of which network namespace", ["copy_net_ns"]),
    ("  of which mount namespace", ["copy_mnt_ns"]),
    ("process exit (exit_mmap, namespaces)", ["do_exit"]),
    ("mount API + mount(2) + umount", ["__x64_sys_mount", "__x64_sys_fsopen", "__x64_sys_fsconfig",
                                      "__x64_sys_fsmount", "__x64_sys_move_mount", "__x64_sys_open_tree",
                                      "__x64_sys_mount_setattr", "__x64_sys_umount"]),
    ("pivot_root", ["__x64_sys_pivot_root"]),
    ("cgroup mkdir", ["cgroup_mkdir"]),
    ("cgroup rmdir", ["cgroup_rmdir"]),
    ("cgroup.procs writes (migration)", ["cgroup_procs_write", "cgroup1_procs_write", "__cgroup1_procs_write",
                                         "cgroup_attach_task"]),
    ("openat/openat2", ["do_sys_openat2"]),
    ("seccomp filter load", ["__x64_sys_seccomp"]),
    ("mmap/munmap/brk", ["__x64_sys_mmap", "__x64_sys_munmap", "__x64_sys_brk"]),
]


def valgrind_version() -> str:
    try:
        return subprocess.run(["valgrind", "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "valgrind"


def demangle(names: list[str]) -> list[str]:
    tool = shutil.which("swift-demangle") or "/opt/swift/usr/bin/swift-demangle"
    if not os.path.exists(tool) or not names:
        return names
    out = subprocess.run([tool, "--simplified"], input="\n".join(names) + "\n", capture_output=True,
                         text=True).stdout.splitlines()
    return out if len(out) == len(names) else names


def module_of(symbol: str) -> str:
    m = re.match(r"^\$s(\d+)([A-Za-z_]\w*)", symbol)
    if m:
        return m.group(2)[: int(m.group(1))]
    if symbol.startswith("swift_") or "swift::" in symbol or symbol.startswith("_swift") \
            or "__swift" in symbol or symbol.startswith("(anonymous namespace)"):
        return "Swift runtime"
    if symbol.startswith("seccomp") or symbol.startswith("db_") or symbol.startswith("arch_"):
        return "libseccomp"
    if symbol.startswith("cap_"):
        return "libcap"
    if symbol.startswith("0x"):
        return "unknown"
    return "C library / other C"


class Profile(Bench):
    def __init__(self, args: argparse.Namespace):
        super().__init__(args)
        self.cycles = 10 if args.quick else 30
        self.out: list[str] = []
        self.symbin: str | None = None
        self.sealed: Path | None = None
        # perf caches every binary it samples (by build id): keep that cache
        # in the temporary directory instead of ~/.debug.
        self.buildid_dir = self.ws.dir / "perf-buildid"

    def say(self, *lines: str) -> None:
        for line in lines:
            print(line, flush=True)
            self.out.append(line)

    # -- symbols -------------------------------------------------------------

    def relink(self) -> None:
        manifest = REPO / ".build" / "release.yaml"
        target = self.ws.dir / "bin" / "swiftlet-symbols"
        try:
            text = manifest.read_text()
        except OSError:
            text = ""
        link = None
        for line in text.splitlines():
            line = line.strip()
            if line.startswith("args: [") and "swiftlet.product/Objects.LinkFileList" in line:
                link = json.loads(line[len("args: "):])
        if link:
            argv = []
            skip = 0
            for i, a in enumerate(link):
                if skip:
                    skip -= 1
                    continue
                if a == "-Xlinker" and i + 1 < len(link) and link[i + 1] == "--strip-all":
                    skip = 1
                    continue
                argv.append(a)
            argv[argv.index("-o") + 1] = str(target) + ".full"
            result = subprocess.run(argv, capture_output=True, text=True)
            if result.returncode == 0:
                subprocess.run(["objcopy", "--strip-debug", str(target) + ".full", str(target)], check=True)
                os.unlink(str(target) + ".full")
                want = subprocess.run([self.args.swiftlet, "--version"], capture_output=True, text=True).stdout
                got = subprocess.run([str(target), "--version"], capture_output=True, text=True).stdout
                if want == got:
                    self.symbin = str(target)
                    log(f"relinked with symbols: {target}")
                    return
                log("relinked binary reports another version (a build is under way?): not used")
            else:
                log(f"relink failed: {(result.stderr.strip().splitlines() or ['?'])[-1]}")
        self.say("", "(No symbols: the release binary is stripped and could not be relinked; "
                     "user-space rows show addresses.)")
        self.symbin = str(self.ws.dir / "bin" / "swiftlet")

    # -- 1 and 2: timings ----------------------------------------------------

    def startup(self) -> None:
        rounds, runs = (2, 10) if self.args.quick else (5, 20)
        empty = self.ws.dir / "empty-root"
        empty.mkdir()
        commands = {}
        for rt in self.runtimes:
            commands[f"{rt.name} --version"] = f"{rt.path} --version"
            commands[f"{rt.name} list"] = shlex.join([rt.path, *rt.global_args, "--root", str(empty), "list"])
        samples, errors = interleaved("start-up", commands, rounds, runs, 3, self.ws.dir)
        self.say("", "## Start-up", "",
                 "Median wall time of a process that does (almost) nothing: `--version` and `list` on an "
                 "empty `--root` (arguments parsed, one directory read).", "", "| command | median ms |", "|---|---:|")
        for name in commands:
            value = f"{median(samples[name]) * 1000:.2f}" if samples[name] else errors.get(name, "n/a")
            self.say(f"| `{name}` | {value} |")

    def variants(self) -> None:
        rounds, runs = (2, 5) if self.args.quick else (6, 10)
        commands, recover = {}, {}
        # A read-only bind mount of the binary: Seal.isSealed is then true and
        # create does not re-execute itself (we are in a private mount ns).
        sealed_dir = self.ws.dir / "sealed"
        sealed_dir.mkdir()
        sealed = sealed_dir / "swiftlet"
        sealed.write_bytes(b"")
        subprocess.run(["mount", "--bind", str(self.ws.dir / "bin" / "swiftlet"), str(sealed)], check=True)
        self.sealed = sealed
        subprocess.run(["mount", "-o", "remount,bind,ro", str(sealed)], check=True)
        for rt in self.active():
            for variant in ("base", "no-netns", "sealed"):
                if variant == "sealed" and rt.name != "swiftlet":
                    continue
                args = ["/bin/true"]
                bundle = self.ws.bundle(rt.name, f"var-{variant}", args)
                if variant == "no-netns":
                    config = json.loads((bundle / "config.json").read_text())
                    config["linux"]["namespaces"] = [n for n in config["linux"]["namespaces"]
                                                     if n["type"] != "network"]
                    (bundle / "config.json").write_text(json.dumps(config, indent=2))
                path = str(sealed) if variant == "sealed" else rt.path
                cid = f"{rt.name}-{variant}"
                sh = lambda *a: shlex.join([path, *rt.global_args, "--root", str(rt.root), *a])  # noqa: E731
                commands[f"{rt.name} {variant}"] = shlex.join(["sh", "-c", f"{sh('create', '--bundle', str(bundle), cid)}"
                                                               f" && {sh('start', cid)} && {sh('delete', '--force', cid)}"])
                recover[f"{rt.name} {variant}"] = sh("delete", "--force", cid)
        samples, errors = interleaved("cycle variants", commands, rounds, runs, 2, self.ws.dir, None, recover)
        self.say("", "## Cycle variants", "",
                 "create + start + delete of /bin/true, interleaved; `no-netns`: the same config without a "
                 "network namespace; `sealed`: Swiftlet started from a read-only bind mount of its binary, "
                 "so `create` skips its CVE-2019-5736 re-exec.", "",
                 "| runtime variant | median ms | p10 | p90 | n |", "|---|---:|---:|---:|---:|")
        for name in commands:
            t = samples[name]
            if t:
                self.say(f"| {name} | {median(t) * 1000:.1f} | {bench.quantile(t, .1) * 1000:.1f} | "
                         f"{bench.quantile(t, .9) * 1000:.1f} | {len(t)} |")
            else:
                self.say(f"| {name} | {errors.get(name, 'n/a')} | | | |")

    # -- 3: blocking system calls -------------------------------------------

    def loop_script(self, rt: Runtime, path: str, pause: float = 0) -> str:
        bundle = self.ws.bundle(rt.name, "cycle", ["/bin/true"])
        cid = f"{rt.name}-prof"
        sh = lambda *a: shlex.join([path, *rt.global_args, "--root", str(rt.root), *a])  # noqa: E731
        return (f"i=0; while [ $i -lt {self.cycles} ]; do i=$((i+1)); "
                f"{sh('create', '--bundle', str(bundle), cid)} && {sh('start', cid)} && "
                f"{sh('delete', '--force', cid)} || {{ {sh('delete', '--force', cid)}; exit 1; }}; "
                + (f"sleep {pause}; " if pause else "") + "done")

    def blocking(self) -> None:
        self.say("", "## Blocking system calls", "",
                 f"`perf trace --duration 0.2` over {self.cycles} cycles, {PAUSE} s apart (as containers are "
                 "created in real life: back-to-back loops hide the RCU grace period a cgroup v1 migration waits "
                 "for): every system call that took 0.2 ms or more, summed per cycle (waits for another process — futex, poll, recvmsg, accept, "
                 "wait4… — left out, as is any single call longer than half a cycle: that is a container "
                 "waiting for `start`).")
        for rt in self.active():
            path = self.symbin if rt.name == "swiftlet" else rt.path
            out = self.ws.dir / f"trace-{rt.name}.txt"
            t0 = time.perf_counter()
            result = subprocess.run(["perf", "trace", "--duration", "0.2", "-o", str(out), "--", "sh", "-c",
                                     self.loop_script(rt, path, PAUSE)], stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            wall = (time.perf_counter() - t0) / self.cycles - PAUSE
            if result.returncode != 0:
                self.say("", f"{rt.name}: perf trace failed: {(result.stderr.strip().splitlines() or ['?'])[-1]}")
                continue
            totals: dict[str, list[float]] = collections.defaultdict(list)
            pattern = re.compile(r"^\s*[\d.]+ \(\s*([\d.]+) ms\): (.+?)/(\d+) (\w+)\((.*)\)\s+= ")
            for line in out.read_text(errors="replace").splitlines():
                m = pattern.match(line)
                if not m:
                    continue
                duration, _comm, _pid, name, argtext = float(m.group(1)), m.group(2), m.group(3), m.group(4), \
                    m.group(5)
                if name in WAITS or duration > wall * 1000 / 2:
                    continue
                target = re.search(r"<([^>]*)>", argtext)
                if name in ("read", "write", "pread64", "pwrite64") and target:
                    what = target.group(1)
                    if what.startswith(("pipe:", "socket:")):
                        continue
                    label = f"{name} {'cgroup ' if '/sys/fs/cgroup' in what else ''}{os.path.basename(what)}"
                else:
                    label = name
                totals[label].append(duration)
            rows = sorted(totals.items(), key=lambda kv: -sum(kv[1]))[:10]
            self.say("", f"{rt.name} (cycle under perf trace: {wall * 1000:.0f} ms wall, pauses excluded)", "",
                     "| system call | ms per cycle | calls per cycle | longest ms |", "|---|---:|---:|---:|")
            for label, values in rows:
                self.say(f"| {label} | {sum(values) / self.cycles:.2f} | {len(values) / self.cycles:.1f} | "
                         f"{max(values):.2f} |")
            reap_strays()

    # -- 4: CPU ---------------------------------------------------------------

    def perf_report(self, data: Path, *extra: str) -> list[list[str]]:
        result = subprocess.run(["perf", "--buildid-dir", str(self.buildid_dir), "report", "-i", str(data),
                                 "--stdio", "-n", "-q", "-g", "none", *extra],
                                capture_output=True, text=True)
        rows = []
        for line in result.stdout.splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                rows.append(line.split(None))
        return rows

    def cpu(self) -> None:
        self.say("", "## CPU time per cycle", "",
                 f"`perf record -e cpu-clock -c {PERIOD_NS}` (one sample per {PERIOD_NS / 1e6:g} ms of CPU) over "
                 f"{self.cycles} cycles, the runtime and the container's processes (`sh` and `true` included).")
        for rt in self.active():
            path = self.symbin if rt.name == "swiftlet" else rt.path
            data = self.ws.dir / f"perf-{rt.name}.data"
            if self.symbin and rt.name == "swiftlet":
                # The re-exec'd image is mapped from a detached mount ("/"):
                # let perf find its symbols by build id.
                subprocess.run(["perf", "--buildid-dir", str(self.buildid_dir), "buildid-cache", "--add", self.symbin],
                               capture_output=True)
            result = subprocess.run(["perf", "--buildid-dir", str(self.buildid_dir), "record", "--buildid-mmap",
                                     "-e", "cpu-clock", "-c", str(PERIOD_NS),
                                     "-g", "-o", str(data), "--", "sh", "-c", self.loop_script(rt, path)],
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                    text=True)
            if result.returncode != 0:
                self.say("", f"{rt.name}: perf record failed: {(result.stderr.strip().splitlines() or ['?'])[-1]}")
                continue
            per_cycle = lambda samples: samples * PERIOD_NS / 1e6 / self.cycles  # noqa: E731
            by_dso = collections.Counter()
            for row in self.perf_report(data, "--no-children", "--sort", "dso"):
                if len(row) >= 3 and row[1].isdigit():
                    by_dso[" ".join(row[2:])] += int(row[1])
            total = sum(by_dso.values())
            kernel = by_dso.get("[kernel.kallsyms]", 0)
            self.say("", f"### {rt.name}: {per_cycle(total):.1f} ms CPU per cycle "
                         f"(kernel {per_cycle(kernel):.1f}, user {per_cycle(total - kernel):.1f})", "",
                     "| where | ms CPU per cycle | share |", "|---|---:|---:|")
            for dso, n in by_dso.most_common(6):
                self.say(f"| {dso} | {per_cycle(n):.2f} | {100 * n / max(total, 1):.0f}% |")
            # Kernel entry points, inclusive of what they call.
            children = {}
            for row in self.perf_report(data, "--children", "--sort", "sym"):
                # children% self% samples [k] symbol: the share of all samples
                # with the symbol on the stack.
                if len(row) >= 5 and row[0].endswith("%") and row[3] in ("[k]", "[.]"):
                    # (sorted by that share: keep a symbol's first, largest row)
                    children.setdefault(row[4], float(row[0].rstrip("%")) * total / 100)
            self.say("", "| kernel, inclusive | ms CPU per cycle | share |", "|---|---:|---:|")
            for label, symbols in KERNEL_POINTS:
                n = sum(children.get(s, 0) for s in symbols)
                if n:
                    self.say(f"| {label} | {per_cycle(n):.2f} | {100 * n / max(total, 1):.0f}% |")
            if rt.name != "swiftlet":
                continue
            # Swiftlet's own code by module (self time), and its top symbols.
            modules = collections.Counter()
            symbols = collections.Counter()
            own = {os.path.basename(path), "/"}
            for row in self.perf_report(data, "--no-children", "--sort", "dso,sym"):
                if len(row) >= 5 and row[1].isdigit() and row[2] in own and row[3] == "[.]":
                    name = " ".join(row[4:])
                    modules[module_of(name)] += int(row[1])
                    symbols[name] += int(row[1])
            mine = sum(modules.values())
            self.say("", f"Swiftlet's user-space code, self time by module ({per_cycle(mine):.1f} ms CPU per cycle, "
                         "both images: before and after the re-exec):", "",
                     "| module | ms CPU per cycle | share of all CPU |", "|---|---:|---:|")
            for module, n in modules.most_common(8):
                self.say(f"| {module} | {per_cycle(n):.2f} | {100 * n / max(total, 1):.1f}% |")
            top = symbols.most_common(12)
            names = demangle([name for name, _ in top])
            self.say("", "| hottest user-space symbols (self) | ms CPU per cycle |", "|---|---:|")
            for (name, n), pretty in zip(top, names):
                self.say(f"| `{pretty[:110]}` | {per_cycle(n):.2f} |")
            reap_strays()

    # -- 5: callgrind ---------------------------------------------------------

    def callgrind(self) -> None:
        if not shutil.which("valgrind"):
            self.say("", "## Instructions (callgrind)", "", "valgrind is not installed.")
            return
        rt = next(rt for rt in self.runtimes if rt.name == "swiftlet")
        bundle = self.ws.bundle("swiftlet", "cycle", ["/bin/true"])
        outdir = self.ws.dir / "callgrind"
        outdir.mkdir()
        cid = "swiftlet-callgrind"
        proc = subprocess.run(["valgrind", "--tool=callgrind", "--trace-children=yes",
                               f"--callgrind-out-file={outdir}/cg.%p.%n", self.symbin, "--root", str(rt.root),
                               "create", "--bundle", str(bundle), cid], stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=300)
        rt.call("delete", "--force", cid)
        reap_strays()
        files = sorted(outdir.glob("cg.*"), key=lambda p: p.stat().st_size, reverse=True)
        # The runtime side: the file not written by the container's init
        # (pid 1 in its pid namespace).
        main = [f for f in files if not f.name.startswith("cg.1.")]
        if not main:
            self.say("", "## Instructions (callgrind)", "", f"no callgrind output ({proc.stderr[-200:]})")
            return
        text = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", str(main[0])],
                              capture_output=True, text=True).stdout
        rows = []
        total = 0
        for line in text.splitlines():
            m = re.match(r"^\s*([\d,]+) \(\s*[\d.]+%\)\s+(\S.*?)\s*(\[.*\])?$", line)
            if not m:
                continue
            count = int(m.group(1).replace(",", ""))
            name = m.group(2)
            if name == "PROGRAM TOTALS":
                total = count
                continue
            if name.startswith("???:"):
                name = name[4:]
            rows.append((count, name))
        names = demangle([name for _, name in rows])
        rows = [(count, pretty) for (count, _), pretty in zip(rows, names)]
        names_of = {"428": "open_tree", "434": "pidfd_open", "437": "openat2", "429": "move_mount",
                    "430": "fsopen", "431": "fsconfig", "432": "fsmount", "442": "mount_setattr"}
        unhandled = sorted({m.group(1) for m in re.finditer(r"unhandled amd64-linux syscall: (\d+)", proc.stderr)})
        errors = [m.group(1) for m in re.finditer(r'level=error msg="([^"]*)"', proc.stderr)]
        failure = (f"{valgrind_version()} does not handle system calls "
                   + ", ".join(f"{n} ({names_of.get(n, '?')})" for n in unhandled)
                   + (f"; the container's init failed with \"{errors[0][:120]}\"" if errors else "")) \
            if unhandled else "valgrind handled every system call"

        def share(predicate) -> tuple[int, str]:
            hits = [count for count, name in rows if predicate(name)]
            best = max(hits) if hits else 0
            return best, f"{best / 1e6:.1f} M ({100 * best / max(total, 1):.0f}%)"

        self.say("", "## Instructions of `swiftlet create` (callgrind)", "",
                 f"Runtime side: {total / 1e6:.1f} M instructions in user space. {failure}.", "",
                 "| part (inclusive) | instructions |", "|---|---:|")
        for label, predicate in [
            ("argument parsing (`CommandLineParser.parse`)", lambda n: n.startswith("CommandLineParser.parse")),
            ("protocol conformance look-ups, wherever called (`swift_conformsToProtocol*`)",
             lambda n: n.startswith("swift_conformsToProtocol")),
            ("`Create.execute()`", lambda n: n.startswith("Create.execute()")),
            ("  config.json decoding (`Spec.decode`)", lambda n: n.startswith("static Spec.decode")),
            ("  cgroup host detection (`CgroupHost.detect`)", lambda n: n.startswith("static CgroupHost.detect")),
            ("  path cleaning (`Path.clean`)", lambda n: n.startswith("static Path.clean")),
        ]:
            self.say(f"| {label} | {share(predicate)[1]} |")
        self.say("", "Top inclusive costs:", "", "| instructions | function |", "|---:|---|")
        shown = 0
        for count, name in rows:
            if name.startswith("(below main)") or name in ("swiftlet_main", "0x0000000000000000"):
                continue
            self.say(f"| {count / 1e6:.2f} M ({100 * count / max(total, 1):.0f}%) | `{name[:120]}` |")
            shown += 1
            if shown == 25:
                break

    # -- main -----------------------------------------------------------------

    def main(self) -> int:
        started = time.monotonic()
        try:
            self.setup()
            self.say("# scripts/bench --profile", "")
            for line in self.context():
                self.say(f"- {line}")
            self.relink()
            if any(rt.name == "swiftlet" and rt.unavailable is None for rt in self.runtimes):
                self.startup()
                self.variants()
                self.blocking()
                self.cpu()
                self.callgrind()
            else:
                self.say("", "Swiftlet cannot create a container here.")
        finally:
            if self.sealed:
                subprocess.run(["umount", str(self.sealed)], capture_output=True)
            self.cleanup()
        path = Path(self.args.markdown)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(self.out) + "\n")
        log(f"wrote {path}; done in {time.monotonic() - started:.0f} s")
        return 0


Runtime = bench.Runtime


def main() -> int:
    return bench.command_line(Profile, __doc__.split("\n\n")[0], "profile-latest.md")


if __name__ == "__main__":
    sys.exit(main())
