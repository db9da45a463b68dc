"""HTTP transport of the SDK: the standard library only (urllib), JSON in and out.

Errors follow the studio's contract: a 4xx answer (except 408 and 429) is permanent and raised as
`StudioError`; 5xx answers, 408/429, refused or reset connections and timeouts are `TransientError`
and are retried with backoff (0.5 s doubling to a 10 s cap).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, BinaryIO, Callable, Iterator, TypeVar

T = TypeVar("T")

USER_AGENT = "studio-sdk/0.1"
DEFAULT_TIMEOUT = 30.0


class StudioError(Exception):
    """The studio refused a request (a permanent error: retrying it would fail the same way)."""

    def __init__(self, message: str, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.code = code


class TransientError(Exception):
    """The studio could not be reached or answered 5xx/408/429: worth retrying."""

    def __init__(self, message: str, status: int | None = None, sent: bool = True):
        super().__init__(message)
        self.status = status
        # False when the request surely never reached the studio (connection refused): even a
        # request that is not idempotent can be re-sent then.
        self.sent = sent


def _backoff_initial() -> float:
    try:
        return float(os.environ.get("STUDIO_RETRY_INITIAL_SECONDS", "0.5"))
    except ValueError:
        return 0.5


BACKOFF_CAP = 10.0


def backoff_delays() -> Iterator[float]:
    """0.5, 1, 2, 4, 8, 10, 10, ... seconds (a little jitter so many clients do not retry in step)."""
    delay = _backoff_initial()
    while True:
        yield delay * (0.9 + 0.2 * random.random())
        delay = min(delay * 2, BACKOFF_CAP)


@dataclass
class Config:
    url: str
    token: str | None
    project: str | None

    def require_url(self) -> str:
        if not self.url:
            raise StudioError(
                "The studio's address is not configured: set STUDIO_URL (and STUDIO_TOKEN, STUDIO_PROJECT_ID) "
                "or call studio.init(url=..., token=..., project=...)."
            )
        return self.url

    def require_project(self) -> str:
        if not self.project:
            raise StudioError("No project: set STUDIO_PROJECT_ID or call studio.init(project=...).")
        return self.project


def _error_message(status: int, body: bytes, reason: str) -> tuple[str, str | None]:
    try:
        payload = json.loads(body.decode("utf-8"))
        error = payload.get("error") if isinstance(payload, dict) else None
        if isinstance(error, dict):
            message = str(error.get("message") or reason)
            issues = error.get("issues")
            if isinstance(issues, list) and issues:
                details = "; ".join(
                    f"{'.'.join(str(p) for p in i.get('path', []))}: {i.get('message')}" if isinstance(i, dict) else str(i)
                    for i in issues[:5]
                )
                message = f"{message} ({details})"
            return message, error.get("code")
    except (ValueError, AttributeError):
        pass
    text = body.decode("utf-8", "replace").strip()
    return (text[:500] or reason or f"HTTP {status}"), None


class Client:
    """One studio, one token. Thread-safe (no shared connection state)."""

    def __init__(self, config: Config):
        self.config = config

    def _url(self, path: str, query: dict[str, Any] | None = None) -> str:
        base = self.config.require_url().rstrip("/")
        url = base + path
        if query:
            url += "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
        return url

    def open(
        self,
        method: str,
        path: str,
        *,
        query: dict[str, Any] | None = None,
        json_body: Any = None,
        data: bytes | BinaryIO | None = None,
        content_length: int | None = None,
        content_type: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> http.client.HTTPResponse:
        """Sends one request; returns the open response of a 2xx answer (the caller reads and closes it)."""
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if self.config.token:
            headers["Authorization"] = f"Bearer {self.config.token}"
        body: Any = None
        if json_body is not None:
            body = json.dumps(json_body, allow_nan=False).encode("utf-8")
            headers["Content-Type"] = "application/json"
        elif data is not None:
            body = data
            headers["Content-Type"] = content_type or "application/octet-stream"
            if content_length is not None:
                headers["Content-Length"] = str(content_length)
        elif method in ("POST", "PUT", "PATCH"):
            body = b""
        request = urllib.request.Request(self._url(path, query), data=body, method=method, headers=headers)
        try:
            return urllib.request.urlopen(request, timeout=timeout)
        except urllib.error.HTTPError as error:
            status = error.code
            try:
                raw = error.read()
            except Exception:
                raw = b""
            finally:
                error.close()
            message, code = _error_message(status, raw, str(error.reason))
            where = f"{method} {path}"
            if 400 <= status < 500 and status not in (408, 429):
                raise StudioError(f"{where}: {message} (HTTP {status})", status=status, code=code) from None
            raise TransientError(f"{where}: HTTP {status} {message}", status=status) from None
        except urllib.error.URLError as error:
            reason = error.reason
            sent = not isinstance(reason, ConnectionRefusedError)
            raise TransientError(f"{method} {path}: cannot reach the studio at {self.config.url} ({reason})", sent=sent) from None
        except ConnectionRefusedError as error:
            raise TransientError(f"{method} {path}: cannot reach the studio ({error})", sent=False) from None
        except (ConnectionError, http.client.HTTPException, socket.timeout, TimeoutError, OSError) as error:
            raise TransientError(f"{method} {path}: {type(error).__name__}: {error}") from None

    def request_json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.open(method, path, **kwargs)
        try:
            raw = response.read()
        except (ConnectionError, http.client.HTTPException, socket.timeout, TimeoutError, OSError) as error:
            raise TransientError(f"{method} {path}: {type(error).__name__}: {error}") from None
        finally:
            response.close()
        if not raw:
            return None
        try:
            return json.loads(raw.decode("utf-8"))
        except ValueError:
            raise TransientError(f"{method} {path}: the answer is not JSON: {raw[:200]!r}") from None


def retrying(
    call: Callable[[], T],
    *,
    deadline: float | None = None,
    should_stop: Callable[[], bool] | None = None,
    only_unsent: bool = False,
    on_retry: Callable[[TransientError, float], None] | None = None,
) -> T:
    """Calls `call` until it does not raise TransientError.

    deadline: time.monotonic() after which the last TransientError is raised (None = forever).
    only_unsent: retry only errors where the request never reached the studio, and 502/503/504
    (for requests that are not safe to repeat, e.g. an upload that creates a new version).
    """
    delays = backoff_delays()
    while True:
        try:
            return call()
        except TransientError as error:
            if only_unsent and error.sent and error.status not in (502, 503, 504):
                raise
            delay = next(delays)
            if deadline is not None and time.monotonic() + delay > deadline:
                raise
            if should_stop is not None and should_stop():
                raise
            if on_retry is not None:
                on_retry(error, delay)
            time.sleep(delay)
