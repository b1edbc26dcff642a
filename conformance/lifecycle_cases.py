"""runtime.md's operations and lifecycle, and config.md's hooks, driven from
outside; plus configurations a runtime must refuse. Each scenario declares
the case names it reports, so --filter can pick scenarios without running them."""

import json
import os
import re
import time
import uuid
from pathlib import Path

from suite import NS_FILES, error_message, pid_alive, validate_schema, wait_for

SCENARIOS = []


def scenario(*names):
    def register(fn):
        SCENARIOS.append((fn.__name__, list(names), fn))
        return fn
    return register


class Outcome:
    """The verdicts of one scenario, by case name."""

    def __init__(self, names):
        self.names = names
        self.verdicts = {}

    def check(self, name, ok, reason=""):
        assert name in self.names, name
        if name not in self.verdicts:  # the first verdict of a case stands
            self.verdicts[name] = (bool(ok), "" if ok else reason)
        return ok


def program(suite, name, script=None, args=None):
    """A bundle running `script` (sh -c) with a host directory bound rw at /out."""
    b = suite.bundle(name)
    out = b.path / "out"
    out.mkdir()
    out.chmod(0o777)
    (b.path / "rootfs" / "out").mkdir()
    b.config["mounts"].append({"destination": "/out", "type": "bind", "source": str(out), "options": ["rbind", "rw"]})
    b.config["process"]["args"] = args or ["sh", "-c", script or "sleep 1000"]
    b.config["process"]["env"] = ["PATH=/bin", "HOME=/root"]
    b.out = out
    b.save()
    return b


def why(r):
    return error_message(r.stderr) or f"exit {r.returncode}"


def runtime_ns():
    return {k: os.stat(f"/proc/self/ns/{NS_FILES[k]}").st_ino for k in ("pid", "network", "ipc", "uts", "mount", "cgroup")}


def container_ns(pid):
    return {k: os.stat(f"/proc/{pid}/ns/{NS_FILES[k]}").st_ino for k in ("pid", "network", "ipc", "uts", "mount", "cgroup")}


def gone(suite, cid):
    """Why the container is not fully gone, or '' when it is."""
    left = []
    if suite.state(cid) is not None:
        left.append("state still answers")
    dirs = suite.cgroup_dirs(cid)
    if dirs:
        left.append(f"cgroup {dirs[0]}")
    return ", ".join(left)


# ----- query state, create, start, kill, delete -------------------------------

@scenario("runtime.md#query-state: state of a missing id is an error")
def state_missing(suite, o):
    r = suite.runtime.run("state", f"cf-missing-{uuid.uuid4().hex[:8]}")
    o.check(o.names[0], r.returncode != 0, f"exit 0: {r.stdout.strip()[:80]}")


@scenario("runtime.md#create: create with an existing id is an error",
          "runtime.md#create: a failed create of an existing id leaves the first container untouched")
def create_existing(suite, o):
    first = program(suite, "existing")
    r = suite.runtime.run("create", "--bundle", first.path, first.cid)
    if r.returncode != 0:
        raise RuntimeError(f"create: {why(r)}")
    before = suite.state(first.cid)
    second = program(suite, "existing-2")
    r = suite.runtime.run("create", "--bundle", second.path, first.cid)
    o.check(o.names[0], r.returncode != 0, "the second create succeeded")
    after = suite.state(first.cid)
    same = after is not None and all(after.get(k) == before.get(k) for k in ("status", "pid", "bundle"))
    o.check(o.names[1], same and pid_alive(before["pid"]), f"before {before}, after {after}")
    suite.destroy(first.cid)


CREATE_START = [
    "runtime.md#create: process.args do not run before start",
    "runtime.md#state: a created container has status created and the pid of its process",
    "runtime.md#create: --pid-file holds the decimal pid of the container process",
    "runtime.md#state: state of a created container matches schema/state-schema.json",
    "runtime.md#state: state has ociVersion, id, the absolute bundle path and the annotations",
    "runtime.md#start: start runs the user program",
    "runtime.md#state: a running container has status running",
    "runtime.md#state: state of a running container matches schema/state-schema.json",
    "runtime.md#start: start of a running container is an error and changes nothing",
    "runtime.md#delete: delete of a running container without --force is an error and changes nothing",
    "runtime.md#kill: kill sends the signal to the container process (KILL)",
    "runtime.md#state: a stopped container has status stopped",
    "runtime.md#state: state of a stopped container matches schema/state-schema.json",
    "runtime.md#start: start of a stopped container is an error and changes nothing",
    "runtime.md#kill: kill of a stopped container is an error and changes nothing",
    "runtime.md#delete: delete of a stopped container removes it and what create made",
    "runtime.md#delete: the id can be used again after delete",
]


