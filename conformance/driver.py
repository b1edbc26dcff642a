#!/usr/bin/env python3
"""OCI runtime-spec conformance suite (see conformance/README-section.md).

Runs the conformance checker inside one container per configuration case
and reports each of its verdicts as a case; drives the lifecycle from
outside. Prints TAP and exits 1 when a case that is not a known gap fails."""

import argparse
import os
import re
import shutil
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from suite import REPO, Result, Suite, error_message  # noqa: E402
import config_cases  # noqa: E402
import lifecycle_cases  # noqa: E402


class KnownGaps:
    """conformance/known-gaps: `<case name or regex> # reason` per line."""

    def __init__(self, path: Path):
        self.entries = []
        if not path.exists():
            return
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            pattern, sep, reason = line.partition(" # ")
            pattern = pattern.strip()
            try:
                regex = re.compile(pattern)
            except re.error:
                regex = None
            self.entries.append((pattern, regex, reason.strip() if sep else "no reason given"))

    def reason(self, name):
        for pattern, regex, reason in self.entries:
            if name == pattern or (regex is not None and regex.fullmatch(name)):
                return reason
        return None


class Report:
    def __init__(self, gaps: KnownGaps, wanted):
        self.gaps = gaps
        self.wanted = wanted
        self.number = 0
        self.passed = self.failed = self.skipped = 0
        self.gap_failures = []  # (name, reason)
        self.gap_passes = []

    def add(self, result: Result):
        if not self.wanted(result.name):
            return
        self.number += 1
        gap = self.gaps.reason(result.name)
        if result.skip:
            self.skipped += 1
            print(f"ok {self.number} - {result.name} # SKIP {result.reason}", flush=True)
        elif result.ok:
            self.passed += 1
            print(f"ok {self.number} - {result.name}", flush=True)
            if gap is not None:
                self.gap_passes.append(result.name)
        elif gap is not None:
            self.gap_failures.append((result.name, gap))
            print(f"not ok {self.number} - {result.name} # TODO known gap: {gap} ({one_line(result.reason)})", flush=True)
        else:
            self.failed += 1
            print(f"not ok {self.number} - {result.name} # {one_line(result.reason)}", flush=True)

    def finish(self):
        print(f"1..{self.number}")
        if self.gap_failures:
            print(f"# {len(self.gap_failures)} known gaps:")
            for name, reason in self.gap_failures:
                print(f"#   {name}: {reason}")
        if self.gap_passes:
            print(f"# {len(self.gap_passes)} known gaps pass now (remove them from conformance/known-gaps):")
            for name in self.gap_passes:
                print(f"#   {name}")
        if self.skipped:
            print(f"# {self.skipped} skipped")
        print(f"{self.passed} passed, {self.failed} failed")


def one_line(text):
    return " ".join(str(text).split())[:400]


def run_config_case(suite, report, name, runs, focus, build, default_verdicts):
    tag = name
    runs = f"{runs} [{tag}]"
    extra = {}
    b = None
    try:
        b = suite.checker_bundle(name)
        extra = build(suite, b) or {}
        if "runtime" in extra:
            b.runtime = extra["runtime"]
        suite.finish_checker_bundle(b)
        if "runner" in extra:
            code, out, err = extra["runner"](suite, b)
        else:
            r = suite.run_checker(b)
            code, out, err = r.returncode, r.stdout, r.stderr
        results, plan = Suite.parse_tap(out, tag)
        if plan is None and not results:
            report.add(Result(runs, False, error_message(err) or f"exit {code}, no output"))
        elif plan is None or plan != len(results):
            report.add(Result(runs, False, f"checker output incomplete (exit {code}): {error_message(err)}"))
        else:
            report.add(Result(runs, True))
        suffix = f" [{tag}]"
        for result in results:
            base = result.name[:-len(suffix)]
            if name == "default":
                default_verdicts[base] = result.ok
            if any(base.startswith(f) for f in focus):
                report.add(result)
            elif not result.ok and default_verdicts.get(base, True):
                report.add(result)  # a side check that fails here and not in the default bundle
    except Exception as e:
        report.add(Result(runs, False, f"driver error: {e}"))
        traceback.print_exc(file=sys.stderr)
    finally:
        if b is not None:
            suite.destroy(b.cid)
            if callable(extra.get("cleanup")):
                extra["cleanup"]()
            suite.forget(b)


def run_scenario(suite, report, name, names, fn):
    outcome = lifecycle_cases.Outcome(names)
    first = len(suite.bundles)
    try:
        fn(suite, outcome)
    except Exception as e:
        for n in names:
            outcome.check(n, False, f"scenario stopped: {e}")
        traceback.print_exc(file=sys.stderr)
    finally:
        for b in suite.bundles[first:]:
            suite.destroy(b.cid)
            suite.forget(b)
    for n in names:
        ok, reason = outcome.verdicts.get(n, (False, "not reached"))
        report.add(Result(n, ok, reason))


def main():
    parser = argparse.ArgumentParser(description="OCI runtime-spec conformance suite")
    parser.add_argument("--runtime", default=str(REPO / ".build" / "release" / "swiftlet"),
                        help="runtime binary (a path, or a name on PATH such as runc)")
    parser.add_argument("--filter", default=None, help="run only cases whose name matches this regex")
    parser.add_argument("--keep", action="store_true", help="keep the temp directory (bundles, state) for inspection")
    parser.add_argument("--known-gaps", default=str(HERE / "known-gaps"), help="known-gaps file")
    opts = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("the conformance suite runs as root (it creates real containers)")
    runtime = opts.runtime if "/" in opts.runtime else shutil.which(opts.runtime)
    if not runtime or not os.access(runtime, os.X_OK):
        sys.exit(f"no runtime binary {opts.runtime!r}")
    runtime = str(Path(runtime).resolve())

    regex = re.compile(opts.filter) if opts.filter else None
    wanted = (lambda n: True) if regex is None else (lambda n: regex.search(n) is not None)
    gaps = KnownGaps(Path(opts.known_gaps))
    report = Report(gaps, wanted)
    suite = Suite(runtime, keep=opts.keep)
    print(f"# runtime {runtime}; state {suite.root}; cgroups {suite.cgroup_parent}", flush=True)
    began = time.monotonic()
    try:
        default_verdicts = {}
        for name, runs, focus, build in config_cases.CASES:
            # A bundle runs when the filter matches its tag ([name]), its
            # own case, or one of its focus prefixes.
            if regex and not (regex.search(f"[{name}]") or regex.search(runs) or any(regex.search(f) for f in focus if f)):
                continue
            run_config_case(suite, report, name, runs, focus, build, default_verdicts)
        for name, names, fn in lifecycle_cases.SCENARIOS:
            if regex and not any(regex.search(n) for n in names):
                continue
            run_scenario(suite, report, name, names, fn)
        leaks = suite.leaks()
        report.add(Result("runtime.md#delete: nothing of the deleted containers is left behind", not leaks, "; ".join(leaks)))
    finally:
        suite.cleanup()
    print(f"# {time.monotonic() - began:.0f}s", flush=True)
    if opts.keep:
        print(f"# kept {suite.base}")
    report.finish()
    sys.exit(1 if report.failed else 0)


if __name__ == "__main__":
    main()
