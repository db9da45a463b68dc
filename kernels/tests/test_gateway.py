"""A real Jupyter Kernel Gateway started with kernels/gateway_config.py.

Exercises the same path the studio uses: REST to start a kernel, the kernel's
WebSocket channel to run the hardware probe in it, REST to delete it.
"""

import asyncio
import json
import subprocess
import uuid

from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.websocket import websocket_connect

from kgtest import PROBE, free_port, gateway_command, gateway_env, parse_probe_output

UNAUTHORIZED = {"reason": "Unauthorized", "message": ""}


def test_api_answers_with_server_version(gateway):
    status, body = gateway.request("GET", "/api")
    assert status == 200
    # /api reports the jupyter_server version, not the gateway's (3.0.x).
    assert list(body) == ["version"] and body["version"].startswith("2.")
    assert gateway.startup_seconds < 30


def test_kernelspecs_contain_python3(gateway):
    status, body = gateway.request("GET", "/api/kernelspecs")
    assert status == 200
    assert body["default"] == "python3"
    spec = body["kernelspecs"]["python3"]
    assert spec["name"] == "python3"
    assert spec["spec"]["language"] == "python"
    assert spec["spec"]["argv"][1:3] == ["-m", "ipykernel_launcher"]


def test_missing_and_wrong_token_are_rejected(gateway):
    for path in ("/api", "/api/kernelspecs", "/api/kernels"):
        assert gateway.request("GET", path, token=None) == (401, UNAUTHORIZED)
        assert gateway.request("GET", path, token="XYZ") == (401, UNAUTHORIZED)
    assert gateway.request("POST", "/api/kernels", {"name": "python3"}, token="XYZ")[0] == 401


def test_kernel_listing_is_enabled(gateway):
    status, body = gateway.request("GET", "/api/kernels")
    assert status == 200 and isinstance(body, list)
    assert gateway.request("GET", "/api/sessions")[0] == 200


def ws_url(gateway, kernel_id):
    return gateway.url.replace("http://", "ws://") + f"/api/kernels/{kernel_id}/channels"


def execute_request(code, session):
    msg_id = uuid.uuid4().hex
    return msg_id, {
        "header": {
            "msg_id": msg_id, "msg_type": "execute_request", "username": "studio-test",
            "session": session, "date": "2026-01-01T00:00:00.000000Z", "version": "5.3",
        },
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {
            "code": code, "silent": False, "store_history": False,
            "user_expressions": {}, "allow_stdin": False, "stop_on_error": True,
        },
    }


async def execute(gateway, kernel_id, code, timeout=60):
    """Execute `code` over the kernel's WebSocket (JSON protocol).

    Returns (reply status, {stream name: text}, [error tracebacks]).
    """
    conn = await websocket_connect(HTTPRequest(
        ws_url(gateway, kernel_id), headers={"Authorization": f"token {gateway.token}"}))
    try:
        msg_id, msg = execute_request(code, uuid.uuid4().hex)
        await conn.write_message(json.dumps(msg))
        streams, errors, status, idle = {}, [], None, False
        while status is None or not idle:
            raw = await asyncio.wait_for(conn.read_message(), timeout)
            assert raw is not None, "websocket closed"
            reply = json.loads(raw)
            if reply["parent_header"].get("msg_id") != msg_id:
                continue
            kind = reply["header"]["msg_type"]
            if kind == "stream":
                name = reply["content"]["name"]
                streams[name] = streams.get(name, "") + reply["content"]["text"]
            elif kind == "error":
                errors.append("\n".join(reply["content"]["traceback"]))
            elif kind == "execute_reply":
                status = reply["content"]["status"]
            elif kind == "status" and reply["content"]["execution_state"] == "idle":
                idle = True
        return status, streams, errors
    finally:
        conn.close()


async def run_in_kernel(gateway, kernel_id, code, timeout=20):
    """Execute `code`; return (status, stdout followed by any error tracebacks)."""
    status, streams, errors = await execute(gateway, kernel_id, code, timeout)
    return status, streams.get("stdout", "") + "\n".join(errors)


def test_kernel_lifecycle_and_hardware_probe_over_websocket(gateway):
    status, kernel = gateway.request("POST", "/api/kernels", {"name": "python3"})
    assert status == 201, gateway.log()
    kernel_id = kernel["id"]
    try:
        assert kernel["name"] == "python3"
        assert kernel_id in [k["id"] for k in gateway.request("GET", "/api/kernels")[1]]

        status, out = asyncio.run(run_in_kernel(gateway, kernel_id, PROBE.read_text()))
        assert status == "ok", out
        info = parse_probe_output(out)
        assert isinstance(info["cpu_count"], int) and info["cpu_count"] >= 1
        assert info["memory_total_bytes"] > 0
        assert info["gpus"] == [] or isinstance(info["gpus"][0]["index"], int)

        # The gateway's token is not handed down to notebook code.
        status, out = asyncio.run(run_in_kernel(
            gateway, kernel_id, "import os; print(repr(os.environ.get('KG_AUTH_TOKEN')))"))
        assert (status, out.strip()) == ("ok", "None")
    finally:
        status, _ = gateway.request("DELETE", f"/api/kernels/{kernel_id}")
    assert status == 204
    assert kernel_id not in [k["id"] for k in gateway.request("GET", "/api/kernels")[1]]
    assert gateway.request("GET", f"/api/kernels/{kernel_id}")[0] == 404


def test_websocket_with_wrong_token_is_rejected(gateway):
    status, kernel = gateway.request("POST", "/api/kernels", {"name": "python3"})
    assert status == 201
    try:
        async def connect():
            await websocket_connect(HTTPRequest(
                ws_url(gateway, kernel["id"]), headers={"Authorization": "token XYZ"}))

        try:
            asyncio.run(connect())
        except HTTPClientError as err:
            assert err.code == 401
        else:
            raise AssertionError("websocket with a wrong token was accepted")
    finally:
        assert gateway.request("DELETE", f"/api/kernels/{kernel['id']}")[0] == 204


def test_gateway_refuses_to_start_without_token(tmp_path):
    proc = subprocess.run(
        gateway_command(), env=gateway_env(tmp_path, free_port(), None), cwd=str(tmp_path),
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode != 0
    assert "refusing to start without KG_AUTH_TOKEN" in proc.stdout + proc.stderr


def test_fast_large_output_is_not_dropped_by_iopub_rate_limits(gateway):
    # jupyter_server drops output above 1 MB/s or 1000 msg/s by default ("IOPub data rate
    # exceeded"); a studio cell printing 100,000 lines must arrive whole.
    status, kernel = gateway.request("POST", "/api/kernels", {"name": "python3"})
    assert status == 201, gateway.log()
    try:
        _, streams, _ = asyncio.run(execute(
            gateway, kernel["id"],
            "import sys\nfor i in range(100_000):\n    print(f'line {i:06d} ' + 'x' * 40)\nsys.stdout.flush()"))
        assert "rate exceeded" not in streams.get("stderr", ""), streams.get("stderr", "")[:500]
        lines = streams.get("stdout", "").splitlines()
        assert len(lines) == 100_000
        assert lines[-1].startswith("line 099999")
    finally:
        gateway.request("DELETE", f"/api/kernels/{kernel['id']}")