@scenario(*CREATE_START)
def create_start(suite, o):
    n = iter(CREATE_START)
    b = program(suite, "lifecycle", "echo ran > /out/ran; exec sleep 1000")
    b.config["annotations"] = {"org.example.conformance": "yes", "com.example.empty": ""}
    b.save()
    pidfile = b.path / "init.pid"
    r = suite.runtime.run("create", "--bundle", b.path, "--pid-file", pidfile, b.cid)
    if r.returncode != 0:
        raise RuntimeError(f"create: {why(r)}")
    time.sleep(0.5)
    o.check(next(n), not (b.out / "ran").exists(), "the program ran at create")
    state = suite.state(b.cid) or {}
    pid = state.get("pid")
    o.check(next(n), state.get("status") == "created" and pid and pid_alive(pid), f"state {state}")
    text = pidfile.read_text() if pidfile.exists() else ""
    o.check(next(n), re.fullmatch(r"\d+", text) is not None and int(text) == pid, f"pid file {text!r}, state pid {pid}")
    schema_case(o, next(n), state)
    want = {"ociVersion": True, "id": b.cid, "bundle": str(b.path), "annotations": b.config["annotations"]}
    bad = [k for k, v in want.items() if (k not in state) if v is True] + \
          [f"{k}={state.get(k)!r}" for k, v in want.items() if v is not True and state.get(k) != v]
    o.check(next(n), not bad, f"wrong: {bad}")

    r = suite.runtime.run("start", b.cid)
    ran = r.returncode == 0 and wait_for(lambda: (b.out / "ran").exists(), timeout=5)
    o.check(next(n), ran, why(r) if r.returncode else "the program did not run")
    state = suite.state(b.cid) or {}
    o.check(next(n), state.get("status") == "running" and state.get("pid") == pid, f"state {state}")
    schema_case(o, next(n), state)
    r = suite.runtime.run("start", b.cid)
    state = suite.state(b.cid) or {}
    o.check(next(n), r.returncode != 0 and state.get("status") == "running" and state.get("pid") == pid,
            f"exit {r.returncode}, state {state}")
    r = suite.runtime.run("delete", b.cid)
    state = suite.state(b.cid) or {}
    o.check(next(n), r.returncode != 0 and state.get("status") == "running" and pid_alive(pid),
            f"exit {r.returncode}, state {state or 'gone'}")
    r = suite.runtime.run("kill", b.cid, "KILL")
    stopped = r.returncode == 0 and suite.wait_status(b.cid, "stopped")
    o.check(next(n), stopped, why(r) if r.returncode else f"status {suite.status(b.cid)}")
    suite.reap()
    state = suite.state(b.cid) or {}
    o.check(next(n), state.get("status") == "stopped", f"state {state}")
    schema_case(o, next(n), state)
    r = suite.runtime.run("start", b.cid)
    o.check(next(n), r.returncode != 0 and suite.status(b.cid) == "stopped", f"exit {r.returncode}, status {suite.status(b.cid)}")
    r = suite.runtime.run("kill", b.cid, "KILL")
    o.check(next(n), r.returncode != 0 and suite.status(b.cid) == "stopped", f"exit {r.returncode}, status {suite.status(b.cid)}")
    r = suite.runtime.run("delete", b.cid)
    left = gone(suite, b.cid)
    o.check(next(n), r.returncode == 0 and not left and not pid_alive(pid), why(r) if r.returncode else left or f"pid {pid} alive")
    r = suite.runtime.run("create", "--bundle", b.path, b.cid)
    o.check(next(n), r.returncode == 0, why(r))
    suite.destroy(b.cid)


def schema_case(o, name, state):
    if not state:
        return o.check(name, False, "no state")
    try:
        validate_schema(state, "state-schema.json")
    except Exception as e:  # jsonschema.ValidationError or a schema problem
        return o.check(name, False, str(e).splitlines()[0])
    return o.check(name, True)


