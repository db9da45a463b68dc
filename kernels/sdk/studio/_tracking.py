"""Runs, params, metrics and tags: logged into an in-memory queue and sent in the background."""

from __future__ import annotations

import atexit
import logging
import math
import os
import re
import threading
import time
import uuid
import warnings
from collections import deque
from dataclasses import dataclass
from typing import Any, Mapping

from ._http import Client, Config, StudioError, TransientError, backoff_delays, retrying

logger = logging.getLogger("studio")

KEY_RE = re.compile(r"^[A-Za-z0-9_\-. /:]{1,250}$")
MAX_PARAM_VALUE = 6000
MAX_TAG_VALUE = 5000
MAX_METRICS_PER_BATCH = 1000  # the server takes 10,000; smaller batches keep each request short
MAX_PARAMS_PER_BATCH = 1000
MAX_TAGS_PER_BATCH = 1000
BATCH_INTERVAL = 0.2  # seconds a first queued item waits for company
MAX_QUEUED = 1_000_000  # log calls block only beyond this many unsent items


class StudioWarning(UserWarning):
    """Something logged could not be stored (the studio refused it)."""


def _warn(message: str) -> None:
    warnings.warn(message, StudioWarning, stacklevel=2)


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, "") or default)
    except ValueError:
        return default


def flush_timeout_default() -> float:
    return _env_float("STUDIO_FLUSH_TIMEOUT", 300.0)


def config_from_env() -> Config:
    return Config(
        url=(os.environ.get("STUDIO_URL") or "").rstrip("/"),
        token=os.environ.get("STUDIO_TOKEN") or None,
        project=os.environ.get("STUDIO_PROJECT_ID") or None,
    )


def check_key(key: Any, what: str) -> str:
    if not isinstance(key, str) or not KEY_RE.match(key):
        raise ValueError(
            f"Invalid {what} key {key!r}: 1-250 characters of letters, digits, and _ - . / : or space."
        )
    return key


def metric_value(value: Any) -> float | int | str:
    """A JSON number, or "NaN" / "Infinity" / "-Infinity" (JSON has no literal for them)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    try:
        number = float(value)  # numpy scalars, Decimal, 0-d arrays, torch scalars (via __float__)
    except (TypeError, ValueError):
        raise TypeError(f"A metric value must be a number, not {type(value).__name__} ({value!r}).") from None
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    return number


def _now_ms() -> int:
    return int(time.time() * 1000)


class Run:
    """A run of the studio. Created lazily: `run.id` waits for the studio if it has to."""

    def __init__(
        self,
        session: "Session",
        *,
        run_id: str | None = None,
        name: str | None = None,
        experiment: str | None = None,
        tags: Mapping[str, Any] | None = None,
        job: bool = False,
        auto: bool = False,
    ):
        self._session = session
        self._client = session.client
        self._id = run_id
        self._error: StudioError | None = None
        self._lock = threading.Lock()
        self.name = name
        self.experiment = experiment
        self.job = job  # the run of a studio job: the job ends it, never the SDK
        self.auto = auto  # created by a first log call with no active run
        self.ended = False
        self.status: str | None = None
        self._initial_tags = {str(k): str(v) for k, v in (tags or {}).items()}
        self._next_step: dict[str, int] = {}
        self._params: dict[str, str] = {}

    def __repr__(self) -> str:
        state = self.status or ("running" if not self.ended else "ended")
        return f"<studio.Run id={self._id or '(being created)'} experiment={self.experiment!r} name={self.name!r} {state}>"

    # --- creation -------------------------------------------------------------------------------

    def _create_once(self) -> str:
        env = os.environ
        body: dict[str, Any] = {
            "experiment": self.experiment or "Default",
            "source": "notebook" if env.get("STUDIO_NOTEBOOK_ID") else "sdk",
        }
        if self.name:
            body["name"] = self.name
        if env.get("STUDIO_NOTEBOOK_ID"):
            body["notebookId"] = env["STUDIO_NOTEBOOK_ID"]
        if self._initial_tags:
            body["tags"] = self._initial_tags
        project = self._client.config.require_project()
        answer = self._client.request_json("POST", f"/api/projects/{project}/runs", json_body=body)
        run = (answer or {}).get("run") or {}
        if not run.get("id"):
            raise TransientError(f"POST /api/projects/{project}/runs: no run in the answer")
        if run.get("name") and not self.name:
            self.name = str(run["name"])
        return str(run["id"])

    def _ensure_created(self, deadline: float | None) -> str:
        """The run's id, creating the run if needed (one attempt at a time, retried until deadline)."""
        delays = backoff_delays()
        while True:
            with self._lock:
                if self._id is not None:
                    return self._id
                if self._error is not None:
                    raise self._error
                try:
                    self._id = self._create_once()
                    return self._id
                except StudioError as error:
                    self._error = StudioError(f"Could not create the run: {error}", status=error.status, code=error.code)
                    raise self._error from None
                except TransientError as error:
                    last = error
            delay = next(delays)
            if deadline is not None and time.monotonic() + delay > deadline:
                raise last
            time.sleep(delay)

    @property
    def id(self) -> str:
        return self._ensure_created(time.monotonic() + flush_timeout_default())

    # --- logging into this run ------------------------------------------------------------------

    def log_param(self, key: str, value: Any) -> None:
        self._session.log_params({key: value}, run=self)

    def log_params(self, params: Mapping[str, Any]) -> None:
        self._session.log_params(params, run=self)

    def log_metric(self, key: str, value: Any, step: int | None = None) -> None:
        self._session.log_metrics({key: value}, step=step, run=self)

    def log_metrics(self, metrics: Mapping[str, Any], step: int | None = None) -> None:
        self._session.log_metrics(metrics, step=step, run=self)

    def set_tag(self, key: str, value: Any) -> None:
        self._session.set_tags({key: value}, run=self)

    def set_tags(self, tags: Mapping[str, Any]) -> None:
        self._session.set_tags(tags, run=self)

    def end(self, status: str = "completed") -> None:
        self._session.end_run(status, run=self)

    def __enter__(self) -> "Run":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self._session.end_run("completed" if exc_type is None else "failed", run=self)


