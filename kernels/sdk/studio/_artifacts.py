"""Uploading files as a run's artifacts (PUT /api/runs/{runId}/artifacts?path=, streamed)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Callable, Iterator

from ._http import Client, retrying

UPLOAD_TIMEOUT = 300.0  # seconds without progress on one upload's socket


def iter_files(directory: Path, follow_file_links: bool = True) -> Iterator[Path]:
    """Regular files under `directory`, sorted; directory links are never followed (no cycles)."""
    for current, dirs, files in os.walk(directory, followlinks=False):
        dirs.sort()
        for name in sorted(files):
            path = Path(current) / name
            if path.is_symlink() and not follow_file_links:
                continue
            if path.is_file():
                yield path


def artifact_key(*parts: str) -> str:
    key = "/".join(p.strip("/") for p in parts if p and p.strip("/"))
    segments = key.split("/")
    if not key or any(s in ("", ".", "..") for s in segments):
        raise ValueError(f"Invalid artifact path {key!r}")
    return key


def upload_file(client: Client, run_id: str, local: Path, key: str, deadline: float | None) -> dict[str, Any]:
    size = local.stat().st_size

    def put() -> Any:
        with open(local, "rb") as handle:
            return client.request_json(
                "PUT",
                f"/api/runs/{run_id}/artifacts",
                query={"path": key},
                data=handle,
                content_length=size,
                timeout=UPLOAD_TIMEOUT,
            )

    # The same path again replaces the artifact: safe to re-send after any transient failure.
    answer = retrying(put, deadline=deadline)
    return (answer or {}).get("artifact") or {"path": key, "sizeBytes": size}


def upload_tree(
    client: Client,
    run_id: str,
    local: Path,
    prefix: str | None,
    deadline: float | None,
    follow_file_links: bool = True,
    on_file: Callable[[Path, str], None] | None = None,
) -> list[dict[str, Any]]:
    """Uploads a file (as prefix/name) or every file under a directory (as prefix/relative path)."""
    local = Path(local)
    if not local.exists():
        raise FileNotFoundError(f"No such file or directory: {str(local)!r}")
    uploaded = []
    if local.is_dir():
        for path in iter_files(local, follow_file_links):
            key = artifact_key(prefix or "", path.relative_to(local).as_posix())
            if on_file:
                on_file(path, key)
            uploaded.append(upload_file(client, run_id, path, key, deadline))
    else:
        key = artifact_key(prefix or "", local.name)
        if on_file:
            on_file(local, key)
        uploaded.append(upload_file(client, run_id, local, key, deadline))
    return uploaded


def log_artifact(session, local_path: str | os.PathLike, artifact_path: str | None = None, contents_only: bool = False):
    """See studio.log_artifact / studio.log_artifacts."""
    from ._tracking import flush_timeout_default

    run = session.current(create=True)
    run_id = run.id
    local = Path(local_path)
    if local.is_dir() and not contents_only:
        prefix = artifact_key(artifact_path, local.resolve().name) if artifact_path else local.resolve().name
    else:
        prefix = artifact_path
    deadline = time.monotonic() + flush_timeout_default()
    return upload_tree(run._client, run_id, local, prefix, deadline)
