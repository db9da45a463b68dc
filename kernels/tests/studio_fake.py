"""An in-process fake of the studio's SDK/jobs HTTP contract, for testing the Python client.

It records every request and can fail on demand: answer 503 (or any status), drop the connection
before answering, or store a request and then drop the connection (so the client re-sends it).
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

TOKEN = "sst_test_token"
PROJECT = "proj1"


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.monotonic)

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


@dataclass
class Fault:
    kind: str  # "status" | "drop" | "lose_response" | "delay"
    pattern: re.Pattern
    count: int
    status: int = 503
    seconds: float = 0.0


class FakeStudio:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.requests: list[Recorded] = []
        self.faults: list[Fault] = []
        self.down = False  # every request answered 503
        self.runs: dict[str, dict[str, Any]] = {}
        self.batches: dict[tuple[str, str, int], dict] = {}  # (run, source, seq) -> body
        self.duplicates = 0
        self.artifacts: dict[str, dict[str, bytes]] = {}
        self.datasets: dict[str, dict[str, Any]] = {}  # id -> {name, versions: [{..., "bytes"}]}
        self.processing_polls = 2  # GETs of a processing version before it is settled
        self.fail_validation: str | None = None  # statusReason for uploads that fail
        self.jobs: dict[str, dict[str, Any]] = {}  # id -> spec
        self.code: dict[str, bytes] = {}
        self.log_chunks: dict[tuple[str, int, int], dict] = {}  # (job, attempt, seq) -> chunk
        self.log_posts: list[dict] = []
        self.statuses: list[dict] = []
        self.heartbeats: list[dict] = []
        self.stop_jobs: set[str] = set()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    # --- lifecycle & helpers ----------------------------------------------------------------------

    def start(self) -> "FakeStudio":
        self.thread.start()
        return self

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def env(self, **extra: str) -> dict[str, str]:
        return {"STUDIO_URL": self.url, "STUDIO_TOKEN": TOKEN, "STUDIO_PROJECT_ID": PROJECT, **extra}

    def fail(self, pattern: str, count: int = 1, status: int = 503, kind: str = "status", seconds: float = 0.0) -> None:
        with self.lock:
            self.faults.append(Fault(kind, re.compile(pattern), count, status, seconds))

    def of(self, method: str, pattern: str) -> list[Recorded]:
        rx = re.compile(pattern)
        with self.lock:
            return [r for r in self.requests if r.method == method and rx.search(r.path)]

    def metrics(self, run_id: str) -> list[dict]:
        with self.lock:
            out = []
            for (run, _source, _seq), body in sorted(self.batches.items(), key=lambda kv: (kv[0][1], kv[0][2])):
                if run == run_id:
                    out += body.get("metrics", [])
            return out

    def add_run(self, run_id: str = "job-run", **fields: Any) -> str:
        with self.lock:
            self.runs[run_id] = {"id": run_id, "status": "running", "params": {}, "tags": {}, "experiment": "Jobs", **fields}
        return run_id

    def add_dataset(self, name: str, content: bytes, filename: str, fmt: str, status: str = "ready") -> dict:
        with self.lock:
            dataset = next((d for d in self.datasets.values() if d["name"] == name), None)
            if dataset is None:
                dataset = {"id": f"ds{len(self.datasets) + 1}", "name": name, "versions": []}
                self.datasets[dataset["id"]] = dataset
            version = {
                "id": uuid.uuid4().hex,
                "datasetId": dataset["id"],
                "version": len(dataset["versions"]) + 1,
                "format": fmt,
                "filename": filename,
                "sizeBytes": len(content),
                "status": status,
                "statusReason": None,
                "bytes": content,
                "polls": 0,
            }
            dataset["versions"].append(version)
            return version

    def log_text(self, job_id: str, attempt: int = 1, streams: tuple[str, ...] = ("stdout", "stderr", "system")) -> str:
        with self.lock:
            chunks = sorted((k[2], c) for k, c in self.log_chunks.items() if k[0] == job_id and k[1] == attempt)
        return "".join(c["text"] for _seq, c in chunks if c["stream"] in streams)

    # --- HTTP -------------------------------------------------------------------------------------

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _body(self) -> bytes:
                length = int(self.headers.get("Content-Length") or 0)
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    data = b""
                    while True:
                        size = int(self.rfile.readline().strip(), 16)
                        if size == 0:
                            self.rfile.readline()
                            return data
                        data += self.rfile.read(size)
                        self.rfile.readline()
                return self.rfile.read(length) if length else b""

            def _send(self, status: int, payload: Any = None, raw: bytes | None = None, headers: dict | None = None) -> None:
                data = raw if raw is not None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/octet-stream" if raw is not None else "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def _error(self, status: int, code: str, message: str) -> None:
                self._send(status, {"error": {"code": code, "message": message}})

            def _drop(self) -> None:
                self.close_connection = True
                try:
                    self.connection.shutdown(2)
                except OSError:
                    pass

            def _handle(self, method: str) -> None:
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                body = self._body()
                rec = Recorded(method, url.path, query, dict(self.headers), body)
                fault = None
                with fake.lock:
                    fake.requests.append(rec)
                    for f in fake.faults:
                        if f.count > 0 and f.pattern.search(f"{method} {url.path}"):
                            f.count -= 1
                            fault = f
                            break
                    down = fake.down
                if down:
                    return self._error(503, "unavailable", "down for maintenance")
                if fault is not None:
                    if fault.kind == "status":
                        return self._error(fault.status, "fault", f"injected {fault.status}")
                    if fault.kind == "drop":
                        return self._drop()
                    if fault.kind == "delay":
                        time.sleep(fault.seconds)
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    return self._error(401, "unauthorized", "bad token")
                status, payload, raw, headers = fake.route(method, url.path, query, body)
                if fault is not None and fault.kind == "lose_response":
                    return self._drop()  # stored, but the client never hears so
                self._send(status, payload, raw, headers)

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

            def do_PUT(self) -> None:
                self._handle("PUT")

            def do_PATCH(self) -> None:
                self._handle("PATCH")

        return Handler

    def route(self, method: str, path: str, query: dict[str, str], body: bytes):
        def ok(payload: Any, status: int = 200):
            return status, payload, None, None

        def err(status: int, code: str, message: str):
            return status, {"error": {"code": code, "message": message}}, None, None

        def j() -> Any:
            return json.loads(body.decode()) if body else None

        with self.lock:
            m = re.fullmatch(r"/api/projects/([^/]+)/runs", path)
            if m and method == "POST":
                data = j()
                run_id = f"run{len(self.runs) + 1}"
                self.runs[run_id] = {"id": run_id, "status": "running", "params": {}, "tags": dict(data.get("tags") or {}), "name": data.get("name") or f"auto-{run_id}", **{k: data.get(k) for k in ("experiment", "source", "notebookId")}}
                return ok({"run": {**self.runs[run_id], "experimentId": "e1", "projectId": m.group(1)}})
            m = re.fullmatch(r"/api/runs/([^/]+)/batch", path)
            if m and method == "POST":
                run_id = m.group(1)
                if run_id not in self.runs:
                    return err(404, "not_found", "no such run")
                data = j()
                key = (run_id, data["source"], data["seq"])
                if key in self.batches:
                    self.duplicates += 1
                    return ok({"ok": True, "duplicate": True})
                run = self.runs[run_id]
                for p in data.get("params", []):
                    if p["key"] in run["params"] and run["params"][p["key"]] != p["value"]:
                        return err(409, "conflict", f"Param {p['key']} was already logged with another value")
                for metric in data.get("metrics", []):
                    v = metric["value"]
                    if not (isinstance(v, (int, float)) or v in ("NaN", "Infinity", "-Infinity")):
                        return err(400, "bad_request", f"bad metric value {v!r}")
                for p in data.get("params", []):
                    run["params"][p["key"]] = p["value"]
                for t in data.get("tags", []):
                    run["tags"][t["key"]] = t["value"]
                self.batches[key] = data
                return ok({"ok": True, "duplicate": False})
            m = re.fullmatch(r"/api/runs/([^/]+)", path)
            if m and method == "PATCH":
                run = self.runs.get(m.group(1))
                if run is None:
                    return err(404, "not_found", "no such run")
                run["status"] = j()["status"]
                return ok({"run": run})
            if m and method == "GET":
                run = self.runs.get(m.group(1))
                return ok({"run": run}) if run else err(404, "not_found", "no such run")
            m = re.fullmatch(r"/api/runs/([^/]+)/artifacts", path)
            if m and method == "PUT":
                self.artifacts.setdefault(m.group(1), {})[query["path"]] = body
                return ok({"artifact": {"path": query["path"], "sizeBytes": len(body), "sha256": "x"}})

            # datasets
            m = re.fullmatch(r"/api/projects/([^/]+)/datasets", path)
            if m and method == "GET":
                return ok([self._dataset_view(d) for d in self.datasets.values()])
            m = re.fullmatch(r"/api/projects/([^/]+)/datasets/upload", path)
            if m and method == "POST":
                version = self.add_dataset(query["name"], body, query["filename"], query["filename"].rsplit(".", 1)[-1], status="processing")
                return ok({"datasetId": version["datasetId"], "version": self._version_view(version)}, 201)
            m = re.fullmatch(r"/api/datasets/([^/]+)", path)
            if m and method == "GET":
                d = self.datasets.get(m.group(1))
                if d is None:
                    return err(404, "not_found", "no such dataset")
                return ok({**self._dataset_view(d), "versions": [self._version_view(v) for v in reversed(d["versions"])]})
            m = re.fullmatch(r"/api/datasets/([^/]+)/versions/(\d+)(/download)?", path)
            if m and method == "GET":
                d = self.datasets.get(m.group(1))
                versions = [v for v in (d or {}).get("versions", []) if v["version"] == int(m.group(2))]
                if not versions:
                    return err(404, "not_found", "This dataset has no such version.")
                v = versions[0]
                if m.group(3):
                    return 200, None, v["bytes"], None
                if v["status"] == "processing":
                    v["polls"] += 1
                    if v["polls"] >= self.processing_polls:
                        v["status"] = "failed" if self.fail_validation else "ready"
                        v["statusReason"] = self.fail_validation
                return ok({**self._version_view(v), "profile": None})

            # jobs
            m = re.fullmatch(r"/api/jobs/([^/]+)/(spec|code|logs|heartbeat|status)", path)
            if m:
                job_id, what = m.groups()
                if job_id not in self.jobs:
                    return err(404, "not_found", "no such job")
                if what == "spec" and method == "GET":
                    return ok({"job": self.jobs[job_id]})
                if what == "code" and method == "GET":
                    return 200, None, self.code[job_id], None
                if what == "logs" and method == "POST":
                    data = j()
                    self.log_posts.append(data)
                    for chunk in data["chunks"]:
                        self.log_chunks.setdefault((job_id, data["attempt"], chunk["seq"]), chunk)
                    return ok({"ok": True, "stop": job_id in self.stop_jobs})
                if what == "heartbeat" and method == "POST":
                    self.heartbeats.append(j())
                    return ok({"stop": job_id in self.stop_jobs})
                if what == "status" and method == "POST":
                    self.statuses.append(j())
                    return ok({"ok": True})
            return err(404, "not_found", f"no route {method} {path}")

    @staticmethod
    def _version_view(v: dict) -> dict:
        return {k: val for k, val in v.items() if k not in ("bytes", "polls")}

    def _dataset_view(self, d: dict) -> dict:
        latest = d["versions"][-1] if d["versions"] else None
        return {"id": d["id"], "projectId": PROJECT, "name": d["name"], "latest": self._version_view(latest) if latest else None, "versionCount": len(d["versions"])}