@dataclass
class _Item:
    run: Run
    kind: str  # metric | param | tag | create | end
    payload: Any = None


class Batcher:
    """One background thread per process sends what the log calls queued, in order."""

    def __init__(self) -> None:
        self.source = str(uuid.uuid4())
        self._seq = 0
        self._cond = threading.Condition()
        self._queue: deque[_Item] = deque()
        self._metrics_queued = 0
        self._enqueued = 0
        self._done = 0
        self._urgent = 0
        self._thread: threading.Thread | None = None
        self._unreachable = False

    @property
    def used(self) -> bool:
        return self._enqueued > 0

    def put(self, items: list[_Item]) -> None:
        with self._cond:
            while len(self._queue) >= MAX_QUEUED:
                self._urgent += 1
                self._cond.notify_all()
                self._cond.wait(1.0)
                self._urgent -= 1
            was_empty = not self._queue
            self._queue.extend(items)
            self._enqueued += len(items)
            self._metrics_queued += sum(1 for i in items if i.kind == "metric")
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="studio-sdk-sender", daemon=True)
                self._thread.start()
            if was_empty or self._metrics_queued >= MAX_METRICS_PER_BATCH or any(i.kind in ("end", "create") for i in items):
                self._cond.notify_all()

    def flush(self, timeout: float | None = None) -> bool:
        """Waits until everything queued before this call was sent (or dropped with a warning)."""
        with self._cond:
            target = self._enqueued
            if self._done >= target:
                return True
            self._urgent += 1
            self._cond.notify_all()
            try:
                return self._cond.wait_for(lambda: self._done >= target, timeout)
            finally:
                self._urgent -= 1

    def pending(self) -> int:
        with self._cond:
            return self._enqueued - self._done

    # --- sender thread --------------------------------------------------------------------------

    def _take(self) -> list[_Item]:
        """Blocks until a batch is due; returns it (consecutive items of one run, within the limits)."""
        with self._cond:
            while not self._queue:
                self._cond.wait()
            due = time.monotonic() + BATCH_INTERVAL
            while (
                not self._urgent
                and self._metrics_queued < MAX_METRICS_PER_BATCH
                and not any(i.kind in ("end", "create") for i in self._queue)
                and (left := due - time.monotonic()) > 0
            ):
                self._cond.wait(left)
            first = self._queue[0]
            if first.kind in ("end", "create"):
                self._queue.popleft()
                return [first]
            taken: list[_Item] = []
            counts = {"metric": 0, "param": 0, "tag": 0}
            limits = {"metric": MAX_METRICS_PER_BATCH, "param": MAX_PARAMS_PER_BATCH, "tag": MAX_TAGS_PER_BATCH}
            while self._queue:
                item = self._queue[0]
                if item.run is not first.run or item.kind in ("end", "create") or counts[item.kind] >= limits[item.kind]:
                    break
                counts[item.kind] += 1
                taken.append(self._queue.popleft())
            self._metrics_queued -= counts["metric"]
            self._cond.notify_all()  # a put() waiting for room
            return taken

    def _finished(self, n: int) -> None:
        with self._cond:
            self._done += n
            self._cond.notify_all()

    def _loop(self) -> None:
        while True:
            items = self._take()
            try:
                self._send(items)
            except Exception as error:  # never let the thread die: later items must still be sent
                _warn(f"studio: dropped {len(items)} logged values after an unexpected error: {error!r}")
            finally:
                self._finished(len(items))

    def _on_retry(self, error: TransientError, delay: float) -> None:
        if not self._unreachable:
            self._unreachable = True
            logger.warning("studio: %s; retrying in the background (logging goes on).", error)

    def _retry(self, call):
        result = retrying(call, on_retry=self._on_retry)
        if self._unreachable:
            self._unreachable = False
            logger.warning("studio: reachable again; queued values are being sent.")
        return result

    def _run_id(self, run: Run) -> str | None:
        try:
            return run._ensure_created(deadline=None)
        except StudioError as error:
            if not getattr(run, "_creation_warned", False):
                run._creation_warned = True
                _warn(f"studio: {error}; what is logged into this run is dropped.")
            return None

    def _send(self, items: list[_Item]) -> None:
        run = items[0].run
        kind = items[0].kind
        run_id = self._run_id(run)
        if run_id is None:
            return
        if kind == "create":
            return
        if kind == "end":
            status = items[0].payload
            try:
                self._retry(lambda: run._client.request_json("PATCH", f"/api/runs/{run_id}", json_body={"status": status}))
            except StudioError as error:
                _warn(f"studio: could not end run {run_id} as {status}: {error}")
            return
        metrics = [i.payload for i in items if i.kind == "metric"]
        params = [i.payload for i in items if i.kind == "param"]
        tags = [i.payload for i in items if i.kind == "tag"]
        try:
            self._post_batch(run, run_id, metrics, params, tags)
        except StudioError as error:
            if error.status == 409 and params:
                # A param was logged before with another value (by another process): the whole batch
                # was refused. Store the rest, then each param alone to name the culprit(s).
                if metrics or tags:
                    self._post_or_warn(run, run_id, metrics, [], tags)
                for param in params:
                    self._post_or_warn(run, run_id, [], [param], [], what=f"param {param['key']!r}={param['value']!r}")
                return
            _warn(f"studio: dropped {self._describe(metrics, params, tags)} for run {run_id}: {error}")

    def _post_or_warn(self, run: Run, run_id: str, metrics, params, tags, what: str | None = None) -> None:
        try:
            self._post_batch(run, run_id, metrics, params, tags)
        except StudioError as error:
            if what and error.status == 409:
                _warn(f"studio: {what} was not stored: the run already has this param with another value ({error}).")
            else:
                _warn(f"studio: dropped {what or self._describe(metrics, params, tags)} for run {run_id}: {error}")

    @staticmethod
    def _describe(metrics, params, tags) -> str:
        parts = [f"{len(x)} {name}" for x, name in ((metrics, "metrics"), (params, "params"), (tags, "tags")) if x]
        return ", ".join(parts) or "an empty batch"

    def _post_batch(self, run: Run, run_id: str, metrics, params, tags) -> None:
        seq = self._seq
        self._seq += 1
        body: dict[str, Any] = {"source": self.source, "seq": seq}
        if metrics:
            body["metrics"] = metrics
        if params:
            body["params"] = params
        if tags:
            body["tags"] = tags
        # Re-sent with the same seq on every retry: the studio stores a (source, seq) once.
        self._retry(lambda: run._client.request_json("POST", f"/api/runs/{run_id}/batch", json_body=body))