@scenario("runtime.md#delete: delete of a created container without --force is an error and changes nothing")
def delete_created(suite, o):
    b = program(suite, "delete-created")
    r = suite.runtime.run("create", "--bundle", b.path, b.cid)
    if r.returncode != 0:
        raise RuntimeError(f"create: {why(r)}")
    before = suite.state(b.cid)
    r = suite.runtime.run("delete", b.cid)
    after = suite.state(b.cid)
    o.check(o.names[0], r.returncode != 0 and after is not None and after.get("status") == "created"
            and after.get("pid") == before["pid"] and pid_alive(before["pid"]),
            f"exit {r.returncode}, state after: {after and after.get('status') or 'gone'}")
    suite.destroy(b.cid)


KILL_FORMS = [("USR1", "signal name"), ("SIGUSR1", "SIG-prefixed name"), ("10", "signal number")]


@scenario(*[f"runtime.md#kill: kill sends the signal given as a {what} ({form})" for form, what in KILL_FORMS],
          "runtime.md#kill: kill of a created container sends the signal")
def kill_forms(suite, o):
    script = "trap 'echo usr1 >> /out/signals' USR1; echo ready > /out/ready; while :; do sleep 0.1; done"
    b = program(suite, "kill", script)
    r = suite.runtime.run("create", "--bundle", b.path, b.cid)
    if r.returncode != 0:
        raise RuntimeError(f"create: {why(r)}")
    suite.runtime.run("start", b.cid)
    wait_for(lambda: (b.out / "ready").exists(), timeout=5)
    signals = b.out / "signals"
    for i, (form, what) in enumerate(KILL_FORMS):
        r = suite.runtime.run("kill", b.cid, form)
        got = wait_for(lambda: signals.exists() and len(signals.read_text().split()) > i, timeout=5)
        o.check(o.names[i], r.returncode == 0 and got, why(r) if r.returncode else "the process did not get SIGUSR1")
    suite.destroy(b.cid)

    b = program(suite, "kill-created")
    suite.runtime.run("create", "--bundle", b.path, b.cid)
    r = suite.runtime.run("kill", b.cid, "KILL")
    o.check(o.names[3], r.returncode == 0 and suite.wait_status(b.cid, "stopped"),
            why(r) if r.returncode else f"status {suite.status(b.cid)}")
    suite.destroy(b.cid)


@scenario("runtime.md#start: create without process succeeds",
          "runtime.md#start: start without process is an error")
def no_process(suite, o):
    b = suite.bundle("no-process")
    del b.config["process"]
    b.save()
    r = suite.runtime.run("create", "--bundle", b.path, b.cid)
    o.check(o.names[0], r.returncode == 0, why(r))
    if r.returncode == 0:
        r = suite.runtime.run("start", b.cid)
        o.check(o.names[1], r.returncode != 0, "start succeeded")
    else:
        o.check(o.names[1], False, "create failed")
    suite.destroy(b.cid)


@scenario("runtime.md#create: editing config.json after create does not change process.args",
          "runtime.md#create: editing config.json after create does not change the hooks")
def edit_after_create(suite, o):
    b = program(suite, "edit", "echo original > /out/args")
    log = b.path / "poststop.log"
    b.config["hooks"] = {"poststop": [{"path": "/bin/sh", "args": ["sh", "-c", f"echo original >> {log}"]}]}
    b.save()
    r = suite.runtime.run("create", "--bundle", b.path, b.cid)
    if r.returncode != 0:
        raise RuntimeError(f"create: {why(r)}")
    b.config["process"]["args"] = ["sh", "-c", "echo edited > /out/args"]
    b.config["hooks"] = {"poststop": [{"path": "/bin/sh", "args": ["sh", "-c", f"echo edited >> {log}"]}]}
    b.save()
    suite.runtime.run("start", b.cid)
    suite.wait_status(b.cid, "stopped")
    args = b.out / "args"
    o.check(o.names[0], args.exists() and args.read_text().strip() == "original",
            f"the program wrote {args.read_text().strip() if args.exists() else 'nothing'}")
    suite.runtime.run("delete", b.cid)
    o.check(o.names[1], log.exists() and log.read_text().split() == ["original"],
            f"poststop hooks ran: {log.read_text().split() if log.exists() else 'none'}")
    suite.destroy(b.cid)


