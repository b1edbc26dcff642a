"""Bad input: one clear line naming the field or argument, exit status 1,
and nothing left behind (no state, cgroup, mount or process). The fixtures
check the last three after every test."""
import json
import os

import pytest

from swiftlet_harness import Runtime, cgroup_dirs, error_message


def create_fails(runtime, bundle, cid, *extra):
    r = runtime.run("create", "-b", bundle.path, *extra, cid)
    assert r.returncode == 1, r.stdout + r.stderr
    assert r.stdout == ""
    message = error_message(r.stderr)
    assert message and "\n" not in message
    assert runtime.status(cid) is None
    assert not runtime.root.exists() or not (runtime.root / cid).exists()
    return message


def test_malformed_json_names_line_and_column(runtime, bundle, cid):
    (bundle.path / "config.json").write_text('{\n  "ociVersion": "1.3.0",\n  "process": {,\n}')
    message = create_fails(runtime, bundle, cid)
    assert "config.json" in message and "line 3" in message


def test_wrong_type_names_the_field(runtime, bundle, cid):
    bundle.process["user"]["uid"] = "root"
    bundle.save()
    message = create_fails(runtime, bundle, cid)
    assert "process.user.uid" in message


def test_negative_uid_names_the_field(runtime, bundle, cid):
    bundle.process["user"]["uid"] = -1
    bundle.save()
    assert "process.user.uid" in create_fails(runtime, bundle, cid)


@pytest.mark.parametrize("version", ["2.0.0", "0.9.0", "banana"])
def test_unsupported_oci_version(runtime, bundle, cid, version):
    bundle.config["ociVersion"] = version
    bundle.save()
    assert "ociVersion" in create_fails(runtime, bundle, cid)


@pytest.mark.parametrize("version", ["1.0.0", "1.0.2-dev", "1.1.0", "1.2.1", "1.3.0", "1.3.9+dev"])
def test_supported_oci_versions(runtime, bundle, cid, version):
    bundle.config["ociVersion"] = version
    bundle.save()
    r = runtime.run("run", "-b", bundle.path, cid)
    assert r.returncode == 0, r.stderr


def test_unknown_fields_are_ignored(runtime, bundle, cid):
    bundle.config["somethingNew"] = {"a": 1}
    bundle.process["futureField"] = [1, 2, 3]
    bundle.linux["futureLinuxField"] = "x"
    bundle.save()
    r = runtime.run("run", "-b", bundle.path, cid)
    assert r.returncode == 0, r.stderr


def test_missing_config(runtime, bundle, cid):
    (bundle.path / "config.json").unlink()
    message = create_fails(runtime, bundle, cid)
    assert "config.json" in message and "No such file or directory" in message


def test_missing_rootfs(runtime, bundle, cid):
    bundle.config["root"]["path"] = "nope"
    bundle.save()
    assert "root.path" in create_fails(runtime, bundle, cid)


def test_missing_process_args(runtime, bundle, cid):
    bundle.process["args"] = []
    bundle.save()
    assert "process.args" in create_fails(runtime, bundle, cid)


def test_relative_cwd(runtime, bundle, cid):
    bundle.process["cwd"] = "tmp"
    bundle.save()
    assert "process.cwd" in create_fails(runtime, bundle, cid)


def test_missing_cwd_fails_at_create(runtime, bundle, cid):
    bundle.process["cwd"] = "/no/such/dir"
    bundle.save()
    assert "/no/such/dir" in create_fails(runtime, bundle, cid)


def test_unknown_namespace_type(runtime, bundle, cid):
    bundle.linux["namespaces"].append({"type": "bogus"})
    bundle.save()
    assert "bogus" in create_fails(runtime, bundle, cid)


def test_unknown_rlimit(runtime, bundle, cid):
    bundle.process["rlimits"] = [{"type": "RLIMIT_BOGUS", "soft": 1, "hard": 1}]
    bundle.save()
    assert "RLIMIT_BOGUS" in create_fails(runtime, bundle, cid)


def test_unknown_mount_type(runtime, bundle, cid):
    bundle.config["mounts"].append({"destination": "/x", "type": "nosuchfs", "source": "none"})
    bundle.save()
    message = create_fails(runtime, bundle, cid)
    assert "nosuchfs" in message and "/x" in message


def test_bad_mount_option_names_it(runtime, bundle, cid):
    bundle.config["mounts"].append({"destination": "/x", "type": "tmpfs", "source": "tmpfs", "options": ["mode=banana"]})
    bundle.save()
    message = create_fails(runtime, bundle, cid)
    assert "mode=banana" in message


def test_missing_bind_source(runtime, bundle, cid):
    bundle.config["mounts"].append({"destination": "/x", "type": "bind", "source": "/no/such/source", "options": ["bind"]})
    bundle.save()
    assert "/no/such/source" in create_fails(runtime, bundle, cid)


def test_fields_not_supported_yet_are_refused_by_name(runtime, bundle, cid):
    bundle.linux["intelRdt"] = {"closID": "x"}
    bundle.save()
    assert "linux.intelRdt" in create_fails(runtime, bundle, cid)


def test_a_failed_create_leaves_no_cgroup(runtime, bundle, cid, cgroup_parent):
    bundle.command("no-such-binary")
    create_fails(runtime, bundle, cid)
    assert not cgroup_dirs(f"{cgroup_parent}/{cid}")


def test_a_cgroup_with_processes_is_refused(runtime, make_bundle, cgroup_parent):
    first, second = make_bundle("a"), make_bundle("b")
    first.command("sleep", "1000")
    runtime.run("create", "-b", first.path, first.cid, check=True)
    second.linux["cgroupsPath"] = first.linux["cgroupsPath"]
    second.save()
    message = create_fails(runtime, second, second.cid)
    assert "already holds processes" in message
    assert runtime.status(first.cid) == "created", "the first container is untouched"
    pid = runtime.state(first.cid)["pid"]
    runtime.run("delete", "-f", first.cid, check=True)
    os.waitpid(pid, 0)


def test_errors_name_what_the_user_gave(runtime, tmp_path):
    """Not a temporary file beside it, and the flag it came from."""
    r = runtime.run("spec", "-b", tmp_path / "missing")
    assert r.returncode == 1
    assert error_message(r.stderr) == f"create {tmp_path / 'missing'}/config.json: No such file or directory"
    r = runtime.run("update", "--resources", tmp_path / "nope.json", "some-id")
    assert r.returncode == 1
    assert error_message(r.stderr) == f"--resources: open({tmp_path / 'nope.json'}): No such file or directory"


def test_a_root_that_is_not_a_directory_is_an_error(tmp_path):
    a_file = tmp_path / "file"
    a_file.write_text("")
    r = Runtime(a_file).run("list")
    assert r.returncode == 1 and error_message(r.stderr) == f"--root {a_file}: not a directory"
    assert Runtime(tmp_path / "absent").run("list", "-q").returncode == 0, "a root not made yet holds no containers"
