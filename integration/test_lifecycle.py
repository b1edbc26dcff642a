"""The create -> start -> state -> kill -> delete lifecycle, driven the way
containerd's shim drives it, plus run, list and the state store."""
import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from swiftlet_harness import REPO, error_message, pid_alive, spec_dir_or_none, validate_schema, wait_for


def reap_children():
    """Container inits are our children (CLONE_PARENT); reap the dead ones."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def test_run_prints_output_and_returns_exit_status(runtime, bundle, cid):
    bundle.shell("echo hello from $(hostname); exit 3")
    result = runtime.run("run", "--bundle", bundle.path, cid)
    assert result.returncode == 3, result.stderr
    assert result.stdout == "hello from swiftlet\n"
    assert runtime.status(cid) is None, "run deletes the container after it exits"


def test_run_reports_a_signal_as_128_plus_n(runtime, bundle, cid):
    # pid 1 of a pid namespace ignores its own SIGKILL: use the host's.
    bundle.linux["namespaces"] = [ns for ns in bundle.linux["namespaces"] if ns["type"] != "pid"]
    bundle.shell("kill -9 $$")
    result = runtime.run("run", "-b", bundle.path, cid)
    assert result.returncode == 128 + 9, result.stderr


def test_run_uses_the_current_directory_as_bundle(runtime, bundle, cid):
    bundle.command("echo", "cwd bundle")
    result = runtime.run("run", cid, cwd=bundle.path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "cwd bundle\n"


def test_lifecycle_as_containerd_calls_it(runtime, bundle, cid):
    bundle.command("sleep", "1000")
    log = bundle.path / "log.json"
    pidfile = bundle.path / "init.pid"
    r = runtime.run("create", "--bundle", bundle.path, "--pid-file", pidfile, cid, log=log, log_format="json", cwd=bundle.path)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "" and r.stderr == "", "create prints nothing on success"
    assert log.exists(), "the --log file is created at start-up"

    text = pidfile.read_text()
    assert text.isdigit(), f"pid file is a bare decimal pid, no newline: {text!r}"
    pid = int(text)

    state = runtime.state(cid)
    assert state["status"] == "created"
    assert state["pid"] == pid
    assert state["id"] == cid
    assert state["bundle"] == str(bundle.path)
    assert state["rootfs"] == str(bundle.path / "rootfs")
    assert state["ociVersion"] == bundle.config["ociVersion"]
    assert state["created"].endswith("Z") and "T" in state["created"]
    assert "owner" in state
    # created: init is alive, blocked before exec of the user program.
    assert pid_alive(pid)
    assert Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0] != b"sleep"

    r = runtime.run("start", cid, log=log, log_format="json")
    assert r.returncode == 0 and r.stdout == "" and r.stderr == "", r
    assert runtime.status(cid) == "running"
    assert Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[:2] == [b"sleep", b"1000"]

    r = runtime.run("kill", cid, "9", log=log, log_format="json")
    assert r.returncode == 0 and r.stdout == "" and r.stderr == "", r
    assert wait_for(lambda: runtime.status(cid) == "stopped")
    assert runtime.state(cid)["pid"] == 0

    r = runtime.run("delete", cid, log=log, log_format="json")
    assert r.returncode == 0 and r.stdout == "" and r.stderr == "", r
    assert runtime.status(cid) is None
    # containerd's cleanup call after the delete.
    r = runtime.run("delete", "--force", cid, log=log, log_format="json")
    assert r.returncode == 0, r.stderr
    reap_children()


def test_state_matches_the_schema(runtime, bundle, cid):
    pytest.importorskip("jsonschema")
    if spec_dir_or_none() is None:
        pytest.skip("../shared/runtime-spec is not on this machine")
    bundle.command("sleep", "1000")
    bundle.config["annotations"] = {"org.example.key": "value"}
    bundle.save()
    runtime.run("create", "-b", bundle.path, cid, check=True)
    state = runtime.state(cid)
    validate_schema(state, "state-schema.json")
    assert state["annotations"] == {"org.example.key": "value"}
    runtime.run("start", cid, check=True)
    validate_schema(runtime.state(cid), "state-schema.json")
    runtime.run("delete", "-f", cid, check=True)
    reap_children()


def test_init_parent_is_the_callers_subreaper(runtime, bundle, cid):
    """containerd's shim and conmon are subreapers: after create exits,
    init must be their child, not hang off a runtime process."""
    bundle.command("sleep", "1000")
    pidfile = bundle.path / "init.pid"
    helper = subprocess.Popen([sys.executable, str(REPO / "integration" / "tools" / "subreaper.py"), str(pidfile), "--",
                               *runtime.argv("create", "-b", bundle.path, "--pid-file", pidfile, cid)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = helper.stdout.readline()
    result = json.loads(line)
    try:
        assert result["exit"] == 0
        assert result["ppid"] == result["me"], f"init's parent is {result['ppid']}, not the subreaper {result['me']}"
        assert runtime.status(cid) == "created"
    finally:
        runtime.run("delete", "--force", cid)
        helper.stdin.close()
        helper.wait(timeout=10)


def test_init_parent_is_the_caller(runtime, bundle, cid):
    bundle.command("sleep", "1000")
    runtime.run("create", "-b", bundle.path, cid, check=True)
    pid = runtime.state(cid)["pid"]
    ppid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    assert ppid == os.getpid()
    runtime.run("delete", "-f", cid, check=True)
    reap_children()


def test_start_releases_the_gate_and_returns_at_once(runtime, bundle, cid):
    bundle.command("sleep", "1000")
    runtime.run("create", "-b", bundle.path, cid, check=True)
    began = time.monotonic()
    runtime.run("start", cid, check=True)
    assert time.monotonic() - began < 2
    runtime.run("delete", "-f", cid, check=True)
    reap_children()


def test_start_twice_and_start_of_stopped_fail(runtime, bundle, cid):
    bundle.command("sleep", "1000")
    runtime.run("create", "-b", bundle.path, cid, check=True)
    runtime.run("start", cid, check=True)
    again = runtime.run("start", cid)
    assert again.returncode == 1
    assert "running" in again.stderr
    runtime.run("kill", cid, "KILL", check=True)
    wait_for(lambda: runtime.status(cid) == "stopped")
    stopped = runtime.run("start", cid)
    assert stopped.returncode == 1 and "stopped" in stopped.stderr
    runtime.run("delete", cid, check=True)
    reap_children()


def test_kill_of_a_stopped_container_says_not_running(runtime, bundle, cid):
    runtime.run("create", "-b", bundle.path, cid, check=True)
    runtime.run("start", cid, check=True)  # runs `true`
    assert wait_for(lambda: runtime.status(cid) == "stopped")
    r = runtime.run("kill", cid, "TERM")
    assert r.returncode == 1
    assert "container not running" in r.stderr
    runtime.run("delete", cid, check=True)
    reap_children()


@pytest.mark.parametrize("form", ["KILL", "SIGKILL", "9", "kill"])
def test_kill_accepts_every_signal_form(runtime, bundle, cid, form):
    bundle.command("sleep", "1000")
    runtime.run("create", "-b", bundle.path, cid, check=True)
    runtime.run("start", cid, check=True)
    runtime.run("kill", cid, form, check=True)
    assert wait_for(lambda: runtime.status(cid) == "stopped")
    runtime.run("delete", cid, check=True)
    reap_children()


def test_kill_defaults_to_term(runtime, bundle, cid):
    bundle.shell("trap 'echo got-term > /tmp/term; exit 0' TERM; while true; do sleep 0.05; done")
    runtime.run("create", "-b", bundle.path, cid, check=True)
    runtime.run("start", cid, check=True)
    runtime.run("kill", cid, check=True)
    assert wait_for(lambda: runtime.status(cid) == "stopped")
    assert (bundle.path / "rootfs" / "tmp" / "term").read_text() == "got-term\n"
    runtime.run("delete", cid, check=True)
    reap_children()


def test_kill_rejects_an_unknown_signal(runtime, bundle, cid):
    bundle.command("sleep", "1000")
    runtime.run("create", "-b", bundle.path, cid, check=True)
    r = runtime.run("kill", cid, "SIGNOPE")
    assert r.returncode == 1 and "SIGNOPE" in r.stderr
    assert runtime.status(cid) == "created"
    runtime.run("delete", "-f", cid, check=True)
    reap_children()


def test_delete_refuses_a_live_container_without_force(runtime, bundle, cid):
    bundle.command("sleep", "1000")
    runtime.run("create", "-b", bundle.path, cid, check=True)
    r = runtime.run("delete", cid)
    assert r.returncode == 1 and "not stopped" in r.stderr and "created" in r.stderr
    assert runtime.status(cid) == "created", "a refused delete has no effect"
    runtime.run("start", cid, check=True)
    r = runtime.run("delete", cid)
    assert r.returncode == 1 and "running" in r.stderr
    assert runtime.status(cid) == "running"
    runtime.run("delete", "--force", cid, check=True)
    assert runtime.status(cid) is None
    reap_children()


def test_delete_of_a_missing_container(runtime, cid):
    r = runtime.run("delete", cid)
    assert r.returncode == 1
    assert error_message(r.stderr) == f'container "{cid}" does not exist'
    assert runtime.run("delete", "-f", cid).returncode == 0


def test_second_create_of_an_id_fails_and_keeps_the_first(runtime, bundle, cid):
    bundle.command("sleep", "1000")
    runtime.run("create", "-b", bundle.path, cid, check=True)
    pid = runtime.state(cid)["pid"]
    r = runtime.run("create", "-b", bundle.path, cid)
    assert r.returncode == 1 and "exists" in r.stderr
    assert runtime.state(cid)["pid"] == pid and pid_alive(pid)
    runtime.run("delete", "-f", cid, check=True)
    reap_children()


def test_status_is_stopped_when_init_dies(runtime, bundle, cid):
    bundle.command("sleep", "1000")
    runtime.run("create", "-b", bundle.path, cid, check=True)
    runtime.run("start", cid, check=True)
    pid = runtime.state(cid)["pid"]
    os.kill(pid, signal.SIGKILL)
    assert wait_for(lambda: runtime.status(cid) == "stopped")
    runtime.run("delete", cid, check=True)
    reap_children()


def test_status_checks_the_start_time_against_pid_reuse(runtime, root_dir, bundle, cid):
    bundle.command("sleep", "1000")
    runtime.run("create", "-b", bundle.path, cid, check=True)
    state_file = root_dir / cid / "state.json"
    record = json.loads(state_file.read_text())
    record["pidStartTime"] += 1  # same pid, different process
    state_file.write_text(json.dumps(record))
    assert runtime.status(cid) == "stopped"
    r = runtime.run("kill", cid, "KILL")
    assert r.returncode == 1, "a reused pid is never signalled"
    assert pid_alive(record["pid"])
    record["pidStartTime"] -= 1
    state_file.write_text(json.dumps(record))
    runtime.run("delete", "-f", cid, check=True)
    reap_children()


def test_state_store_tolerates_unknown_and_missing_fields(runtime, root_dir, bundle, cid):
    bundle.command("sleep", "1000")
    runtime.run("create", "-b", bundle.path, cid, check=True)
    state_file = root_dir / cid / "state.json"
    record = json.loads(state_file.read_text())
    record["fieldFromTheFuture"] = {"x": [1, 2]}
    record.pop("owner", None)
    record.pop("annotations", None)
    record.pop("formatVersion", None)
    state_file.write_text(json.dumps(record))
    assert runtime.status(cid) == "created"
    runtime.run("delete", "-f", cid, check=True)
    reap_children()


def test_state_file_is_written_atomically(root_dir, runtime, bundle, cid):
    bundle.command("sleep", "1000")
    runtime.run("create", "-b", bundle.path, cid, check=True)
    names = sorted(os.listdir(root_dir / cid))
    assert "state.json" in names
    assert not [n for n in names if ".tmp" in n], names
    runtime.run("delete", "-f", cid, check=True)
    reap_children()


def test_concurrent_starts_start_once(runtime, bundle, cid):
    bundle.shell("echo started >> /tmp/count; sleep 1000")
    runtime.run("create", "-b", bundle.path, cid, check=True)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: runtime.run("start", cid), range(8)))
    assert sorted(r.returncode for r in results) == [0] + [1] * 7
    assert runtime.status(cid) == "running"
    assert (bundle.path / "rootfs" / "tmp" / "count").read_text() == "started\n"
    runtime.run("delete", "-f", cid, check=True)
    reap_children()


def test_list_formats(runtime, make_bundle):
    a, b = make_bundle("la"), make_bundle("lb")
    a.command("sleep", "1000")
    b.command("sleep", "1000")
    runtime.run("create", "-b", a.path, a.cid, check=True)
    runtime.run("create", "-b", b.path, b.cid, check=True)
    runtime.run("start", b.cid, check=True)
    quiet = runtime.run("list", "-q", check=True).stdout.split()
    assert quiet == sorted([a.cid, b.cid])
    table = runtime.run("list", check=True).stdout.splitlines()
    assert table[0].split() == ["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"]
    rows = {line.split()[0]: line.split() for line in table[1:]}
    assert rows[a.cid][2] == "created" and rows[b.cid][2] == "running"
    listed = json.loads(runtime.run("list", "--format", "json", check=True).stdout)
    assert {c["id"]: c["status"] for c in listed} == {a.cid: "created", b.cid: "running"}
    bad = runtime.run("list", "--format", "yaml")
    assert bad.returncode == 1 and "yaml" in bad.stderr
    for c in (a, b):
        runtime.run("delete", "-f", c.cid, check=True)
    reap_children()


def test_list_of_an_empty_root(runtime):
    r = runtime.run("list", check=True)
    assert r.stdout.split() == ["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"]


def test_run_detach_leaves_it_running(runtime, bundle, cid):
    bundle.command("sleep", "1000")
    pidfile = bundle.path / "pid"
    r = runtime.run("run", "-d", "--pid-file", pidfile, "-b", bundle.path, cid)
    assert r.returncode == 0, r.stderr
    assert runtime.status(cid) == "running"
    assert runtime.state(cid)["pid"] == int(pidfile.read_text())
    runtime.run("delete", "-f", cid, check=True)
    reap_children()


def test_run_keep_leaves_a_stopped_container(runtime, bundle, cid):
    bundle.command("true")
    r = runtime.run("run", "--keep", "-b", bundle.path, cid)
    assert r.returncode == 0, r.stderr
    assert runtime.status(cid) == "stopped"
    runtime.run("delete", cid, check=True)


def test_run_forwards_signals_to_the_container(runtime, bundle, cid):
    bundle.shell("trap 'echo term; exit 7' TERM; echo ready; while true; do sleep 0.05; done")
    proc = subprocess.Popen(runtime.argv("run", "-b", bundle.path, cid), stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline() == "ready\n"
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=10)
    assert out == "term\n"
    assert proc.returncode == 7
    assert runtime.status(cid) is None


def test_start_without_process_is_refused(runtime, bundle, cid):
    del bundle.config["process"]
    bundle.save()
    r = runtime.run("create", "-b", bundle.path, cid)
    assert r.returncode == 0, r.stderr
    assert runtime.status(cid) == "created"
    r = runtime.run("start", cid)
    assert r.returncode == 1 and "process" in r.stderr
    runtime.run("delete", "-f", cid, check=True)
    reap_children()
