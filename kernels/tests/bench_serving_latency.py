"""Latency of the model server on one-record requests (not a test: run it by hand).

    kernels/.venv/bin/python kernels/tests/bench_serving_latency.py MODEL_DIR BODY CONTENT_TYPE [N]
    e.g. ... /tmp/models/xg '0.1,0.2,0.3,0.4' text/csv 2000

Starts ``python -m studio.serving --dir MODEL_DIR`` (with $SDK first on PYTHONPATH when set, to
compare two checkouts), sends N identical POST /invocations over one kept-alive connection and
prints p50 / p90 / p99. The client is a raw socket sending a prebuilt request and reading the answer
by its Content-Length, so the times are mostly the server's.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time


def call(sock: socket.socket, request: bytes) -> bytes:
    sock.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, rest = data.partition(b"\r\n\r\n")
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:"))
    while len(rest) < length:
        rest += sock.recv(65536)
    return rest


def main() -> None:
    directory, body, content_type = sys.argv[1], sys.argv[2].encode(), sys.argv[3]
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 2000
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    env = dict(os.environ, PYTHONPATH=os.environ.get("SDK", ""))
    log = tempfile.TemporaryFile()  # not a pipe: a server writing a warning a request would fill it and stall
    server = subprocess.Popen(
        [sys.executable, "-m", "studio.serving", "--dir", directory, "--port", str(port), "--host", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=log,
        env=env,
    )
    request = f"POST /invocations HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body
    try:
        for _ in range(600):
            try:
                sock = socket.create_connection(("127.0.0.1", port))
                break
            except OSError:
                time.sleep(0.1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        first = call(sock, request)
        for _ in range(200):
            call(sock, request)
        times = []
        for _ in range(n):
            started = time.perf_counter()
            call(sock, request)
            times.append(time.perf_counter() - started)
        sock.close()
        times.sort()
        print(
            f"{os.path.basename(directory.rstrip('/'))} {content_type}: p50 {times[n // 2] * 1000:.3f} ms, p90 {times[int(n * 0.9)] * 1000:.3f} ms, "
            f"p99 {times[int(n * 0.99)] * 1000:.3f} ms, mean {statistics.mean(times) * 1000:.3f} ms; answer {first[:160]!r}"
        )
    finally:
        server.terminate()
        server.wait()
        log.seek(0)
        errors = log.read().decode()
        if errors.strip():
            print(f"server stderr: {len(errors.splitlines())} lines, starting:\n{errors[:600]}")


if __name__ == "__main__":
    main()