class Session:
    """The module-level state behind `studio.*` (one per process)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.client = Client(config_from_env())
        self.batcher = Batcher()
        self.active: Run | None = None
        self._job_run: Run | None = None
        self._load_job_run()

    def _load_job_run(self) -> None:
        run_id = os.environ.get("STUDIO_RUN_ID")
        self._job_run = Run(self, run_id=run_id, job=True) if run_id else None
        if self._job_run is not None:
            self.active = self._job_run

    def init(self, url: str | None = None, token: str | None = None, project: str | None = None) -> None:
        env = config_from_env()
        with self.lock:
            self.client = Client(Config(url=(url or env.url).rstrip("/"), token=token or env.token, project=project or env.project))
            if self._job_run is not None:
                self._job_run._client = self.client

    def after_fork(self) -> None:
        # A forked child (e.g. a data-loader worker) gets its own queue, sender and client id.
        self.lock = threading.RLock()
        self.batcher = Batcher()
        for run in (self.active, self._job_run):
            if run is not None:
                run._lock = threading.Lock()  # the parent's sender may have held it at the fork

    # --- runs -----------------------------------------------------------------------------------

    @staticmethod
    def default_experiment() -> str:
        env = os.environ
        if env.get("STUDIO_EXPERIMENT"):
            return env["STUDIO_EXPERIMENT"]
        if env.get("STUDIO_NOTEBOOK_ID") and env.get("STUDIO_NOTEBOOK_NAME"):
            return env["STUDIO_NOTEBOOK_NAME"]
        return "Default"

    def start_run(self, name: str | None = None, experiment: str | None = None, tags: Mapping[str, Any] | None = None) -> Run:
        with self.lock:
            if self._job_run is not None:
                # Inside a job the job's run is the run: nothing to create.
                if tags:
                    self.set_tags(tags, run=self._job_run)
                return self._job_run
            if self.active is not None and not self.active.ended:
                if self.active.auto:
                    self.end_run("completed", run=self.active)
                else:
                    raise StudioError(
                        f"A run is already active ({self.active!r}); end it with studio.end_run() first "
                        "(or use `with studio.start_run(): ...`)."
                    )
            run = Run(self, name=name, experiment=experiment or self.default_experiment(), tags=tags)
            self.active = run
        self.batcher.put([_Item(run, "create")])
        return run

    def end_run(self, status: str = "completed", run: Run | None = None) -> None:
        if status not in ("completed", "failed", "stopped"):
            raise ValueError(f"status must be completed, failed or stopped, not {status!r}")
        with self.lock:
            run = run or self.active
            if run is None or run.ended:
                return
            if run.job:
                return  # the job's run ends with the job
            run.ended = True
            run.status = status
            if self.active is run:
                self.active = None
        self.batcher.put([_Item(run, "end", status)])

    def current(self, create: bool) -> Run | None:
        with self.lock:
            if self.active is not None and not self.active.ended:
                return self.active
            if not create:
                return None
            run = Run(self, experiment=self.default_experiment(), auto=True)
            self.active = run
        self.batcher.put([_Item(run, "create")])
        return run

    # --- logging --------------------------------------------------------------------------------

    def log_metrics(self, metrics: Mapping[str, Any], step: int | None = None, run: Run | None = None) -> None:
        run = run or self.current(create=True)
        timestamp = _now_ms()
        items = []
        with self.lock:
            for key, value in metrics.items():
                check_key(key, "metric")
                encoded = metric_value(value)
                if step is None:
                    this_step = run._next_step.get(key, 0)
                else:
                    this_step = int(step)
                run._next_step[key] = max(run._next_step.get(key, 0), this_step + 1)
                items.append(_Item(run, "metric", {"key": key, "value": encoded, "step": this_step, "timestamp": timestamp}))
        self.batcher.put(items)

    def log_params(self, params: Mapping[str, Any], run: Run | None = None) -> None:
        run = run or self.current(create=True)
        items = []
        with self.lock:
            for key, value in params.items():
                check_key(key, "param")
                text = str(value)
                if len(text) > MAX_PARAM_VALUE:
                    raise ValueError(f"The value of param {key!r} has {len(text)} characters; at most {MAX_PARAM_VALUE} are stored.")
                previous = run._params.get(key)
                if previous is not None:
                    if previous != text:
                        _warn(f"studio: param {key!r} was already logged as {previous!r}; {text!r} is not stored (params cannot change).")
                    continue
                run._params[key] = text
                items.append(_Item(run, "param", {"key": key, "value": text}))
        if items:
            self.batcher.put(items)

    def set_tags(self, tags: Mapping[str, Any], run: Run | None = None) -> None:
        run = run or self.current(create=True)
        items = []
        for key, value in tags.items():
            check_key(key, "tag")
            text = str(value)
            if len(text) > MAX_TAG_VALUE:
                raise ValueError(f"The value of tag {key!r} has {len(text)} characters; at most {MAX_TAG_VALUE} are stored.")
            items.append(_Item(run, "tag", {"key": key, "value": text}))
        self.batcher.put(items)

    def flush(self, timeout: float | None = None) -> bool:
        return self.batcher.flush(timeout)

    # --- exit -----------------------------------------------------------------------------------

    def at_exit(self) -> None:
        with self.lock:
            active = self.active
        if active is not None and not active.job and not active.ended and (active.auto or self.batcher.used):
            self.end_run("completed", run=active)
        if not self.batcher.used:
            return
        timeout = flush_timeout_default()
        if not self.batcher.flush(timeout):
            pending = self.batcher.pending()
            print(
                f"studio: {pending} logged values could not be sent within STUDIO_FLUSH_TIMEOUT={timeout:g} s and are lost.",
                file=__import__("sys").stderr,
            )


session = Session()


def _at_exit() -> None:
    try:
        session.at_exit()
    except Exception as error:  # an exit hook must not raise
        print(f"studio: flushing at exit failed: {error!r}", file=__import__("sys").stderr)


atexit.register(_at_exit)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=lambda: session.after_fork())