@scenario("runtime.md#create: an invalid id is an error")
def invalid_id(suite, o):
    b = suite.bundle("invalid-id")
    bad = f"../cf-escape-{uuid.uuid4().hex[:6]}"
    r = suite.runtime.run("create", "--bundle", b.path, bad)
    escaped = (suite.root / bad).resolve()
    leaked = escaped.exists()
    o.check(o.names[0], r.returncode != 0 and not leaked, "create succeeded" if r.returncode == 0 else f"created {escaped}")
    if r.returncode == 0:
        suite.runtime.run("delete", "--force", bad)


# ----- hooks ------------------------------------------------------------------

RECORDER = """#!/bin/sh
# $1: phase, $2: log. One line: phase, state (stdin), namespaces of this
# hook, the mount namespace of the state's pid as seen here, environ.
state=$(cat)
pid=$(echo "$state" | sed -n 's/.*"pid": *\\([0-9]*\\).*/\\1/p')
ns=""
for n in pid net ipc uts mnt cgroup; do ns="$ns $(stat -L -c %i /proc/self/ns/$n)"; done
pidmnt=$(stat -L -c %i /proc/$pid/ns/mnt 2>/dev/null || echo none)
env=$(tr '\\0' '|' < /proc/$$/environ)
argv=$(tr '\\0' '|' < /proc/$$/cmdline)
printf '%s\\t%s\\t%s\\t%s\\t%s\\t%s\\n' "$1" "$state" "$ns" "$pidmnt" "$env" "$argv" >> "$2"
"""

PHASES = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"]
STATUS = {"prestart": "creating", "createRuntime": "creating", "createContainer": "creating",
          "startContainer": "created", "poststart": "running", "poststop": "stopped"}
RUNTIME_NS = ["prestart", "createRuntime", "poststart", "poststop"]
CONTAINER_NS = ["createContainer", "startContainer"]

HOOK_CASES = (
    ["config.md#hooks: hooks are called in the listed order (prestart x2, createRuntime, createContainer, "
     "startContainer, poststart, poststop)"]
    + [f"config.md#hooks: {p} gets the state on stdin with status {STATUS[p]}" for p in PHASES]
    + ["config.md#hooks: the state on stdin has the id, the bundle and the annotations",
       "runtime.md#state: hooks in the runtime namespace get the pid as the runtime sees it",
       "runtime.md#state: hooks in the container namespace get the pid as the container sees it"]
    + [f"config.md#hooks: {p} runs in the runtime namespace" for p in RUNTIME_NS]
    + [f"config.md#hooks: {p} runs in the container namespace" for p in CONTAINER_NS]
    + ["config.md#hooks: a hook in the runtime namespace gets exactly its args and env",
       "config.md#hooks: createRuntime runs after the container namespaces are created",
       "config.md#hooks: poststart runs before start returns",
       "config.md#hooks: poststop runs before delete returns",
       "config.md#hooks: startContainer's path resolves in the container"]
)


def write_script(path: Path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)
    return str(path)


def read_records(log: Path):
    out = []
    if not log.exists():
        return out
    for line in log.read_text().splitlines():
        f = line.split("\t")
        if len(f) < 6:
            continue
        try:
            state = json.loads(f[1])
        except ValueError:
            state = {}
        out.append({"phase": f[0], "state": state, "ns": [int(x) for x in f[2].split()],
                    "pidmnt": f[3], "env": [e for e in f[4].split("|") if e], "argv": [a for a in f[5].split("|") if a]})
    return out


