"""The job runner: what the studio's worker runs in a kernel on the compute host for one job attempt.

    from studio._runner import run_job; run_job()        # or: python -m studio._runner

Environment: STUDIO_URL, STUDIO_TOKEN, STUDIO_PROJECT_ID, STUDIO_JOB_ID, STUDIO_JOB_ATTEMPT,
STUDIO_RUN_ID. It fetches the job's spec, lays out a working directory like SageMaker's script
mode under ./jobs/<jobId>/attempt-<n>/ (code/, input/data/<channel>/, input/config/
hyperparameters.json, model/, output/), runs the code in a child process (its own process group),
ships its stdout/stderr line by line, heartbeats (a `stop` answer ends the child), uploads model/
and output/ as the run's artifacts and reports the final status. Every failure, set-up included, is
reported as the job's status: the runner never dies silently.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import selectors
import shutil
import signal
import stat
import struct
import subprocess
import sys
import threading
import time
import traceback
import zipfile
from collections import deque
from pathlib import Path
from typing import Any, Callable

from ._http import Client, Config, StudioError, TransientError, retrying

LOG_INTERVAL = 0.25  # seconds lines wait for company before they are posted
LOG_MAX_LINES = 1000  # ... or this many lines are waiting
MAX_LINE_BYTES = 64 * 1024  # longer lines are split
READ_CHUNK = 64 * 1024
MAX_CHUNK_BYTES = 256 * 1024
MAX_REQUEST_BYTES = 3 * 1024 * 1024  # the studio takes 4 MiB
MAX_REQUEST_CHUNKS = 1000
MAX_BUFFERED_BYTES = 64 * 1024 * 1024  # beyond this the child's writes wait (nothing is dropped)
HEARTBEAT_INTERVAL = 5.0
KILL_GRACE_SECONDS = 10.0
SETUP_RETRY_SECONDS = 600.0  # studio unreachable while setting up → failed after this long
REASON_LIMIT = 4000
STDERR_TAIL = 20


class JobSetupError(Exception):
    """The job cannot start (bad spec, unsafe archive, missing entry point, ...)."""


def _stderr(message: str) -> None:
    print(f"studio runner: {message}", file=sys.stderr, flush=True)


# --- shipping logs ------------------------------------------------------------------------------


class LogShipper:
    """Posts output lines in order as numbered chunks; retries forever; never drops a line."""

    def __init__(self, client: Client, job_id: str, attempt: int, on_stop: Callable[[], None]):
        self._client = client
        self._job_id = job_id
        self._attempt = attempt
        self._on_stop = on_stop
        self._cond = threading.Condition()
        self._lines: deque[tuple[str, str, int]] = deque()  # (stream, text, size in bytes)
        self._buffered = 0
        self._closing = False
        self._seq = 0
        self.last_ok = 0.0  # time.monotonic() of the last acknowledged post (a heartbeat too)
        self._thread = threading.Thread(target=self._loop, name="studio-job-logs", daemon=True)
        self._thread.start()

    def write(self, stream: str, text: str) -> None:
        """Queues whole lines (text is split on newlines; a missing final newline is added)."""
        pieces = text.splitlines(keepends=True) or ["\n"]
        with self._cond:
            was_empty = not self._lines
            for piece in pieces:
                if not piece.endswith("\n"):
                    piece += "\n"
                size = len(piece.encode("utf-8", "replace"))
                while self._buffered > MAX_BUFFERED_BYTES and not self._closing:
                    self._cond.wait(1.0)
                self._lines.append((stream, piece, size))
                self._buffered += size
            if was_empty or len(self._lines) >= LOG_MAX_LINES:
                self._cond.notify_all()  # wakes the sender: a first line starts the 250 ms wait

    def system(self, text: str) -> None:
        self.write("system", text)
        print(text, flush=True)  # also in the runner's own (kernel) output

    def close(self) -> None:
        """Waits until every queued line is acknowledged (or refused for good)."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._thread.join()

    def _take(self) -> list[dict[str, Any]] | None:
        with self._cond:
            while not self._lines and not self._closing:
                self._cond.wait()
            if not self._lines:
                return None  # closing, nothing left
            due = time.monotonic() + LOG_INTERVAL
            while not self._closing and len(self._lines) < LOG_MAX_LINES and (left := due - time.monotonic()) > 0:
                self._cond.wait(left)
            chunks: list[dict[str, Any]] = []
            total = 0
            while self._lines and len(chunks) < MAX_REQUEST_CHUNKS:
                stream, text, size = self._lines[0]
                encoded = len(json.dumps(text, ensure_ascii=False).encode("utf-8"))
                same = chunks and chunks[-1]["stream"] == stream and chunks[-1]["_bytes"] + encoded <= MAX_CHUNK_BYTES
                if total + encoded > MAX_REQUEST_BYTES and chunks:
                    break
                if not same and len(chunks) >= MAX_REQUEST_CHUNKS:
                    break
                self._lines.popleft()
                self._buffered -= size
                total += encoded
                if same:
                    chunks[-1]["text"] += text
                    chunks[-1]["_bytes"] += encoded
                else:
                    chunks.append({"seq": self._seq, "stream": stream, "text": text, "_bytes": encoded})
                    self._seq += 1
            self._cond.notify_all()
            for chunk in chunks:
                del chunk["_bytes"]
            return chunks

    def _loop(self) -> None:
        warned = False
        while True:
            chunks = self._take()
            if chunks is None:
                return
            body = {"attempt": self._attempt, "chunks": chunks}

            def on_retry(error: TransientError, delay: float) -> None:
                nonlocal warned
                if not warned:
                    warned = True
                    _stderr(f"cannot send the job's logs ({error}); retrying, nothing is dropped")

            try:
                # The same chunks (same seqs) until acknowledged: the studio stores each seq once.
                answer = retrying(
                    lambda: self._client.request_json("POST", f"/api/jobs/{self._job_id}/logs", json_body=body), on_retry=on_retry
                )
                warned = False
                self.last_ok = time.monotonic()
                if isinstance(answer, dict) and answer.get("stop"):
                    self._on_stop()
            except StudioError as error:
                _stderr(f"the studio refused {len(chunks)} log chunks: {error}")
            except Exception as error:  # never let the thread die with lines queued
                _stderr(f"sending logs failed: {error!r}")


