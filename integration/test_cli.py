"""The command line: flags, help, version, logs and usage errors."""
import json
import os
import re
import subprocess

import pytest

from swiftlet_harness import error_message, reap_until_gone

VERBS = ["create", "start", "state", "kill", "delete", "run", "list", "spec", "pause", "resume", "ps", "events", "update", "exec", "features"]


def test_version(runtime):
    r = runtime.run("--version")
    assert r.returncode == 0
    lines = r.stdout.splitlines()
    assert re.fullmatch(r"swiftlet version \d+\.\d+\.\d+", lines[0])
    assert lines[1].startswith("commit: ") and len(lines[1]) > len("commit: ")
    assert lines[2] == "spec: 1.3.0"
    assert runtime.run("-v").stdout == r.stdout


@pytest.mark.parametrize("verb", VERBS)
def test_every_verb_has_help(runtime, verb):
    for args in ([verb, "--help"], [verb, "-h"], ["help", verb]):
        r = runtime.run(*args)
        assert r.returncode == 0, r.stderr
        # The verb's own help, not the top-level one.
        assert re.search(rf"^USAGE: swiftlet {verb}\b", r.stdout, re.M), (args, r.stdout)
        assert "VERBS:" not in r.stdout, args


def test_top_level_help_lists_the_verbs(runtime):
    r = runtime.run("--help")
    assert r.returncode == 0
    for verb in VERBS:
        assert verb in r.stdout


@pytest.mark.parametrize("args, needle", [
    (["--bogus", "list"], "--bogus"),
    (["list", "--bogus"], "--bogus"),
    (["frobnicate"], "frobnicate"),
    (["kill"], "<id>"),
    (["create"], "<id>"),
    (["start"], "<id>"),
])
def test_usage_errors_are_one_line_with_status_1(runtime, args, needle):
    r = runtime.run(*args)
    assert r.returncode == 1
    assert r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert needle in r.stderr


@pytest.mark.parametrize("verb", ["start", "state", "kill", "delete"])
def test_unknown_id(runtime, verb):
    r = runtime.run(verb, "no-such-container")
    assert r.returncode == 1
    assert error_message(r.stderr) == 'container "no-such-container" does not exist'


@pytest.mark.parametrize("bad", ["../x", "a/b", ".", "..", "a b", "x" * 256])
def test_invalid_ids_are_refused(runtime, bundle, bad):
    r = runtime.run("create", "-b", bundle.path, bad)
    assert r.returncode == 1
    assert "invalid container id" in error_message(r.stderr)
    assert not runtime.root.exists() or list(runtime.root.iterdir()) == []


def test_log_file_is_created_at_start_up(runtime, tmp_path):
    log = tmp_path / "log.json"
    r = runtime.run("list", log=log, log_format="json")
    assert r.returncode == 0
    assert log.exists() and log.read_text() == ""


def test_json_log_of_a_failure(runtime, tmp_path):
    log = tmp_path / "log.json"
    r = runtime.run("state", "nope", log=log, log_format="json")
    assert r.returncode == 1
    assert r.stderr == 'container "nope" does not exist\n', "with --log, stderr has the plain message"
    lines = log.read_text().splitlines()
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert set(entry) == {"level", "msg", "time"}
    assert entry["level"] == "error" and entry["msg"] == 'container "nope" does not exist'
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", entry["time"])


def test_json_log_on_stderr_without_a_log_file(runtime):
    r = runtime.run("state", "nope", log_format="json")
    entry = json.loads(r.stderr)
    assert entry["msg"] == 'container "nope" does not exist'


def test_text_log_line(runtime, tmp_path):
    log = tmp_path / "log.txt"
    runtime.run("state", "nope", log=log)
    line = log.read_text().strip()
    assert re.fullmatch(r'time="[^"]+" level=error msg="container \\"nope\\" does not exist"', line), line


def test_debug_logs_each_verb_and_nothing_without_it(runtime, bundle, cid, tmp_path):
    log = tmp_path / "debug.json"
    bundle.command("sleep", "100")
    for verb in (["create", "-b", bundle.path, cid], ["start", cid], ["state", cid], ["kill", cid, "KILL"]):
        r = runtime.run("--debug", *verb, log=log, log_format="json")
        assert r.returncode == 0, r.stderr
    pid = runtime.state(cid)["pid"]
    runtime.run("delete", "-f", cid, check=True)
    reap_until_gone(pid)
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert entries and all(e["level"] == "debug" for e in entries), entries
    messages = [e["msg"] for e in entries]
    for verb in ("create", "start", "state", "kill"):
        assert any(m.startswith(f"{verb}: swiftlet ") for m in messages), messages
        assert f"{verb}: exit status 0" in messages, messages
    assert any(m.startswith(f"created {cid}, init pid ") for m in messages), messages
    quiet = tmp_path / "quiet.json"
    runtime.run("list", log=quiet, log_format="json", check=True)
    assert quiet.read_text() == ""


