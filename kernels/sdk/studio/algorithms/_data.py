"""Reading a channel's table, choosing features, inferring the problem type, splitting."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

CLASSIFICATION = ("binary_classification", "multiclass_classification")
MAX_AUTO_CLASSES = 20  # problem_type=auto: whole-number targets with at most this many values are classes


def channel_file(channel: str, location: str) -> Path:
    """The one data file of a channel directory (or the path itself when it is a file)."""
    path = Path(location)
    if path.is_file():
        return path
    if not path.is_dir():
        raise ValueError(f"channel {channel}: {location} does not exist")
    files = sorted(p for p in path.rglob("*") if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts))
    if not files:
        raise ValueError(f"channel {channel}: {location} holds no file")
    if len(files) > 1:
        names = ", ".join(str(p.relative_to(path)) for p in files[:5])
        raise ValueError(f"channel {channel}: expected one file in {location}, found {len(files)} ({names})")
    return files[0]


def file_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    with path.open("rb") as f:
        head = f.read(4096)
    if head[:4] == b"PAR1":
        return "parquet"
    if head[:2] == b"PK":
        raise ValueError(f"{path.name} is a zip archive: built-in algorithms need one CSV, JSON Lines or Parquet table")
    if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{":
        return "jsonl"
    return "csv"


def read_table(channel: str, location: str) -> pd.DataFrame:
    path = channel_file(channel, location)
    if path.stat().st_size == 0:
        raise ValueError(f"channel {channel}: {path.name} is empty")
    fmt = file_format(path)
    try:
        if fmt == "csv":
            frame = pd.read_csv(path)
        elif fmt == "jsonl":
            frame = _typed(pd.read_json(path, lines=True, dtype=False))
        else:
            frame = pd.read_parquet(path)
    except ImportError as error:
        raise ValueError(f"channel {channel}: reading {path.name} needs pyarrow ({error})") from None
    except pd.errors.EmptyDataError:
        raise ValueError(f"channel {channel}: {path.name} is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise ValueError(f"channel {channel}: {path.name} is not a valid {fmt} file: {' '.join(str(error).split())}") from None
    frame.columns = [str(c) for c in frame.columns]
    if len(frame) == 0:
        raise ValueError(f"channel {channel}: {path.name} has no rows")
    print(f"channel {channel}: {path.name} ({fmt}), {len(frame)} rows x {frame.shape[1]} columns", flush=True)
    return frame


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """JSON Lines: true/false with gaps as a nullable boolean column (pandas would make them floats),
    numbers with gaps as numbers."""
    for column in frame.columns:
        series = frame[column]
        if series.dtype != object:
            continue
        present = series.dropna()
        if len(present) and present.map(lambda v: isinstance(v, bool)).all():
            frame[column] = series.astype("boolean")
        elif len(present) and present.map(lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)).all():
            frame[column] = pd.to_numeric(series)
    return frame


def is_numeric(series: pd.Series) -> bool:
    return series.dtype.kind in "iuf"


def schema_type(series: pd.Series) -> str:
    kind = series.dtype.kind
    if kind == "b" or str(series.dtype) == "boolean":
        return "boolean"
    if kind in "iu" or str(series.dtype).startswith(("Int", "UInt")):
        return "integer"
    if kind == "f" or str(series.dtype).startswith("Float"):
        return "float"
    return "string"


def feature_columns(frame: pd.DataFrame, target: str | None, requested: str | None) -> list[str]:
    """The feature columns in file order: the requested subset or every column but the target, less
    the columns with no value at all."""
    if requested:
        names = [n.strip() for n in requested.split(",") if n.strip()]
        missing = [n for n in names if n not in frame.columns]
        if missing:
            raise ValueError(f"hyperparameter feature_columns names columns the data does not have: {', '.join(missing)}")
        if target is not None and target in names:
            raise ValueError(f"hyperparameter feature_columns includes the target column {target}")
        columns = list(dict.fromkeys(names))
    else:
        columns = [c for c in frame.columns if c != target]
    empty = [c for c in columns if frame[c].isna().all()]
    if empty:
        print(f"dropping columns with no values: {', '.join(empty)}", flush=True)
    columns = [c for c in columns if c not in empty]
    if not columns:
        raise ValueError("no feature columns left to train on (every column is the target or empty)")
    return columns


def clean_target(frame: pd.DataFrame, target: str, channel: str) -> pd.DataFrame:
    if target not in frame.columns:
        raise ValueError(f"target column {target} is not in the {channel} data (columns: {', '.join(map(str, frame.columns[:20]))})")
    missing = int(frame[target].isna().sum())
    if missing:
        print(f"channel {channel}: dropping {missing} rows with no {target}", flush=True)
        frame = frame[frame[target].notna()].reset_index(drop=True)
    if len(frame) == 0:
        raise ValueError(f"target column {target} has no values in the {channel} data")
    return frame


def _whole_numbers(series: pd.Series) -> bool:
    values = series.to_numpy(dtype=float)
    return bool(np.all(np.isfinite(values)) and np.all(values == np.round(values)))


def resolve_task(y: pd.Series, target: str, problem_type: str, objective_task: str | None = None) -> str:
    """The task from problem_type (or, when auto, the objective, or else the target's values)."""
    distinct = y.nunique(dropna=True)
    if problem_type == "auto":
        if objective_task is not None:
            problem_type = objective_task
        elif not is_numeric(y) or (_whole_numbers(y) and distinct <= MAX_AUTO_CLASSES):
            problem_type = "binary_classification" if distinct <= 2 else "multiclass_classification"
        else:
            problem_type = "regression"
        print(f"problem type: {problem_type} (target {target}: {y.dtype}, {distinct} distinct values)", flush=True)
    if problem_type in CLASSIFICATION:
        if distinct < 2:
            raise ValueError(f"target column {target} has only one class ({y.iloc[0]!r}): classification needs at least two")
        if problem_type == "binary_classification" and distinct > 2:
            raise ValueError(f"target column {target} has {distinct} classes: binary_classification needs exactly two (use problem_type=multiclass_classification)")
    else:
        if not is_numeric(y):
            converted = pd.to_numeric(y, errors="coerce")
            if converted.isna().any():
                raise ValueError(f"target column {target} is not numeric: regression needs numbers (use a classification problem_type)")
        if distinct < 2:
            raise ValueError(f"target column {target} has a single value ({y.iloc[0]!r}): nothing to learn")
    return problem_type


def target_values(y: pd.Series, task: str) -> np.ndarray:
    if task == "regression":
        return pd.to_numeric(y).to_numpy(dtype=float)
    if is_numeric(y):
        return y.to_numpy(dtype=np.int64) if _whole_numbers(y) else y.to_numpy(dtype=float)
    if y.dtype.kind == "b":
        return y.astype(bool).to_numpy(dtype=bool)
    return y.astype(object).map(lambda v: v if isinstance(v, (bool, np.bool_)) else str(v)).to_numpy(dtype=object)


def split(frame: pd.DataFrame, y: np.ndarray, fraction: float, seed: int, stratify: bool) -> tuple[Any, Any, Any, Any]:
    """Holds out `fraction` of the rows; for classification stratified by class, and a class with a
    single row stays in training (it cannot be in both)."""
    from sklearn.model_selection import train_test_split

    if len(frame) < 4:
        raise ValueError(f"the training data has {len(frame)} rows: too few to hold out a validation split")
    if not stratify:
        return train_test_split(frame, y, test_size=fraction, random_state=seed)
    keys = y.astype(str) if y.dtype == object else y
    classes, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    single = counts[inverse] < 2
    rest = np.flatnonzero(~single)
    n_val = int(np.ceil(fraction * len(rest)))
    strata = y[rest] if 0 < n_val and (counts >= 2).sum() <= min(n_val, len(rest) - n_val) else None
    if strata is None:
        print("validation split: not stratified (too few rows per class)", flush=True)
    if single.any():
        print(f"validation split: {int(single.sum())} classes with a single row stay in training", flush=True)
    train_idx, val_idx = train_test_split(rest, test_size=fraction, random_state=seed, stratify=strata)
    train_idx = np.sort(np.concatenate([train_idx, np.flatnonzero(single)]))
    return frame.iloc[train_idx], frame.iloc[val_idx], y[train_idx], y[val_idx]


def env_path(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value else default
