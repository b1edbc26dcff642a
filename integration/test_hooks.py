"""The six hooks: when they run, in which namespaces, with which state on
stdin, and what their failure does (runtime.md lifecycle, config.md hooks)."""
import json
import os
import stat
import time

import pytest

from swiftlet_harness import error_message, wait_for

RECORDER = """#!/bin/sh
# $1 phase, $2 log file. Records the phase, the state on stdin and the
# namespaces this hook runs in, tab separated, one line.
state=$(/bin/cat)
printf '%s\\t%s\\t%s\\t%s\\t%s\\n' "$1" "$state" "$(/bin/readlink /proc/self/ns/net)" "$(/bin/readlink /proc/self/ns/mnt)" "$HOOK_ENV" >> "$2"
"""


def write_script(path, text):
    path.write_text(text)
    path.chmod(0o755)
    return str(path)


@pytest.fixture
def recorder(tmp_path):
    return write_script(tmp_path / "record.sh", RECORDER)


def records(log):
    out = []
    for line in log.read_text().splitlines():
        phase, state, net, mnt, env = line.split("\t")
        out.append({"phase": phase, "state": json.loads(state), "net": net, "mnt": mnt, "env": env})
    return out


def host_ns(name):
    return os.readlink(f"/proc/self/ns/{name}")


def reap(pid):
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def test_order_state_and_namespaces_of_every_hook(runtime, bundle, cid, tmp_path, recorder):
    host_log = tmp_path / "hooks.log"
    # startContainer runs inside the container: its script and log live there.
    inner = write_script(bundle.path / "rootfs" / "record.sh", RECORDER)
    inner_log = bundle.path / "rootfs" / "tmp" / "hooks.log"

    def hook(phase, log, path=recorder):
        return {"path": path, "args": ["record.sh", phase, str(log)], "env": [f"HOOK_ENV={phase}-env"]}

    bundle.config["hooks"] = {
        "prestart": [hook("prestart", host_log)],
        "createRuntime": [hook("createRuntime", host_log)],
        "createContainer": [hook("createContainer", host_log)],
        "startContainer": [hook("startContainer", "/tmp/hooks.log", "/record.sh")],
        "poststart": [hook("poststart", host_log)],
        "poststop": [hook("poststop", host_log)],
    }
    bundle.config["annotations"] = {"org.example": "hooked"}
    bundle.command("sleep", "1000")
    runtime.run("create", "-b", bundle.path, cid, check=True)
    pid = runtime.state(cid)["pid"]
    container_net = os.readlink(f"/proc/{pid}/ns/net")
    container_mnt = os.readlink(f"/proc/{pid}/ns/mnt")
    assert [r["phase"] for r in records(host_log)] == ["prestart", "createRuntime", "createContainer"]
    runtime.run("start", cid, check=True)
    assert [r["phase"] for r in records(host_log)][-1] == "poststart", "poststart runs as part of start"
    runtime.run("kill", cid, "KILL", check=True)
    wait_for(lambda: runtime.status(cid) == "stopped")
    runtime.run("delete", cid, check=True)
    reap(pid)

    got = records(host_log) + records(inner_log)
    by_phase = {r["phase"]: r for r in got}
    assert [r["phase"] for r in records(host_log)] == ["prestart", "createRuntime", "createContainer", "poststart", "poststop"]
    expected_status = {"prestart": "creating", "createRuntime": "creating", "createContainer": "creating",
                       "startContainer": "created", "poststart": "running", "poststop": "stopped"}
    for phase, status in expected_status.items():
        state = by_phase[phase]["state"]
        assert state["status"] == status, (phase, state)
        assert state["id"] == cid and state["bundle"] == str(bundle.path)
        assert state["annotations"] == {"org.example": "hooked"}
        assert by_phase[phase]["env"] == f"{phase}-env", "each hook gets exactly its env"
        if phase in ("createContainer", "startContainer"):
            assert state["pid"] == 1, "hooks in the container namespace see the container's pid"
        elif phase != "poststop":
            assert state["pid"] == pid, (phase, state)
    for phase in ("prestart", "createRuntime", "poststart", "poststop"):
        assert by_phase[phase]["net"] == host_ns("net") and by_phase[phase]["mnt"] == host_ns("mnt"), \
            f"{phase} runs in the runtime's namespaces"
    for phase in ("createContainer", "startContainer"):
        assert by_phase[phase]["net"] == container_net and by_phase[phase]["mnt"] == container_mnt, \
            f"{phase} runs in the container's namespaces"


def test_hook_args_are_argv(runtime, bundle, cid, tmp_path):
    log = tmp_path / "args.log"
    bundle.config["hooks"] = {"prestart": [{"path": "/bin/sh", "args": ["named-sh", "-c", 'echo "$0 $1" > "$2"', "first", "x", str(log)]}]}
    bundle.save()
    r = runtime.run("run", "-b", bundle.path, cid)
    assert r.returncode == 0, r.stderr
    assert log.read_text() == "first x\n"


def test_a_hook_that_ignores_stdin_does_not_kill_the_runtime(runtime, bundle, cid):
    bundle.config["annotations"] = {f"key{i}": "v" * 1000 for i in range(300)}  # ~300 KB of state
    bundle.config["hooks"] = {"prestart": [{"path": "/bin/true"}], "poststop": [{"path": "/bin/true"}]}
    bundle.save()
    r = runtime.run("run", "-b", bundle.path, cid)
    assert r.returncode == 0, r.stderr