def test_equals_forms_of_long_options(runtime, tmp_path):
    log = tmp_path / "log.json"
    r = subprocess.run([runtime.binary, f"--root={runtime.root}", f"--log={log}", "--log-format=json", "state", "nope"],
                       capture_output=True, text=True)
    assert r.returncode == 1
    assert json.loads(log.read_text())["msg"] == 'container "nope" does not exist'


def test_unknown_log_format_is_refused(runtime):
    r = runtime.run("list", log_format="yaml")
    assert r.returncode == 1 and "yaml" in r.stderr


def test_global_flags_after_the_verb(runtime, tmp_path):
    log = tmp_path / "log.json"
    r = subprocess.run([runtime.binary, "state", "--root", str(runtime.root), "--log", str(log), "--log-format", "json", "x"],
                       capture_output=True, text=True)
    assert r.returncode == 1
    assert json.loads(log.read_text())["msg"] == 'container "x" does not exist'


def test_spec_writes_a_default_config(runtime, tmp_path):
    r = runtime.run("spec", "--bundle", tmp_path)
    assert r.returncode == 0, r.stderr
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["ociVersion"] == "1.3.0"
    assert config["root"] == {"path": "rootfs", "readonly": True}
    assert config["process"]["args"] == ["sh"] and config["process"]["terminal"] is True
    types = [ns["type"] for ns in config["linux"]["namespaces"]]
    assert set(types) == {"pid", "network", "ipc", "uts", "mount"}
    again = runtime.run("spec", "--bundle", tmp_path)
    assert again.returncode == 1 and "exists" in again.stderr


def test_spec_rootless(runtime, tmp_path):
    runtime.run("spec", "--rootless", "-b", tmp_path, check=True)
    config = json.loads((tmp_path / "config.json").read_text())
    types = [ns["type"] for ns in config["linux"]["namespaces"]]
    assert "user" in types and "network" not in types
    assert config["linux"]["uidMappings"][0]["containerID"] == 0


def test_spec_config_validates_against_the_schema(runtime, tmp_path):
    pytest.importorskip("jsonschema")
    from swiftlet_harness import spec_dir_or_none, validate_schema
    if spec_dir_or_none() is None:
        pytest.skip("../shared/runtime-spec is not on this machine")
    runtime.run("spec", "-b", tmp_path, check=True)
    validate_schema(json.loads((tmp_path / "config.json").read_text()), "config-schema.json")


def test_systemd_cgroup_is_refused_clearly(runtime, bundle, cid):
    r = subprocess.run(runtime.argv("--systemd-cgroup", "create", "-b", bundle.path, cid), capture_output=True, text=True,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 1
    assert "systemd" in error_message(r.stderr)
    assert runtime.status(cid) is None


def test_features_is_valid_and_truthful(runtime, tmp_path):
    pytest.importorskip("jsonschema")
    from swiftlet_harness import spec_dir_or_none, validate_schema
    r = runtime.run("features", check=True)
    features = json.loads(r.stdout)
    if spec_dir_or_none() is not None:
        validate_schema(features, "features-schema.json")
    assert features["ociVersionMax"] == "1.3.0"
    assert set(features["hooks"]) == {"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"}
    assert {"rro", "rbind", "nosymfollow", "tmpcopyup", "rslave"} <= set(features["mountOptions"])
    linux = features["linux"]
    assert set(linux["namespaces"]) == {"cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"}
    cap_last = int(open("/proc/sys/kernel/cap_last_cap").read())
    assert len(linux["capabilities"]) == cap_last + 1 and linux["capabilities"][0] == "CAP_CHOWN"
    assert linux["seccomp"]["enabled"] is True and "SCMP_ACT_NOTIFY" in linux["seccomp"]["actions"]
    assert "SCMP_CMP_MASKED_EQ" in linux["seccomp"]["operators"]
    assert set(linux["seccomp"]["supportedFlags"]) <= set(linux["seccomp"]["knownFlags"])
    assert linux["apparmor"]["enabled"] == os.path.isdir("/sys/kernel/security/apparmor")
    assert linux["selinux"]["enabled"] == os.path.exists("/sys/fs/selinux/enforce")
    assert linux["cgroup"] == {"v1": True, "v2": True, "systemd": False, "systemdUser": False, "rdma": True}
    assert features["annotations"]["io.github.seccomp.libseccomp.version"].count(".") == 2
