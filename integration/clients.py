"""Real clients for the integration tests: a private containerd (CRI off)
and podman with private storage, both from Debian's packages, driving
Swiftlet. Images are built here from the busybox rootfs: no registry."""
import gzip
import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import tarfile
import time
from pathlib import Path

from swiftlet_harness import busybox_rootfs, wait_for

IMAGE = "docker.io/library/swiftlet-busybox:latest"


def _tar_rootfs(rootfs: Path) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(rootfs.rglob("*")):
            tar.add(path, arcname=str(path.relative_to(rootfs)), recursive=False)
    return buffer.getvalue()


def rootfs_tarball(base: Path) -> Path:
    """A plain tar of the busybox rootfs (for `podman import`)."""
    out = base / "busybox-rootfs.tar"
    if not out.exists():
        out.write_bytes(_tar_rootfs(busybox_rootfs(base)))
    return out


def oci_archive(base: Path) -> Path:
    """An OCI image layout tarball of the busybox rootfs (for `ctr image import`)."""
    out = base / "busybox-oci.tar"
    if out.exists():
        return out
    layer = _tar_rootfs(busybox_rootfs(base))
    diff_id = "sha256:" + hashlib.sha256(layer).hexdigest()
    compressed = gzip.compress(layer, mtime=0)
    blobs = {}

    def blob(data: bytes) -> dict:
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        blobs[digest] = data
        return {"digest": digest, "size": len(data)}

    layer_desc = {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", **blob(compressed)}
    config = {"architecture": "amd64", "os": "linux",
              "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], "Cmd": ["sh"]},
              "rootfs": {"type": "layers", "diff_ids": [diff_id]}}
    config_desc = {"mediaType": "application/vnd.oci.image.config.v1+json", **blob(json.dumps(config).encode())}
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": config_desc, "layers": [layer_desc]}
    manifest_desc = {"mediaType": "application/vnd.oci.image.manifest.v1+json", **blob(json.dumps(manifest).encode()),
                     "annotations": {"io.containerd.image.name": IMAGE, "org.opencontainers.image.ref.name": "latest"}}
    index = {"schemaVersion": 2, "manifests": [manifest_desc]}
    with tarfile.open(out, "w") as tar:
        def add(name, data):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        add("oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
        add("index.json", json.dumps(index).encode())
        for digest, data in blobs.items():
            add("blobs/sha256/" + digest.split(":")[1], data)
    return out


class Containerd:
    """A containerd of our own: private root, state and socket, CRI off."""

    def __init__(self, base: Path, swiftlet: str):
        self.base = base
        self.swiftlet = swiftlet
        self.socket = base / "containerd.sock"
        self.namespace = "swiftlet-test"
        config = base / "config.toml"
        config.write_text(
            'version = 2\n'
            f'root = "{base / "root"}"\n'
            f'state = "{base / "state"}"\n'
            'disabled_plugins = ["io.containerd.grpc.v1.cri"]\n'
            '[grpc]\n'
            f'  address = "{self.socket}"\n'
            '[ttrpc]\n'
            f'  address = "{self.socket}.ttrpc"\n'
            '[debug]\n'
            f'  address = "{base / "debug.sock"}"\n')
        self.log = open(base / "containerd.log", "w")
        self.process = subprocess.Popen(["containerd", "--config", str(config)], stdout=self.log, stderr=subprocess.STDOUT)
        if not wait_for(lambda: self.socket.exists() and self.ctr("version").returncode == 0, timeout=30):
            self.stop()
            raise RuntimeError(f"containerd did not start: {(base / 'containerd.log').read_text()[-2000:]}")

    def ctr(self, *args, input=None, timeout=60):
        return subprocess.run(["ctr", "--address", str(self.socket), "--namespace", self.namespace, *map(str, args)],
                              capture_output=True, text=True, input=input, timeout=timeout)

    def run_args(self, *args):
        """`ctr run` with Swiftlet as the runc binary."""
        return ["run", "--runc-binary", self.swiftlet, *args]

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


class Podman:
    """podman with its own storage (vfs), run root, containers.conf and a
    cgroup parent of its own; Swiftlet is its runtime."""

    def __init__(self, base: Path, swiftlet: str, cgroup_parent: str):
        self.base = base
        self.cgroup_parent = cgroup_parent
        conf = base / "containers.conf"
        # Rlimits at most this machine's hard limits (no CAP_SYS_RESOURCE);
        # no network; "swiftlet" takes --log-format=json like runc.
        conf.write_text(
            "[containers]\n"
            'default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]\n'
            'netns = "none"\n'
            "[engine]\n"
            'cgroup_manager = "cgroupfs"\n'
            'events_logger = "file"\n'
            'runtime = "swiftlet"\n'
            'runtime_supports_json = ["swiftlet", "crun", "runc"]\n'
            "[engine.runtimes]\n"
            f'swiftlet = ["{swiftlet}"]\n')
        self.env = dict(os.environ, CONTAINERS_CONF=str(conf), TMPDIR=str(base / "tmp"))
        (base / "tmp").mkdir(exist_ok=True)
        self.prefix = ["podman", "--root", str(base / "root"), "--runroot", str(base / "runroot"), "--storage-driver", "vfs",
                       "--cgroup-manager", "cgroupfs", "--tmpdir", str(base / "tmp")]

    def __call__(self, *args, input=None, timeout=120):
        return subprocess.run(self.prefix + [str(a) for a in args], capture_output=True, text=True, input=input,
                              timeout=timeout, env=self.env)

    def command_line(self, *args):
        return " ".join(self.prefix + [str(a) for a in args])
