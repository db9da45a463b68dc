"""Datasets of the project: `studio.datasets.get("iris")` → DataFrame, `download`, `put`.

Synchronous calls: a refused request raises `studio.StudioError`; an unreachable studio is retried
for up to STUDIO_FLUSH_TIMEOUT seconds (default 300).
"""

from __future__ import annotations

import http.client
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from ._http import StudioError, TransientError, retrying

__all__ = ["get", "download", "put", "list", "info"]

_builtin_list = list
CHUNK = 1 << 20
POLL_INTERVAL = 0.5


def _session():
    from ._tracking import session

    return session


def _deadline() -> float:
    from ._tracking import flush_timeout_default

    return time.monotonic() + flush_timeout_default()


def _client():
    return _session().client


def list() -> "list[dict[str, Any]]":  # noqa: A001 (studio.datasets.list reads well)
    """The project's datasets, each with its latest version (dicts as the studio's API returns them)."""
    client = _client()
    project = client.config.require_project()
    answer = retrying(lambda: client.request_json("GET", f"/api/projects/{project}/datasets"), deadline=_deadline())
    if isinstance(answer, dict):  # tolerate an enveloped answer
        answer = answer.get("datasets", [])
    return _builtin_list(answer or [])


def _find(name: str) -> dict[str, Any]:
    matches = [d for d in list() if d.get("name") == name]
    if not matches:
        raise StudioError(f"No dataset named {name!r} in this project.", status=404, code="not_found")
    return matches[0]


def info(name: str, version: int | None = None) -> dict[str, Any]:
    """The version `version` of dataset `name` (default: its newest ready version), as the API shows it."""
    client = _client()
    dataset = _find(name)
    dataset_id = dataset["id"]
    deadline = _deadline()
    if version is not None:
        detail = retrying(lambda: client.request_json("GET", f"/api/datasets/{dataset_id}/versions/{int(version)}"), deadline=deadline)
        return {**detail, "datasetName": name}
    full = retrying(lambda: client.request_json("GET", f"/api/datasets/{dataset_id}"), deadline=deadline)
    versions = (full or {}).get("versions") or []
    ready = [v for v in versions if v.get("status") == "ready"]
    if not ready:
        states = ", ".join(f"v{v.get('version')} {v.get('status')}" for v in versions) or "no versions"
        raise StudioError(f"Dataset {name!r} has no ready version ({states}).", status=409, code="conflict")
    newest = max(ready, key=lambda v: int(v.get("version", 0)))
    return {**newest, "datasetName": name}


def _download_to(path_in_api: str, target: Path, deadline: float | None, client=None) -> Path:
    """Streams a download to `target` (through a temporary file beside it), retrying failures."""
    client = client or _client()
    target.parent.mkdir(parents=True, exist_ok=True)

    def fetch() -> Path:
        response = client.open("GET", path_in_api, timeout=300)
        handle, tmp = tempfile.mkstemp(prefix=".studio-download-", dir=target.parent)
        try:
            with os.fdopen(handle, "wb") as out:
                try:
                    shutil.copyfileobj(response, out, CHUNK)
                except (OSError, ValueError, http.client.HTTPException) as error:
                    raise TransientError(f"GET {path_in_api}: download interrupted ({error})") from None
            expected = response.headers.get("Content-Length")
            if expected is not None and os.path.getsize(tmp) != int(expected):
                raise TransientError(f"GET {path_in_api}: download interrupted ({os.path.getsize(tmp)} of {expected} bytes)")
            os.replace(tmp, target)
            return target
        finally:
            response.close()
            if os.path.exists(tmp):
                os.unlink(tmp)

    return retrying(fetch, deadline=deadline)


def _safe_filename(filename: str) -> str:
    name = Path(str(filename).replace("\\", "/")).name
    if name in ("", ".", ".."):
        name = "data"
    return name


def download(name: str, version: int | None = None, path: str | os.PathLike = ".") -> str:
    """Downloads a version's file into the directory `path`; returns the file's path."""
    detail = info(name, version)
    if detail.get("status") != "ready":
        raise StudioError(f"Dataset {name!r} version {detail.get('version')} is {detail.get('status')}: {detail.get('statusReason') or ''}".rstrip(": "))
    target = Path(path) / _safe_filename(detail.get("filename") or f"{name}.{detail.get('format', 'csv')}")
    _download_to(f"/api/datasets/{detail['datasetId']}/versions/{detail['version']}/download", target, _deadline())
    return str(target)