class Heartbeat:
    """POST /heartbeat every 5 s (skipped when a log post was acknowledged meanwhile)."""

    def __init__(self, client: Client, job_id: str, attempt: int, shipper: LogShipper, on_stop: Callable[[], None]):
        self._client = client
        self._job_id = job_id
        self._attempt = attempt
        self._shipper = shipper
        self._on_stop = on_stop
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="studio-job-heartbeat", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        self._thread.join(timeout=35)

    def _loop(self) -> None:
        while not self._done.wait(HEARTBEAT_INTERVAL):
            if time.monotonic() - self._shipper.last_ok < HEARTBEAT_INTERVAL:
                continue
            try:
                answer = self._client.request_json("POST", f"/api/jobs/{self._job_id}/heartbeat", json_body={"attempt": self._attempt})
                if isinstance(answer, dict) and answer.get("stop"):
                    self._on_stop()
            except StudioError as error:
                if error.status in (404, 410):
                    _stderr(f"the job is gone ({error}); stopping")
                    self._on_stop()
            except TransientError:
                pass  # the next beat tries again
            except Exception as error:
                _stderr(f"heartbeat failed: {error!r}")


class StatusReporter:
    """Reports statuses in order, each retried until the studio acknowledges it."""

    def __init__(self, client: Client, job_id: str, attempt: int):
        self._client = client
        self._job_id = job_id
        self._attempt = attempt
        self._thread: threading.Thread | None = None

    def _send(self, body: dict[str, Any]) -> None:
        try:
            retrying(lambda: self._client.request_json("POST", f"/api/jobs/{self._job_id}/status", json_body=body))
        except StudioError as error:
            _stderr(f"the studio refused status {body.get('status')}: {error}")

    def report_async(self, status: str, **extra: Any) -> None:
        self.wait()
        body = {"attempt": self._attempt, "status": status, **extra}
        self._thread = threading.Thread(target=self._send, args=(body,), name="studio-job-status", daemon=True)
        self._thread.start()

    def wait(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def report(self, status: str, **extra: Any) -> None:
        self.wait()
        self._send({"attempt": self._attempt, "status": status, **extra})


# --- reading the child's output -----------------------------------------------------------------

_TRACEBACK_HEAD = "Traceback (most recent call last):"


class _StreamState:
    """What the pump keeps per pipe: undecoded bytes of the current line, and (stderr) error tracking."""

    def __init__(self, stream: str, track_errors: bool):
        self.stream = stream
        self.track = track_errors
        self.pending = b""
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.tail: deque[str] = deque(maxlen=STDERR_TAIL)
        self.last_exception: str | None = None
        self.in_traceback = False

    def observe(self, line: str) -> None:
        text = line.rstrip("\r\n")
        self.tail.append(text)
        if text.startswith(_TRACEBACK_HEAD):
            self.in_traceback = True
        elif self.in_traceback and text and not text[0].isspace():
            self.last_exception = text
            self.in_traceback = False


def _pending_bytes(fd: int) -> int:
    """Bytes waiting in a pipe (FIONREAD); 0 where the platform cannot say."""
    try:
        import fcntl
        import termios

        return struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0]
    except (ImportError, OSError, AttributeError):
        return 0


