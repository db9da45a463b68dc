"""The studio's Python SDK: experiment tracking, datasets and models.

    import studio
    studio.log_param("lr", 0.1)
    for epoch in range(10):
        studio.log_metric("loss", loss)          # queued; sent in the background
    studio.log_model(model, input_example=X)     # model.joblib + studio-model.json
    df = studio.datasets.get("iris")

Configured from the environment the studio sets in its kernels and jobs (STUDIO_URL,
STUDIO_TOKEN, STUDIO_PROJECT_ID, ...); elsewhere call `studio.init(url=, token=, project=)`.
"""

from __future__ import annotations

import os
from typing import Any, Mapping


def _adopt_kernel_env(environ=os.environ) -> None:
    """Gateways pass only KERNEL_* variables into kernels: KERNEL_STUDIO_X counts as STUDIO_X."""
    for key, value in list(environ.items()):
        if key.startswith("KERNEL_STUDIO_") and not environ.get(key[len("KERNEL_"):]):
            environ[key[len("KERNEL_"):]] = value


_adopt_kernel_env()

from . import datasets  # noqa: E402
from ._http import StudioError  # noqa: E402
from ._model import save_model  # noqa: E402
from ._tracking import Run, StudioWarning, session as _session  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "init",
    "start_run",
    "end_run",
    "active_run",
    "current_run",
    "get_run",
    "log_param",
    "log_params",
    "log_metric",
    "log_metrics",
    "set_tag",
    "set_tags",
    "log_artifact",
    "log_artifacts",
    "log_model",
    "save_model",
    "flush",
    "datasets",
    "Run",
    "StudioError",
    "StudioWarning",
]


def init(url: str | None = None, token: str | None = None, project: str | None = None) -> None:
    """Points the SDK at a studio (each argument defaults to STUDIO_URL / STUDIO_TOKEN / STUDIO_PROJECT_ID)."""
    _session.init(url=url, token=token, project=project)


def start_run(name: str | None = None, experiment: str | None = None, tags: Mapping[str, Any] | None = None) -> Run:
    """Starts a run (created in the background); `with studio.start_run(): ...` ends it.

    experiment defaults to STUDIO_EXPERIMENT, else the notebook's name in a notebook, else "Default".
    Inside a job, returns the job's run.
    """
    return _session.start_run(name=name, experiment=experiment, tags=tags)


def end_run(status: str = "completed") -> None:
    """Ends the active run ("completed", "failed" or "stopped"). A job's run ends with the job."""
    _session.end_run(status)


def active_run() -> Run | None:
    """The run that log calls go to, or None (the first log call then starts one)."""
    return _session.current(create=False)


current_run = active_run


def get_run(run_id: str | None = None) -> dict[str, Any]:
    """A run as the studio shows it now (params, tags, metric summaries); default: the active run."""
    if run_id is None:
        run = _session.current(create=False)
        if run is None:
            raise StudioError("No active run.")
        run_id = run.id
    from ._http import retrying
    from ._tracking import flush_timeout_default
    import time

    client = _session.client
    answer = retrying(lambda: client.request_json("GET", f"/api/runs/{run_id}"), deadline=time.monotonic() + flush_timeout_default())
    return (answer or {}).get("run", answer)


def log_param(key: str, value: Any) -> None:
    _session.log_params({key: value})


def log_params(params: Mapping[str, Any]) -> None:
    _session.log_params(params)


def log_metric(key: str, value: Any, step: int | None = None) -> None:
    """Queues one metric value (step None: 0, 1, 2, ... per key). NaN and ±inf are kept."""
    _session.log_metrics({key: value}, step=step)


def log_metrics(metrics: Mapping[str, Any], step: int | None = None) -> None:
    _session.log_metrics(metrics, step=step)


def set_tag(key: str, value: Any) -> None:
    _session.set_tags({key: value})


def set_tags(tags: Mapping[str, Any]) -> None:
    _session.set_tags(tags)


def log_artifact(local_path: str | os.PathLike, artifact_path: str | None = None) -> list[dict[str, Any]]:
    """Uploads a file (as artifact_path/<name>) or a directory (as artifact_path/<dir name>/..., recursively).

    Synchronous: returns once stored (the studio being down is retried up to STUDIO_FLUSH_TIMEOUT).
    """
    from ._artifacts import log_artifact as _log

    return _log(_session, local_path, artifact_path)


def log_artifacts(local_dir: str | os.PathLike, artifact_path: str | None = None) -> list[dict[str, Any]]:
    """Uploads the contents of a directory under artifact_path (without the directory's own name)."""
    from ._artifacts import log_artifact as _log

    return _log(_session, local_dir, artifact_path, contents_only=True)


def log_model(
    path_or_object: Any,
    name: str = "model",
    framework: str | None = None,
    input_schema: Any = None,
    input_example: Any = None,
    metrics: Mapping[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Saves a model (an object via joblib, or a file/folder) with studio-model.json as artifacts under `name/`.

    framework: "sklearn" | "xgboost" | "pytorch" | "custom" (detected for objects; a torch.nn.Module
    is saved as TorchScript, see studio.save_model). input_example: a DataFrame
    whose columns give the input schema. Extra keywords (algorithm, task, target, classes, ...) go
    into studio-model.json. Returns the manifest.
    """
    from ._model import log_model as _log

    return _log(
        _session,
        path_or_object,
        name=name,
        framework=framework,
        input_schema=input_schema,
        input_example=input_example,
        metrics=metrics,
        **extra,
    )


def flush(timeout: float | None = None) -> bool:
    """Blocks until everything logged so far is stored; False if `timeout` seconds passed first."""
    return _session.flush(timeout)