def read_file(path: str | os.PathLike, format: str | None = None):
    """A dataset file as a pandas DataFrame (csv, jsonl, parquet)."""
    import pandas as pd

    path = Path(path)
    fmt = (format or path.suffix.lstrip(".")).lower()
    if fmt == "csv":
        return pd.read_csv(path)
    if fmt in ("jsonl", "ndjson", "json"):
        return pd.read_json(path, lines=True)
    if fmt == "parquet":
        try:
            return pd.read_parquet(path)
        except ImportError as error:
            raise ImportError(f"Reading Parquet needs pyarrow: run `%pip install pyarrow` ({error})") from None
    if fmt == "zip":
        raise ValueError(f"{path.name} is a zip archive: use studio.datasets.download() and open its files.")
    raise ValueError(f"Cannot read a {fmt!r} file as a DataFrame.")


def get(name: str, version: int | None = None):
    """Dataset `name` (newest ready version unless `version`) as a pandas DataFrame."""
    detail = info(name, version)
    if detail.get("format") == "zip":
        raise ValueError(f"Dataset {name!r} is a zip archive: use studio.datasets.download({name!r}) and open its files.")
    with tempfile.TemporaryDirectory(prefix="studio-dataset-") as tmp:
        local = download(name, detail["version"], tmp)
        return read_file(local, detail.get("format"))


def put(
    name: str,
    data_or_path: Any,
    wait: bool = True,
    *,
    filename: str | None = None,
    description: str | None = None,
    timeout: float | None = None,
) -> dict[str, Any]:
    """Uploads a new version of dataset `name` (created if missing) from a DataFrame (as CSV) or a file.

    With wait=True, returns once the studio has validated it (status "ready"), and raises
    StudioError with the reason if it failed validation. Returns the version (dict).
    """
    client = _client()
    project = client.config.require_project()
    with tempfile.TemporaryDirectory(prefix="studio-put-") as tmp:
        if isinstance(data_or_path, (str, os.PathLike)):
            source = Path(data_or_path)
            if not source.is_file():
                raise FileNotFoundError(f"No such file: {str(source)!r}")
            upload_name = filename or source.name
        elif hasattr(data_or_path, "to_csv"):
            upload_name = filename or f"{name}.csv"
            source = Path(tmp) / "data.csv"
            data_or_path.to_csv(source, index=False)
        else:
            raise TypeError("put() takes a pandas DataFrame or the path of a file (CSV, JSON Lines, Parquet or zip).")
        size = source.stat().st_size

        def upload() -> Any:
            with open(source, "rb") as handle:
                return client.request_json(
                    "POST",
                    f"/api/projects/{project}/datasets/upload",
                    query={"name": name, "filename": upload_name, "description": description},
                    data=handle,
                    content_length=size,
                    timeout=300,
                )

        # Each upload makes a new version: re-sent only when it surely did not reach the studio.
        answer = retrying(upload, deadline=_deadline(), only_unsent=True)
    version = (answer or {}).get("version") or {}
    dataset_id = (answer or {}).get("datasetId") or version.get("datasetId")
    if not wait or version.get("status") != "processing":
        return _checked({**version, "datasetName": name}, name)
    limit = None if timeout is None else time.monotonic() + timeout
    path = f"/api/datasets/{dataset_id}/versions/{version['version']}"
    while True:
        detail = retrying(lambda: client.request_json("GET", path), deadline=_deadline())
        if detail.get("status") != "processing":
            detail.pop("profile", None)
            return _checked({**detail, "datasetName": name}, name)
        if limit is not None and time.monotonic() > limit:
            raise TimeoutError(f"Dataset {name!r} version {version['version']} is still being processed after {timeout:g} s.")
        time.sleep(POLL_INTERVAL)


def _checked(version: dict[str, Any], name: str) -> dict[str, Any]:
    if version.get("status") == "failed":
        raise StudioError(f"Dataset {name!r} version {version.get('version')} failed validation: {version.get('statusReason')}", code="failed")
    return version
