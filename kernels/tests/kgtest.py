"""Helpers and fixtures shared by the kernels/ tests (imported by conftest.py)."""

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

KERNELS_DIR = Path(__file__).resolve().parent.parent
# The studio SDK from the source tree (import studio), ahead of whatever kernels/.venv has installed.
SDK_DIR = KERNELS_DIR / "sdk"
sys.path.insert(0, str(SDK_DIR))
GATEWAY_CONFIG = KERNELS_DIR / "gateway_config.py"
PROBE = KERNELS_DIR / "probe" / "hardware_probe.py"
PROBE_PREFIX = "STUDIO_PROBE_JSON:"


def parse_probe_output(text):
    """The single STUDIO_PROBE_JSON line of the probe's output, decoded."""
    lines = [line for line in text.splitlines() if line.startswith(PROBE_PREFIX)]
    assert len(lines) == 1, f"expected exactly one probe line in:\n{text}"
    return json.loads(lines[0][len(PROBE_PREFIX):])


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gateway_command():
    """`jupyter kernelgateway --config kernels/gateway_config.py` from this venv."""
    jupyter = Path(sys.executable).parent / "jupyter"
    if jupyter.exists():
        return [str(jupyter), "kernelgateway", "--config", str(GATEWAY_CONFIG)]
    return [sys.executable, "-m", "kernel_gateway", "--config", str(GATEWAY_CONFIG)]


def gateway_env(tmp_dir, port, token):
    env = dict(os.environ)
    for name in list(env):
        if name.startswith(("KG_", "STUDIO_")):
            del env[name]
    env.update(
        KG_IP="127.0.0.1",
        KG_PORT=str(port),
        # Connection files and the cookie secret go to a throw-away directory.
        JUPYTER_RUNTIME_DIR=str(tmp_dir / "runtime"),
        PYTHONUNBUFFERED="1",
    )
    if token is not None:
        env["KG_AUTH_TOKEN"] = token
    return env


class Gateway:
    def __init__(self, url, token, proc, log_path, startup_seconds):
        self.url = url
        self.token = token
        self.proc = proc
        self.log_path = log_path
        self.startup_seconds = startup_seconds

    def request(self, method, path, body=None, token="__default__"):
        """(status, parsed JSON body or None) for one REST call."""
        token = self.token if token == "__default__" else token
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"token {token}"
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as err:
            status, raw = err.code, err.read()
        return status, (json.loads(raw) if raw else None)

    def log(self):
        return self.log_path.read_text(errors="replace")


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    tmp_dir = tmp_path_factory.mktemp("gateway")
    port, token = free_port(), secrets.token_urlsafe(32)
    log_path = tmp_dir / "gateway.log"
    started = time.monotonic()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            gateway_command(),
            env=gateway_env(tmp_dir, port, token),
            cwd=str(tmp_dir),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    gw = Gateway(f"http://127.0.0.1:{port}", token, proc, log_path, None)
    try:
        deadline = started + 30
        while True:
            if proc.poll() is not None:
                pytest.fail(f"gateway exited with {proc.returncode}:\n{gw.log()}")
            try:
                if gw.request("GET", "/api")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"gateway did not answer /api within 30 s:\n{gw.log()}")
            time.sleep(0.05)
        gw.startup_seconds = time.monotonic() - started
        yield gw
    finally:
        if proc.poll() is None:
            proc.terminate()  # SIGTERM: the gateway shuts its kernels down first
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)


@pytest.fixture
def fake():
    """A fake studio API (studio_fake.FakeStudio) on a loopback port."""
    from studio_fake import FakeStudio

    server = FakeStudio().start()
    yield server
    server.close()