@scenario(*HOOK_CASES)
def hooks(suite, o):
    n = iter(HOOK_CASES)
    b = suite.bundle("hooks")
    host_log = b.path / "hooks.log"
    recorder = write_script(suite.base / "hooks" / "record.sh", RECORDER)
    inner_script = "/conformance-hooks/record.sh"
    write_script(b.path / "rootfs" / inner_script.lstrip("/"), RECORDER)
    inner_log = b.path / "rootfs" / "tmp" / "hooks.log"

    def hook(phase, log=host_log, path="/bin/sh"):
        args = [f"hook-{phase}", recorder, phase, str(log)] if path == "/bin/sh" else [path, phase, str(log)]
        return {"path": path, "args": args, "env": [f"HOOK_PHASE={phase}", "PATH=/bin:/usr/bin"]}

    b.config["hooks"] = {
        "prestart": [hook("prestart"), hook("prestart-2")],
        "createRuntime": [hook("createRuntime")],
        "createContainer": [hook("createContainer")],
        "startContainer": [hook("startContainer", "/tmp/hooks.log", inner_script)],
        "poststart": [hook("poststart")],
        "poststop": [hook("poststop")],
    }
    b.config["annotations"] = {"org.example.hooks": "yes"}
    b.config["process"]["args"] = ["sleep", "1000"]
    b.config["process"]["env"] = ["PATH=/bin", "HOME=/root"]
    b.save()
    r = suite.runtime.run("create", "--bundle", b.path, b.cid)
    if r.returncode != 0:
        raise RuntimeError(f"create: {why(r)}")
    pid = suite.state(b.cid)["pid"]
    cns = container_ns(pid)
    r = suite.runtime.run("start", b.cid)
    after_start = [x["phase"] for x in read_records(host_log)]
    suite.runtime.run("kill", b.cid, "KILL")
    suite.wait_status(b.cid, "stopped")
    suite.runtime.run("delete", b.cid)
    after_delete = [x["phase"] for x in read_records(host_log)]
    recs = read_records(host_log) + read_records(inner_log)
    by = {}
    for x in recs:
        by.setdefault(x["phase"], x)
    order_index = {p: i for i, p in enumerate(["prestart", "prestart-2", "createRuntime", "createContainer",
                                                "startContainer", "poststart", "poststop"])}
    # startContainer logs inside the container: merge by phase order.
    got_order = [x["phase"] for x in read_records(host_log)]
    inner = [x["phase"] for x in read_records(inner_log)]
    merged = [p for p in got_order if order_index.get(p, 99) < order_index["startContainer"]] + inner + \
             [p for p in got_order if order_index.get(p, 99) > order_index["startContainer"]]
    want_order = list(order_index)
    o.check(next(n), merged == want_order and got_order == [p for p in want_order if p != "startContainer"],
            f"got {got_order} (host) + {inner} (container)")
    for phase in PHASES:
        x = by.get(phase)
        o.check(next(n), x is not None and x["state"].get("status") == STATUS[phase],
                "did not run" if x is None else f"status {x['state'].get('status')!r}")
    bad = [p for p in PHASES if p in by and (by[p]["state"].get("id") != b.cid or by[p]["state"].get("bundle") != str(b.path)
                                            or by[p]["state"].get("annotations") != b.config["annotations"])]
    o.check(next(n), all(p in by for p in PHASES) and not bad, f"wrong in {bad}" if bad else f"ran: {sorted(by)}")
    wrong = [f"{p}: {by[p]['state'].get('pid') if p in by else 'did not run'}" for p in ("prestart", "createRuntime", "poststart")
             if by.get(p, {}).get("state", {}).get("pid") != pid]
    o.check(next(n), not wrong, f"want {pid}, got {wrong}")
    wrong = [f"{p}: {by[p]['state'].get('pid') if p in by else 'did not run'}" for p in CONTAINER_NS
             if by.get(p, {}).get("state", {}).get("pid") != 1]
    o.check(next(n), not wrong, f"want 1 (a new pid namespace), got {wrong}")
    host = runtime_ns()
    kinds = ["pid", "network", "ipc", "uts", "mount", "cgroup"]
    for phase in RUNTIME_NS:
        x = by.get(phase)
        diff = [k for k, v in zip(kinds, x["ns"]) if v != host[k]] if x else ["did not run"]
        o.check(next(n), not diff, f"differs in {diff}")
    for phase in CONTAINER_NS:
        x = by.get(phase)
        diff = [k for k, v in zip(kinds, x["ns"]) if v != cns[k]] if x else ["did not run"]
        o.check(next(n), not diff, f"not the container's: {diff}")
    x = by.get("createRuntime")
    # Hooks in the runtime namespaces (where /proc/$$ is the hook itself).
    bad = [p for p in by if p in RUNTIME_NS + ["prestart-2"] and (by[p]["argv"] != [f"hook-{p}", recorder, p, str(host_log)]
           or by[p]["env"] != [f"HOOK_PHASE={p}", "PATH=/bin:/usr/bin"])]
    o.check(next(n), not bad and by, f"wrong in {bad}: {[(by[p]['argv'], by[p]['env']) for p in bad][:2]}")
    o.check(next(n), x is not None and x["pidmnt"] not in ("none", str(host["mount"])),
            "did not run" if x is None else f"pid {pid} mount namespace {x['pidmnt']} (host {host['mount']})")
    o.check(next(n), "poststart" in after_start, f"after start: {after_start}")
    o.check(next(n), "poststop" in after_delete, f"after delete: {after_delete}")
    o.check(next(n), "startContainer" in by and not Path(inner_script).exists(),
            "did not run" if "startContainer" not in by else f"{inner_script} exists on the host")