class OutputPump:
    """Reads the child's stdout and stderr in one thread, line by line (lines over 64 KiB split),
    into the shipper in the order they were written.

    Two pipes cannot say which of their bytes came first. A job that prints a long log and then a
    traceback blocks on a full stdout pipe until it is drained, so when stderr has something to
    say, whatever stdout already holds was written before it: that is read and shipped first (only
    that much, so a job flooding stdout cannot hold stderr back). Reading both pipes from one
    thread keeps that order; two reader threads shipped a traceback ahead of the last ~64 KiB of
    stdout.
    """

    def __init__(self, stdout, stderr, shipper: LogShipper):
        self._shipper = shipper
        self.out = _StreamState("stdout", track_errors=False)
        self.err = _StreamState("stderr", track_errors=True)
        self._pipes = {stdout.fileno(): (stdout, self.out), stderr.fileno(): (stderr, self.err)}
        self._stdout_fd = stdout.fileno()
        self._thread = threading.Thread(target=self._loop, name="studio-job-output", daemon=True)
        self._thread.start()

    def join(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def still_open(self) -> list[str]:
        return [state.stream for _, state in list(self._pipes.values())]

    def _loop(self) -> None:
        selector = selectors.DefaultSelector()
        try:
            for fd in self._pipes:
                selector.register(fd, selectors.EVENT_READ)
            while self._pipes:
                ready = {key.fd for key, _ in selector.select()}
                if self._stdout_fd in ready:
                    self._read(selector, self._stdout_fd, READ_CHUNK)
                for fd in ready - {self._stdout_fd}:
                    if self._stdout_fd in self._pipes:
                        self._read(selector, self._stdout_fd, _pending_bytes(self._stdout_fd))
                    self._read(selector, fd, READ_CHUNK)
        except Exception as error:  # noqa: BLE001 - reported in the log, the job goes on
            self._shipper.write("system", f"reading the job's output failed: {error!r}")
        finally:
            selector.close()
            for pipe, _ in list(self._pipes.values()):
                try:
                    pipe.close()
                except Exception:
                    pass

    def _read(self, selector: selectors.BaseSelector, fd: int, size: int) -> None:
        if size <= 0:
            return
        pipe, state = self._pipes[fd]
        data = os.read(fd, size)
        if not data:
            selector.unregister(fd)
            del self._pipes[fd]
            rest = state.pending
            state.pending = b""
            text = state.decoder.decode(rest, final=True)
            if text:
                self._emit(state, text)
            pipe.close()
            return
        buffer = state.pending + data
        start = 0
        while True:
            end = buffer.find(b"\n", start, start + MAX_LINE_BYTES)
            if end == -1:
                if len(buffer) - start < MAX_LINE_BYTES:
                    break
                end = start + MAX_LINE_BYTES - 1  # a piece of a long line, shipped as a line
            self._emit(state, state.decoder.decode(buffer[start : end + 1]))
            start = end + 1
        state.pending = buffer[start:]

    def _emit(self, state: _StreamState, text: str) -> None:
        if not text:
            return
        if not text.endswith("\n"):
            text += "\n"
        if state.track:
            state.observe(text)
        self._shipper.write(state.stream, text)


# --- set-up ---------------------------------------------------------------------------------------


def _safe_segment(value: Any, what: str) -> str:
    text = str(value)
    if not re.fullmatch(r"[A-Za-z0-9_.\-]{1,128}", text) or text in (".", ".."):
        raise JobSetupError(f"Invalid {what} {text!r}")
    return text


def _safe_filename(value: Any, fallback: str) -> str:
    name = Path(str(value or "").replace("\\", "/")).name
    return name if name not in ("", ".", "..") else fallback


def extract_zip(archive: Path, dest: Path) -> list[str]:
    """Extracts a code archive, refusing absolute paths, `..` entries and symlinks."""
    try:
        zf = zipfile.ZipFile(archive)
    except zipfile.BadZipFile as error:
        raise JobSetupError(f"The code archive is not a valid zip file ({error}).") from None
    with zf:
        names = []
        for info in zf.infolist():
            name = info.filename
            parts = re.split(r"[\\/]", name)
            if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
                raise JobSetupError(f"The code archive has an entry with an absolute path ({name!r}); refused.")
            if ".." in parts:
                raise JobSetupError(f"The code archive has an entry that leaves its folder ({name!r}); refused.")
            if stat.S_ISLNK(info.external_attr >> 16):
                raise JobSetupError(f"The code archive has a symbolic link ({name!r}); refused.")
            names.append(name)
        dest.mkdir(parents=True, exist_ok=True)
        root = dest.resolve()
        for info in zf.infolist():
            target = (dest / info.filename).resolve()
            if target != root and root not in target.parents:
                raise JobSetupError(f"The code archive has an entry outside its folder ({info.filename!r}); refused.")
        zf.extractall(dest)
    return names


def _entry_point(code_dir: Path, entry: str | None, names: list[str]) -> Path:
    """The script to run in an extracted archive."""
    root = code_dir.resolve()
    candidates: list[str] = []
    if entry:
        entry = entry.replace("\\", "/")
        while entry.startswith("./"):
            entry = entry[2:]
        candidates.append(entry)
        tops = {n.split("/", 1)[0] for n in names if n.strip("/")}
        if len(tops) == 1:  # a zip of a folder: entry point given relative to that folder
            candidates.append(f"{next(iter(tops))}/{entry}")
    else:
        top_py = sorted(n for n in names if "/" not in n.rstrip("/") and n.endswith(".py"))
        if "train.py" in top_py:
            candidates.append("train.py")
        elif len(top_py) == 1:
            candidates.append(top_py[0])
        else:
            raise JobSetupError("The job has a code archive but no entry point (the script to run in it).")
    for candidate in candidates:
        path = (code_dir / candidate).resolve()
        if root not in path.parents:
            raise JobSetupError(f"The entry point {entry!r} is outside the code folder.")
        if path.is_file():
            return path
    raise JobSetupError(f"The entry point {entry!r} is not in the code archive (it has: {', '.join(names[:20])}).")


def clip(text: str, limit: int = REASON_LIMIT) -> str:
    """At most `limit` UTF-16 code units (how the studio counts string lengths)."""
    if len(text.encode("utf-16-le")) // 2 <= limit:
        return text
    text = text[:limit]
    while len(text.encode("utf-16-le")) // 2 > limit:
        text = text[:-1]
    return text


def _human(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


class JobRunner:
    def __init__(self, env: dict[str, str] | None = None, cwd: Path | None = None):
        env = dict(os.environ if env is None else env)
        for key, value in list(env.items()):  # what the gateway passed as KERNEL_STUDIO_X
            if key.startswith("KERNEL_STUDIO_") and not env.get(key[len("KERNEL_"):]):
                env[key[len("KERNEL_"):]] = value
        missing = [k for k in ("STUDIO_URL", "STUDIO_TOKEN", "STUDIO_JOB_ID") if not env.get(k)]
        if missing:
            raise SystemExit(f"studio runner: {', '.join(missing)} not set")
        self.env = env
        self.client = Client(Config(url=env["STUDIO_URL"].rstrip("/"), token=env["STUDIO_TOKEN"], project=env.get("STUDIO_PROJECT_ID")))
        self.job_id = env["STUDIO_JOB_ID"]
        try:
            self.attempt = int(env.get("STUDIO_JOB_ATTEMPT") or 1)
        except ValueError:
            self.attempt = 1
        self.run_id = env.get("STUDIO_RUN_ID") or None
        self.cwd = Path(cwd or os.getcwd())
        self.stop_requested = threading.Event()
        self.shipper = LogShipper(self.client, self.job_id, self.attempt, self.stop_requested.set)
        self.status = StatusReporter(self.client, self.job_id, self.attempt)
        self.heartbeat: Heartbeat | None = None
        self.workdir: Path | None = None

    # --- steps ------------------------------------------------------------------------------------

    def fetch_spec(self) -> dict[str, Any]:
        deadline = time.monotonic() + SETUP_RETRY_SECONDS
        answer = retrying(lambda: self.client.request_json("GET", f"/api/jobs/{self.job_id}/spec"), deadline=deadline)
        job = (answer or {}).get("job")
        if not isinstance(job, dict):
            raise JobSetupError("The studio's job spec has no `job`.")
        return job

    def download(self, api_path: str, target: Path) -> Path:
        from .datasets import _download_to

        return _download_to(api_path, target, time.monotonic() + SETUP_RETRY_SECONDS, client=self.client)

    def prepare(self, job: dict[str, Any]) -> tuple[list[str], Path, dict[str, str]]:
        """Lays out the working directory; returns the child's command, cwd and environment."""
        attempt_dir = self.cwd / "jobs" / _safe_segment(self.job_id, "job id") / f"attempt-{self.attempt}"
        if attempt_dir.exists():
            shutil.rmtree(attempt_dir)
        code_dir, input_dir, model_dir, output_dir = (attempt_dir / d for d in ("code", "input", "model", "output"))
        for d in (code_dir, input_dir / "data", input_dir / "config", model_dir, output_dir):
            d.mkdir(parents=True, exist_ok=True)
        self.workdir = attempt_dir
        self.shipper.system(f"Working directory: {attempt_dir}")

        hyperparameters = {str(k): str(v) for k, v in (job.get("hyperparameters") or {}).items()}
        (input_dir / "config" / "hyperparameters.json").write_text(json.dumps(hyperparameters, indent=2) + "\n", encoding="utf-8")

        channels: dict[str, Path] = {}
        for spec in job.get("inputs") or []:
            channel = _safe_segment(spec.get("channel"), "input channel")
            channel_dir = input_dir / "data" / channel
            channel_dir.mkdir(parents=True, exist_ok=True)
            filename = _safe_filename(spec.get("filename"), f"data.{spec.get('format') or 'bin'}")
            label = f"{spec.get('name')} v{spec.get('version')}"
            self.shipper.system(f"Downloading input '{channel}': {label} ({filename})…")
            started = time.monotonic()
            path = spec.get("downloadPath")
            if not path:
                raise JobSetupError(f"Input '{channel}' has no download path.")
            try:
                target = self.download(path, channel_dir / filename)
            except StudioError as error:
                raise JobSetupError(f"Could not download input '{channel}' ({label}): {error}") from None
            self.shipper.system(f"Downloaded {filename} ({_human(target.stat().st_size)}) in {time.monotonic() - started:.1f} s")
            channels[channel] = channel_dir
            self._check_stop()

        source_type = job.get("sourceType")
        code_filename = _safe_filename(job.get("codeFilename"), "code")
        user_args: list[str] = []
        for name, value in hyperparameters.items():
            user_args += [f"--{name}", value]
        python = sys.executable
        cwd = code_dir
        if source_type in ("script", "notebook"):
            if not job.get("codePath"):
                raise JobSetupError("The job has no code.")
            self.shipper.system(f"Downloading code ({code_filename})…")
            if code_filename.lower().endswith(".zip"):
                archive = attempt_dir / "code.zip"
                try:
                    self.download(job["codePath"], archive)
                except StudioError as error:
                    raise JobSetupError(f"Could not download the code: {error}") from None
                names = extract_zip(archive, code_dir)
                archive.unlink()
                entry = _entry_point(code_dir, job.get("entryPoint"), names)
                command = [python, str(entry), *user_args]
                cwd = code_dir
            else:
                try:
                    script = self.download(job["codePath"], code_dir / code_filename)
                except StudioError as error:
                    raise JobSetupError(f"Could not download the code: {error}") from None
                if source_type == "notebook" or code_filename.lower().endswith(".ipynb"):
                    command = [python, "-m", "studio._notebook_exec", str(script)]
                elif code_filename.lower().endswith(".py"):
                    command = [python, str(script), *user_args]
                else:
                    raise JobSetupError(f"Cannot run {code_filename!r}: a script job takes a .py file or a .zip of a folder.")
        elif source_type == "builtin":
            algorithm = job.get("algorithm")
            if not algorithm:
                raise JobSetupError("A builtin job needs an algorithm.")
            command = [python, "-m", "studio.algorithms", str(algorithm)]
            cwd = attempt_dir
        else:
            raise JobSetupError(f"Unknown source type {source_type!r}.")

        env = {k: v for k, v in self.env.items() if not k.startswith(("JPY_", "PYDEVD_"))}
        if env.get("MPLBACKEND", "").startswith("module://"):
            env.pop("MPLBACKEND")  # the kernel's inline backend means nothing in a plain process
        env.setdefault("MPLBACKEND", "Agg")
        env.update(
            {
                "SM_MODEL_DIR": str(model_dir),
                "SM_OUTPUT_DATA_DIR": str(output_dir),
                "SM_OUTPUT_DIR": str(output_dir),
                "SM_INPUT_DIR": str(input_dir),
                "SM_INPUT_CONFIG_DIR": str(input_dir / "config"),
                "SM_CHANNELS": json.dumps(sorted(channels)),
                "SM_HPS": json.dumps(hyperparameters),
                "SM_USER_ARGS": json.dumps(user_args),
                "SM_MODULE_DIR": str(code_dir),
                "STUDIO_JOB_ID": self.job_id,
                "STUDIO_JOB_ATTEMPT": str(self.attempt),
                "STUDIO_JOB_DIR": str(attempt_dir),
                "PYTHONUNBUFFERED": "1",
            }
        )
        if self.run_id:
            env["STUDIO_RUN_ID"] = self.run_id
        for channel, path in channels.items():
            env[f"SM_CHANNEL_{re.sub(r'[^A-Za-z0-9]', '_', channel).upper()}"] = str(path)
        for name, value in hyperparameters.items():
            env[f"SM_HP_{re.sub(r'[^A-Za-z0-9]', '_', name).upper()}"] = value
        env["PYTHONPATH"] = os.pathsep.join([str(code_dir), *([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])])
        return command, cwd, env

    def _check_stop(self) -> None:
        if self.stop_requested.is_set():
            raise _Stopped()

    def run_child(self, command: list[str], cwd: Path, env: dict[str, str], max_runtime: int | None) -> dict[str, Any]:
        base = str(self.workdir) + os.sep if self.workdir else None
        shown = " ".join(c[len(base):] if base and c.startswith(base) else c for c in command[1:])
        self.shipper.system(f"Starting: python {shown}")
        child = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group: a stop ends everything it started
        )
        self.status.report_async("running")
        pump = OutputPump(child.stdout, child.stderr, self.shipper)
        started = time.monotonic()
        terminated_at: float | None = None
        killed = False
        why: str | None = None
        while child.poll() is None:
            now = time.monotonic()
            if terminated_at is None:
                if self.stop_requested.is_set():
                    why = "stopped"
                elif max_runtime and now - started > max_runtime:
                    why = "timeout"
                if why:
                    self.shipper.system(
                        "Stop requested: sending SIGTERM to the job's processes"
                        if why == "stopped"
                        else f"The job ran longer than its limit of {max_runtime} s: sending SIGTERM"
                    )
                    _signal_group(child.pid, signal.SIGTERM)
                    terminated_at = now
            elif not killed and now - terminated_at > KILL_GRACE_SECONDS:
                self.shipper.system(f"Still running {KILL_GRACE_SECONDS:g} s after SIGTERM: sending SIGKILL")
                _signal_group(child.pid, signal.SIGKILL)
                killed = True
            time.sleep(0.1)
        code = child.returncode
        # Whatever it left behind in its group (e.g. a background process holding the pipes) ends with it.
        _signal_group(child.pid, signal.SIGKILL)
        if not pump.join(timeout=10):
            for stream in pump.still_open():
                self.shipper.system(f"(the job's {stream} stayed open after it exited; the rest is not shown)")
        elapsed = time.monotonic() - started
        self.shipper.system(f"Exited with code {code} after {elapsed:.1f} s")
        return {"code": code, "why": why, "err": pump.err}

    def upload_outputs(self) -> tuple[int, list[str]]:
        from ._artifacts import iter_files, upload_file

        assert self.workdir is not None
        if not self.run_id:
            self.shipper.system("No run to upload model/ and output/ to (STUDIO_RUN_ID unset)")
            return 0, []
        files: list[tuple[Path, str]] = []
        for folder in ("model", "output"):
            base = self.workdir / folder
            for current, dirs, names in os.walk(base):
                for name in names + dirs:
                    p = Path(current) / name
                    if p.is_symlink():
                        self.shipper.system(f"Not uploading {p.relative_to(self.workdir)}: a symbolic link")
            for path in iter_files(base, follow_file_links=False):
                files.append((path, f"{folder}/{path.relative_to(base).as_posix()}"))
        if not files:
            return 0, []
        total = sum(p.stat().st_size for p, _ in files)
        self.shipper.system(f"Uploading {len(files)} file{'s' if len(files) != 1 else ''} from model/ and output/ ({_human(total)})…")
        errors = []
        for path, key in files:
            try:
                upload_file(self.client, self.run_id, path, key, deadline=None)
            except (StudioError, OSError) as error:
                errors.append(f"{key}: {error}")
                self.shipper.system(f"Could not upload {key}: {error}")
        if not errors:
            self.shipper.system("Uploaded")
        return len(files) - len(errors), errors

    # --- the whole job ----------------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        result: dict[str, Any]
        self.heartbeat = Heartbeat(self.client, self.job_id, self.attempt, self.shipper, self.stop_requested.set)
        try:
            job = self.fetch_spec()
            self.run_id = self.run_id or job.get("runId")
            self.shipper.system(f"Job {job.get('name') or self.job_id}, attempt {self.attempt} ({job.get('sourceType')})")
            command, cwd, env = self.prepare(job)
            self._check_stop()
            outcome = self.run_child(command, cwd, env, job.get("maxRuntimeSeconds") or None)
            if outcome["why"]:
                # Stopped or out of time: the worker gives the runner only a short grace period, so
                # the status is reported now rather than after a possibly long upload.
                self.shipper.system("model/ and output/ are not uploaded (the job was stopped)")
                upload_errors: list[str] = []
            else:
                _uploaded, upload_errors = self.upload_outputs()
            result = self._final(outcome, upload_errors)
        except _Stopped:
            self.shipper.system("Stopped before the job's code started")
            result = {"status": "stopped"}
        except JobSetupError as error:
            self.shipper.system(f"Job set-up failed: {error}")
            result = {"status": "failed", "reason": str(error)}
        except BaseException as error:  # noqa: BLE001 - reported, never lost
            details = traceback.format_exc()
            self.shipper.write("system", f"The job runner failed:\n{details}")
            reason = f"The job runner failed: {type(error).__name__}: {error}"
            if isinstance(error, (StudioError, TransientError)):
                reason = f"Job set-up failed: {error}"
            result = {"status": "failed", "reason": reason}
        finally:
            self.heartbeat.stop()
        self.shipper.close()
        if "reason" in result:
            result["reason"] = clip(result["reason"])
        self.status.report(result["status"], **{k: v for k, v in result.items() if k in ("exitCode", "reason")})
        return result

    def _final(self, outcome: dict[str, Any], upload_errors: list[str]) -> dict[str, Any]:
        code: int = outcome["code"]
        exit_code = code if code >= 0 else 128 - code
        why = outcome["why"]
        err: _StreamState = outcome["err"]
        if why == "stopped":
            return {"status": "stopped", "exitCode": exit_code}
        if why == "timeout":
            return {"status": "failed", "exitCode": exit_code, "reason": "The job ran longer than its maximum runtime and was stopped."}
        if code == 0:
            if upload_errors:
                return {"status": "failed", "exitCode": 0, "reason": ("Uploading the job's files failed: " + "; ".join(upload_errors))}
            return {"status": "completed", "exitCode": 0}
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            headline = f"Killed by {name}" + (" (out of memory?)" if -code == signal.SIGKILL else "")
        else:
            headline = err.last_exception or f"Exited with code {code}"
        tail = "\n".join(err.tail)
        reason = headline
        if tail:
            reason += "\n\nLast lines of stderr:\n"
            room = REASON_LIMIT - len(reason)
            reason += tail[-room:] if room > 0 else ""
        return {"status": "failed", "exitCode": exit_code, "reason": reason}


class _Stopped(Exception):
    pass


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def run_job() -> dict[str, Any]:
    """Runs the job named by the environment; returns {"status", "exitCode"?, "reason"?}."""
    runner = JobRunner()
    result = runner.run()
    print(f"Job {runner.job_id} attempt {runner.attempt}: {result['status']}", flush=True)
    return result


def main() -> int:
    result = run_job()
    return 0 if result["status"] == "completed" else 1


if __name__ == "__main__":
    sys.exit(main())
