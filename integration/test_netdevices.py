"""linux.netDevices: host interfaces moved into the container's network
namespace (config-linux.md "Network Devices")."""
import shutil
import subprocess
import uuid

import pytest

from swiftlet_harness import error_message

pytestmark = pytest.mark.skipif(not shutil.which("ip"), reason="iproute2 (ip) is not installed")


@pytest.fixture
def dummy():
    """One end of a veth pair, with permanent global addresses (this kernel
    has no dummy driver); the pair goes when the container's namespace does."""
    name = f"swd{uuid.uuid4().hex[:6]}"
    subprocess.run(["ip", "link", "add", name, "type", "veth", "peer", "name", name + "p"], check=True)
    subprocess.run(["ip", "addr", "add", "10.231.7.1/24", "dev", name], check=True)
    subprocess.run(["ip", "addr", "add", "fd00:5717::1/64", "dev", name, "nodad"], check=True)
    yield name
    subprocess.run(["ip", "link", "del", name], capture_output=True)


def host_has(name):
    return subprocess.run(["ip", "link", "show", name], capture_output=True).returncode == 0


def test_a_device_moves_renamed_with_its_addresses_and_up(runtime, bundle, cid, dummy):
    bundle.linux["netDevices"] = {dummy: {"name": "eth7"}}
    bundle.shell("ip -o link show eth7; ip -o addr show dev eth7")
    r = runtime.run("run", "-b", bundle.path, cid)
    assert r.returncode == 0, r.stderr
    link, *addresses = r.stdout.splitlines()
    assert "eth7" in link and "UP" in link.split("<")[1].split(">")[0].split(",")
    assert any("inet 10.231.7.1/24" in line for line in addresses), addresses
    assert any("inet6 fd00:5717::1/64" in line for line in addresses), addresses
    assert not host_has(dummy), "moved out of the host's namespace (and destroyed with the container's)"


def test_a_device_keeps_its_name_without_one(runtime, bundle, cid, dummy):
    bundle.linux["netDevices"] = {dummy: {}}
    bundle.shell(f"ip -o link show {dummy} >/dev/null && echo present")
    r = runtime.run("run", "-b", bundle.path, cid)
    assert r.returncode == 0 and r.stdout == "present\n", r.stderr


def test_a_name_template_lets_the_kernel_choose(runtime, bundle, cid, dummy):
    bundle.linux["netDevices"] = {dummy: {"name": "net%d"}}
    bundle.shell("ip -o link show | grep -cE ' net0[@:]'")
    r = runtime.run("run", "-b", bundle.path, cid)
    assert r.returncode == 0 and r.stdout.strip() == "1", (r.stdout, r.stderr)


def test_an_existing_name_in_the_container_is_an_error(runtime, bundle, cid, dummy):
    bundle.linux["netDevices"] = {dummy: {"name": "lo"}}
    bundle.save()
    r = runtime.run("create", "-b", bundle.path, cid)
    assert r.returncode == 1 and '"lo"' in error_message(r.stderr)
    assert runtime.status(cid) is None
    assert host_has(dummy), "the interface stays on the host"


def test_a_missing_device_is_an_error(runtime, bundle, cid):
    bundle.linux["netDevices"] = {"nosuchif0": {}}
    bundle.save()
    r = runtime.run("create", "-b", bundle.path, cid)
    assert r.returncode == 1 and "nosuchif0" in error_message(r.stderr)
    assert runtime.status(cid) is None


def test_devices_need_a_network_namespace(runtime, bundle, cid, dummy):
    bundle.linux["namespaces"] = [ns for ns in bundle.linux["namespaces"] if ns["type"] != "network"]
    bundle.linux["netDevices"] = {dummy: {}}
    bundle.save()
    r = runtime.run("create", "-b", bundle.path, cid)
    assert r.returncode == 1 and "network namespace" in error_message(r.stderr)