def hook_failure_cases(phase):
    return [f"runtime.md#lifecycle: a failing {phase} hook makes {'start' if phase in ('startContainer', 'poststart') else 'create'} fail",
            f"runtime.md#lifecycle: a failing {phase} hook stops and destroys the container",
            f"runtime.md#lifecycle: a failing {phase} hook still runs the poststop hooks"]


FAILING = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart"]


@scenario(*[c for p in FAILING for c in hook_failure_cases(p)])
def hook_failures(suite, o):
    for phase in FAILING:
        names = hook_failure_cases(phase)
        b = program(suite, f"fail-{phase.lower()}")
        fail = "/conformance-hooks/fail.sh"
        write_script(b.path / "rootfs" / fail.lstrip("/"), "#!/bin/sh\nexit 3\n")
        host_fail = write_script(suite.base / "hooks" / "fail.sh", "#!/bin/sh\nexit 3\n")
        log = b.path / "poststop.log"
        b.config["hooks"] = {phase: [{"path": fail if phase == "startContainer" else host_fail}],
                             "poststop": [{"path": "/bin/sh", "args": ["sh", "-c", f"echo ran >> {log}"]}]}
        b.save()
        r = suite.runtime.run("create", "--bundle", b.path, b.cid)
        pid = None
        if phase in ("startContainer", "poststart"):
            if r.returncode != 0:
                o.check(names[0], False, f"create failed instead: {why(r)}")
            pid = (suite.state(b.cid) or {}).get("pid")
            r = suite.runtime.run("start", b.cid)
        o.check(names[0], r.returncode != 0, "it succeeded")
        time.sleep(0.2)
        suite.reap()
        left = gone(suite, b.cid)
        alive = pid is not None and pid_alive(pid)
        o.check(names[1], not left and not alive, left or f"pid {pid} alive")
        o.check(names[2], log.exists(), "no poststop hook ran")
        suite.destroy(b.cid)


@scenario("runtime.md#lifecycle: a failing poststop hook does not make delete fail",
          "runtime.md#lifecycle: the poststop hooks after a failing one still run")
def poststop_failure(suite, o):
    b = program(suite, "fail-poststop", "true")
    log = b.path / "poststop.log"
    b.config["hooks"] = {"poststop": [{"path": "/bin/false"},
                                      {"path": "/bin/sh", "args": ["sh", "-c", f"echo second >> {log}"]}]}
    b.save()
    r = suite.runtime.run("create", "--bundle", b.path, b.cid)
    if r.returncode != 0:
        raise RuntimeError(f"create: {why(r)}")
    suite.runtime.run("start", b.cid)
    suite.wait_status(b.cid, "stopped")
    r = suite.runtime.run("delete", b.cid)
    o.check(o.names[0], r.returncode == 0 and suite.state(b.cid) is None, why(r))
    o.check(o.names[1], log.exists(), "the second poststop hook did not run")
    suite.destroy(b.cid)


@scenario("config.md#hooks: a hook is aborted after its timeout (and create fails)")
def hook_timeout(suite, o):
    b = program(suite, "hook-timeout")
    b.config["hooks"] = {"createRuntime": [{"path": "/bin/sleep", "args": ["sleep", "30"], "timeout": 1}]}
    b.save()
    began = time.monotonic()
    r = suite.runtime.run("create", "--bundle", b.path, b.cid, timeout=60)
    took = time.monotonic() - began
    o.check(o.names[0], r.returncode != 0 and took < 10, f"exit {r.returncode} after {took:.1f}s")
    suite.destroy(b.cid)


# ----- configurations a runtime must refuse -------------------------------------

