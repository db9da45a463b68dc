"""The models of a multi-model endpoint replica: loaded on their first call, unloaded least recently
used first when the loaded ones take more memory than the budget (they stay on disk).

A model is a folder under the replica's models root (``ROOT/<folder>/studio-model.json`` + its
file). Loads run one at a time on their own thread, so the memory a load adds can be measured (the
process's resident size before and after, or the files' size on disk when that is larger); a
request waits for its model's load up to ``load_wait_seconds`` and is then answered
``ModelNotReadyException`` (503) while the load goes on, as SageMaker does.
"""

from __future__ import annotations

import gc
import os
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

FOLDER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class UnknownModel(Exception):
    """No model folder of that name under the root (answered 404)."""


class ModelNotReady(Exception):
    """The model is still loading (answered 503 ModelNotReadyException; the load goes on)."""


class LoadFailed(Exception):
    """The model could not be loaded (answered 500; the next call tries again)."""


@dataclass
class ModelStats:
    """Counters of one model since this replica started."""

    invocations: int = 0
    hits: int = 0
    loads: int = 0
    unloads: int = 0
    load_ms_total: float = 0.0
    last_load_ms: float | None = None
    wait_ms_total: float = 0.0
    size_bytes: int = 0
    last_used: float | None = None
    last_error: str | None = None


@dataclass
class _Loading:
    done: threading.Event = field(default_factory=threading.Event)
    model: Any = None
    error: str | None = None


def resident_bytes() -> int:
    """This process's resident memory (Linux /proc), or 0 where that cannot be read."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _disk_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


class ModelCache:
    def __init__(self, root: str | os.PathLike, budget_bytes: int, load: Callable[[Path], Any], load_wait_seconds: float = 55.0):
        self.root = Path(root)
        self.budget_bytes = budget_bytes
        self.load_wait_seconds = load_wait_seconds
        self._load = load
        self._lock = threading.Lock()
        self._load_lock = threading.Lock()  # one load at a time: its memory is measured alone
        self._loaded: OrderedDict[str, Any] = OrderedDict()  # least recently used first
        self._loading: dict[str, _Loading] = {}
        self.stats: dict[str, ModelStats] = {}
        self._labels: dict[str, str] = {}  # folder → the name callers use, for the log

    def used_bytes(self) -> int:
        with self._lock:
            return sum(self.stats[name].size_bytes for name in self._loaded)

    def get(self, name: str, label: str | None = None) -> tuple[Any, dict[str, str]]:
        """The loaded model and what the call cost (response headers: cache hit or miss, waits).
        `label` names the model in the log (the folder name otherwise)."""
        if not FOLDER.match(name):
            raise UnknownModel(f"{name!r} is not a model name")
        started = time.monotonic()
        with self._lock:
            stats = self.stats.setdefault(name, ModelStats())
            stats.invocations += 1
            stats.last_used = time.time()
            if name in self._loaded:
                self._loaded.move_to_end(name)
                stats.hits += 1
                return self._loaded[name], {"X-Studio-Model-Cache": "hit"}
            loading = self._loading.get(name)
            if loading is None:
                if not (self.root / name / "studio-model.json").is_file():
                    raise UnknownModel(f"no model {name} on this endpoint")
                loading = self._loading[name] = _Loading()
                threading.Thread(target=self._load_in_background, args=(name, loading, label or name), name=f"load {name}", daemon=True).start()
        if not loading.done.wait(self.load_wait_seconds):
            with self._lock:
                stats.wait_ms_total += (time.monotonic() - started) * 1000
            raise ModelNotReady(f"model {name} is still loading (over {self.load_wait_seconds:.0f} s so far); try again shortly")
        waited = (time.monotonic() - started) * 1000
        with self._lock:
            stats.wait_ms_total += waited
        if loading.error is not None:
            raise LoadFailed(f"model {name} could not be loaded: {loading.error}")
        headers = {"X-Studio-Model-Cache": "miss", "X-Studio-Model-Wait-Ms": f"{waited:.1f}"}
        if stats.last_load_ms is not None:
            headers["X-Studio-Model-Load-Ms"] = f"{stats.last_load_ms:.1f}"
        return loading.model, headers

    def _load_in_background(self, name: str, loading: _Loading, label: str) -> None:
        folder = self.root / name
        with self._load_lock:
            before = resident_bytes()
            started = time.monotonic()
            try:
                model = self._load(folder)
            except Exception as error:  # noqa: BLE001 - any loader failure is the caller's 500
                loading.error = f"{type(error).__name__}: {error}"
                with self._lock:
                    self.stats[name].last_error = loading.error
                    del self._loading[name]
                print(f"[models] loading {label} failed: {loading.error}", flush=True)
                loading.done.set()
                return
            load_ms = (time.monotonic() - started) * 1000
            size = max(resident_bytes() - before, _disk_bytes(folder))
            with self._lock:
                stats = self.stats[name]
                stats.loads += 1
                stats.load_ms_total += load_ms
                stats.last_load_ms = load_ms
                stats.size_bytes = size
                stats.last_error = None
                self._loaded[name] = model
                del self._loading[name]
                evicted = self._evict(keep=name)
            loading.model = model
            loading.done.set()
            self._labels[name] = label
            print(f"[models] loaded {label} in {load_ms:.0f} ms ({size / 2**20:.1f} MB)" + (f"; unloaded {', '.join(self._labels.get(e, e) for e in evicted)} (least recently used) to stay within {self.budget_bytes / 2**20:.0f} MB" if evicted else ""), flush=True)
            if evicted:
                gc.collect()

    def _evict(self, keep: str) -> list[str]:
        """Unloads least recently used models until the loaded ones fit the budget (under self._lock)."""
        evicted = []
        total = sum(self.stats[n].size_bytes for n in self._loaded)
        for candidate in list(self._loaded):
            if total <= self.budget_bytes:
                break
            if candidate == keep:
                continue
            del self._loaded[candidate]
            self.stats[candidate].unloads += 1
            total -= self.stats[candidate].size_bytes
            evicted.append(candidate)
        return evicted

    def unload(self, name: str) -> bool:
        """Unloads a model now (removed from the endpoint)."""
        with self._lock:
            model = self._loaded.pop(name, None)
            if model is not None:
                self.stats[name].unloads += 1
        if model is not None:
            gc.collect()
        return model is not None

    def describe(self) -> dict[str, Any]:
        with self._lock:
            loaded = list(self._loaded)
            models = [
                {
                    "name": name,
                    "loaded": name in self._loaded,
                    "loading": name in self._loading,
                    "sizeBytes": s.size_bytes,
                    "invocations": s.invocations,
                    "hits": s.hits,
                    "loads": s.loads,
                    "unloads": s.unloads,
                    "loadMsTotal": round(s.load_ms_total, 3),
                    "lastLoadMs": None if s.last_load_ms is None else round(s.last_load_ms, 3),
                    "waitMsTotal": round(s.wait_ms_total, 3),
                    "lastUsed": s.last_used,
                    "lastError": s.last_error,
                }
                for name, s in self.stats.items()
            ]
            return {
                "budgetBytes": self.budget_bytes,
                "usedBytes": sum(self.stats[n].size_bytes for n in loaded),
                "loadedCount": len(loaded),
                "models": models,
            }