def test_hook_timeout(runtime, bundle, cid):
    bundle.config["hooks"] = {"createRuntime": [{"path": "/bin/sleep", "args": ["sleep", "30"], "timeout": 1}]}
    bundle.save()
    began = time.monotonic()
    r = runtime.run("create", "-b", bundle.path, cid)
    assert time.monotonic() - began < 10
    assert r.returncode == 1
    assert "createRuntime hook /bin/sleep timed out after 1s" == error_message(r.stderr)
    assert runtime.status(cid) is None


@pytest.mark.parametrize("phase", ["prestart", "createRuntime", "createContainer"])
def test_a_failing_create_hook_fails_create_and_leaves_nothing(runtime, bundle, cid, tmp_path, phase, recorder):
    script = write_script(tmp_path / "fail.sh", "#!/bin/sh\necho why it failed >&2\nexit 3\n")
    log = tmp_path / "poststop.log"
    bundle.config["hooks"] = {phase: [{"path": script}], "poststop": [{"path": recorder, "args": ["r", "poststop", str(log)]}]}
    bundle.save()
    r = runtime.run("create", "-b", bundle.path, cid)
    assert r.returncode == 1
    assert error_message(r.stderr) == f"{phase} hook {script} failed: exit status 3: why it failed"
    assert runtime.status(cid) is None
    # runtime.md: the lifecycle continues at destroy and the poststop hooks.
    assert [(x["phase"], x["state"]["status"]) for x in records(log)] == [("poststop", "stopped")]


def test_a_failing_start_container_hook_fails_start_and_destroys(runtime, bundle, cid, tmp_path, recorder):
    write_script(bundle.path / "rootfs" / "fail.sh", "#!/bin/sh\nexit 4\n")
    log = tmp_path / "poststop.log"
    bundle.config["hooks"] = {"startContainer": [{"path": "/fail.sh"}],
                              "poststop": [{"path": recorder, "args": ["r", "poststop", str(log)]}]}
    bundle.command("sleep", "1000")
    runtime.run("create", "-b", bundle.path, cid, check=True)
    pid = runtime.state(cid)["pid"]
    r = runtime.run("start", cid)
    assert r.returncode == 1
    assert "startContainer hook /fail.sh failed: exit status 4" in error_message(r.stderr)
    assert runtime.status(cid) is None, "the container is destroyed"
    assert [x["phase"] for x in records(log)] == ["poststop"]
    reap(pid)


def test_a_failing_poststart_hook_fails_start_and_destroys(runtime, bundle, cid, tmp_path, recorder):
    log = tmp_path / "poststop.log"
    bundle.config["hooks"] = {"poststart": [{"path": "/bin/false"}],
                              "poststop": [{"path": recorder, "args": ["r", "poststop", str(log)]}]}
    bundle.command("sleep", "1000")
    runtime.run("create", "-b", bundle.path, cid, check=True)
    pid = runtime.state(cid)["pid"]
    r = runtime.run("start", cid)
    assert r.returncode == 1 and "poststart hook /bin/false failed" in error_message(r.stderr)
    assert runtime.status(cid) is None
    assert not os.path.exists(f"/proc/{pid}") or not open(f"/proc/{pid}/stat").read().split(")")[1].split()[0] in "RS"
    assert [x["phase"] for x in records(log)] == ["poststop"]
    reap(pid)


def test_a_failing_poststop_hook_is_a_warning_and_the_rest_run(runtime, bundle, cid, tmp_path, recorder):
    log = tmp_path / "poststop.log"
    bundle.config["hooks"] = {"poststop": [{"path": "/bin/false"}, {"path": recorder, "args": ["r", "second", str(log)]}]}
    bundle.save()
    logfile = tmp_path / "runtime.log"
    runtime.run("create", "-b", bundle.path, cid, check=True)
    pid = runtime.state(cid)["pid"]
    runtime.run("start", cid, check=True)
    wait_for(lambda: runtime.status(cid) == "stopped")
    r = runtime.run("delete", cid, log=logfile, log_format="json")
    assert r.returncode == 0, r.stderr
    assert runtime.status(cid) is None
    assert [x["phase"] for x in records(log)] == ["second"]
    warnings = [json.loads(line) for line in logfile.read_text().splitlines()]
    assert any(w["level"] == "warning" and "poststop hook /bin/false failed" in w["msg"] for w in warnings)
    reap(pid)


def test_a_missing_hook_path(runtime, bundle, cid):
    bundle.config["hooks"] = {"prestart": [{"path": "/no/such/hook"}]}
    bundle.save()
    r = runtime.run("create", "-b", bundle.path, cid)
    assert r.returncode == 1 and "/no/such/hook" in error_message(r.stderr)
    assert runtime.status(cid) is None


def test_a_hook_path_that_is_a_directory(runtime, bundle, cid, tmp_path):
    bundle.config["hooks"] = {"prestart": [{"path": str(tmp_path)}]}
    bundle.save()
    r = runtime.run("create", "-b", bundle.path, cid)
    assert r.returncode == 1 and str(tmp_path) in error_message(r.stderr)
    assert runtime.status(cid) is None


def test_hooks_come_from_the_config_at_create(runtime, bundle, cid, tmp_path, recorder):
    """runtime.md: changes to config.json after create do not affect the container."""
    log = tmp_path / "poststop.log"
    bundle.config["hooks"] = {"poststop": [{"path": recorder, "args": ["r", "original", str(log)]}]}
    bundle.save()
    runtime.run("create", "-b", bundle.path, cid, check=True)
    pid = runtime.state(cid)["pid"]
    bundle.config["hooks"] = {"poststop": [{"path": recorder, "args": ["r", "edited", str(log)]}]}
    bundle.save()
    runtime.run("delete", "-f", cid, check=True)
    assert [x["phase"] for x in records(log)] == ["original"]
    reap(pid)