def refused(name, build):
    """A config the runtime must refuse at create, leaving nothing behind."""
    def run(suite, o):
        b = program(suite, "refuse")
        extra_cleanup = build(suite, b)
        b.save()
        r = suite.runtime.run("create", "--bundle", b.path, b.cid)
        if r.returncode == 0:
            start = suite.runtime.run("start", b.cid) if name.endswith("(create or start)") else None
            ok = start is not None and start.returncode != 0
            o.check(name, ok, "create succeeded" + ("" if start is None else " and start succeeded"))
        else:
            time.sleep(0.1)
            suite.reap()
            left = gone(suite, b.cid)
            o.check(name, not left, f"error, but left {left}")
        suite.destroy(b.cid)
        if callable(extra_cleanup):
            extra_cleanup()
    run.__name__ = "refuse: " + name
    SCENARIOS.append((run.__name__, [name], run))


def _dup_ns(s, b):
    b.config["linux"]["namespaces"] += [{"type": "ipc"}]


def _wrong_ns(s, b):
    b.config["linux"]["namespaces"] = [n for n in b.config["linux"]["namespaces"] if n["type"] != "network"] + \
        [{"type": "network", "path": "/proc/self/ns/ipc"}]


def _bad_rlimit(s, b):
    b.config["process"]["rlimits"] = [{"type": "RLIMIT_NO_SUCH_THING", "soft": 1, "hard": 1}]


def _dup_rlimit(s, b):
    b.config["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 100, "hard": 100},
                                      {"type": "RLIMIT_NOFILE", "soft": 200, "hard": 200}]


def _device_conflict(s, b):
    (b.path / "rootfs" / "etc" / "not-a-device").write_text("regular file\n")
    b.config["linux"]["devices"] = [{"path": "/etc/not-a-device", "type": "c", "major": 1, "minor": 3}]


def _idmap_alone(s, b):
    (b.path / "idmap-src").mkdir()
    (b.path / "rootfs" / "mnt").mkdir(exist_ok=True)
    b.config["mounts"].append({"destination": "/mnt", "type": "bind", "source": str(b.path / "idmap-src"),
                               "options": ["bind", "idmap"]})


def _errno_without_errno_action(s, b):
    b.config["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW",
                                    "syscalls": [{"names": ["getcwd"], "action": "SCMP_ACT_LOG", "errnoRet": 1}]}


def _intel_rdt(s, b):
    b.config["linux"]["intelRdt"] = {"closID": "conformance"}


def _unified_absent(s, b):
    b.config["linux"].setdefault("resources", {})["unified"] = {"hugetlb.2MB.max": "1048576"}


def _missing_root(s, b):
    b.config["root"]["path"] = "no-such-rootfs"


def _relative_cwd(s, b):
    b.config["process"]["cwd"] = "tmp"


def _empty_args(s, b):
    b.config["process"]["args"] = []


def _bad_propagation(s, b):
    b.config["linux"]["rootfsPropagation"] = "sideways"


def _bad_personality(s, b):
    b.config["linux"]["personality"] = {"domain": "LINUX_PDP11"}


def _bad_version(s, b):
    b.config["ociVersion"] = "one-dot-oh"


def _missing_netdev(s, b):
    b.config["linux"]["netDevices"] = {f"cfnone{uuid.uuid4().hex[:6]}": {}}


refused("config-linux.md#namespaces: a duplicated namespace type is an error", _dup_ns)
refused("config-linux.md#namespaces: a path to a namespace of another type is an error", _wrong_ns)
refused("config.md#posix-process: an rlimit type that maps to nothing is an error", _bad_rlimit)
refused("config.md#posix-process: a duplicated rlimit type is an error", _dup_rlimit)
refused("config-linux.md#devices: a file at a device's path that does not match is an error", _device_conflict)
refused("config.md#mounts: idmap without mappings or a user namespace is an error", _idmap_alone)
refused("config-linux.md#seccomp: errnoRet with an action that takes no errno is an error", _errno_without_errno_action)
refused("config-linux.md#intelrdt: intelRdt without a mounted resctrl is an error", _intel_rdt)
refused("config-linux.md#unified: a key of a controller that is not available is an error", _unified_absent)
refused("config.md#root: a root.path that does not exist is an error", _missing_root)
refused("config.md#process: a relative cwd is an error", _relative_cwd)
refused("config.md#process: empty args is an error (create or start)", _empty_args)
refused("config-linux.md#rootfs-mount-propagation: an unknown value is an error", _bad_propagation)
refused("config-linux.md#personality: an unknown domain is an error", _bad_personality)
refused("config.md#specification-version: an ociVersion that is not SemVer is an error", _bad_version)
refused("config-linux.md#network-devices: a device that cannot be moved is an error", _missing_netdev)
