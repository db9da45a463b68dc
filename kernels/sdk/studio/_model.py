"""Models: a folder with the model file(s) and `studio-model.json`, what deployments serve from."""

from __future__ import annotations

import datetime as _dt
import importlib.metadata
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Mapping, Sequence

MANIFEST = "studio-model.json"
FORMAT = "studio-model/1"
FRAMEWORKS = ("sklearn", "xgboost", "pytorch", "custom")
TORCH_FILE = "model.pt"
CLASSIFICATION = ("binary_classification", "multiclass_classification")
SCHEMA_TYPES = ("integer", "float", "string", "boolean")

# Libraries whose versions matter when a model file is loaded again (recorded when imported).
_LIBRARIES = {
    "sklearn": "scikit-learn",
    "xgboost": "xgboost",
    "lightgbm": "lightgbm",
    "catboost": "catboost",
    "numpy": "numpy",
    "pandas": "pandas",
    "scipy": "scipy",
    "joblib": "joblib",
    "torch": "torch",
    "tensorflow": "tensorflow",
}


def _jsonable(value: Any) -> Any:
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        return _jsonable(value.tolist())
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None  # JSON has no NaN / Infinity
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def schema_type(dtype: Any) -> str:
    kind = getattr(dtype, "kind", None)
    if kind == "b":
        return "boolean"
    if kind in ("i", "u"):
        return "integer"
    if kind == "f":
        return "float"
    name = str(dtype).lower()
    if name.startswith(("int", "uint")):
        return "integer"  # pandas nullable Int64 etc.
    if name.startswith("float"):
        return "float"
    if name == "boolean":
        return "boolean"
    return "string"


def infer_schema(example: Any) -> list[dict[str, str]]:
    """[{name, type}] from a pandas DataFrame (its columns and dtypes)."""
    dtypes = getattr(example, "dtypes", None)
    if dtypes is None or not hasattr(example, "columns"):
        raise TypeError("input_example must be a pandas DataFrame (to infer the input schema from its columns).")
    return [{"name": str(column), "type": schema_type(dtype)} for column, dtype in dtypes.items()]


EXAMPLE_ROWS = 20


def example_rows(example: Any, limit: int = EXAMPLE_ROWS) -> list[list[Any]]:
    """The first rows of a DataFrame as JSON lists in column order (missing values as null): what
    studio-model.json keeps as ``input_example``, so a model's ONNX export can be checked on real rows."""
    head = example.head(limit)
    return [_jsonable([None if _missing(v) else v for v in row]) for row in head.astype(object).itertuples(index=False, name=None)]


def _missing(value: Any) -> bool:
    try:
        return bool(value is None or value != value or str(value) in ("<NA>", "NaT"))
    except (TypeError, ValueError):
        return False


def _normalize_schema(schema: Any) -> list[dict[str, str]]:
    if isinstance(schema, Mapping):
        schema = [{"name": k, "type": v} for k, v in schema.items()]
    out = []
    for column in schema:
        if not isinstance(column, Mapping) or "name" not in column or column.get("type") not in SCHEMA_TYPES:
            raise ValueError(f"input_schema entries are {{'name': ..., 'type': one of {SCHEMA_TYPES}}}, not {column!r}")
        out.append({"name": str(column["name"]), "type": str(column["type"])})
    return out


def _is_torch_module(obj: Any) -> bool:
    torch = sys.modules.get("torch")  # only a program that made a torch module has imported torch
    return torch is not None and isinstance(obj, torch.nn.Module)


def _is_torchscript_file(path: Path) -> bool:
    """torch.jit.save's archive (a zip holding the module's code), not torch.save's pickle of weights."""
    import zipfile

    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return any(n.split("/", 1)[-1].startswith("code/") or n.endswith("/constants.pkl") for n in archive.namelist())


def _example_tensor(example: Any, schema: list[dict[str, str]] | None):
    """The float32 tensor [n, columns] a TorchScript model is fed (studio.serving), from a DataFrame."""
    import numpy as np
    import torch

    columns = [c["name"] for c in schema or []]
    other = [f"{c['name']} ({c['type']})" for c in schema or [] if c["type"] not in ("float", "integer")]
    if other:
        raise ValueError(f"a torch model is fed one float tensor of numeric columns; {', '.join(other)} are not numbers (encode them first, inside the module or before it)")
    frame = example[columns] if columns and all(c in example.columns for c in columns) else example
    return torch.from_numpy(np.array(frame.head(EXAMPLE_ROWS).astype("float64"), dtype=np.float32))  # a copy: pandas hands out read-only arrays


def _save_torch(module: Any, out: Path, example: Any, schema: list[dict[str, str]] | None, manifest: dict[str, Any]) -> None:
    """A torch.nn.Module as TorchScript (model.pt): scripted (torch.jit.script), or traced on the input
    example when it cannot be scripted; a ScriptModule as it is. Checked on the example: one value a
    row for regression, one score per class (or one for a binary classifier's positive class)."""
    import copy
    import warnings

    import torch

    inputs = _example_tensor(example, schema) if example is not None else None
    # torch 2.13 deprecates torch.jit (script, trace, save, load) in favour of torch.export; TorchScript
    # is still what the studio serves and exports, so the warnings say nothing to act on here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        if isinstance(module, torch.jit.ScriptModule):
            scripted = module
        else:
            module = copy.deepcopy(module).cpu().eval()
            try:
                scripted = torch.jit.script(module)
            except Exception as error:  # noqa: BLE001 - tracing is the fallback
                if inputs is None:
                    raise TypeError(f"{type(module).__name__} cannot be scripted (torch.jit.script: {str(error).splitlines()[0]}); give input_example so it can be traced") from error
                with torch.no_grad():
                    scripted = torch.jit.trace(module, inputs)
        torch.jit.save(scripted, str(out / TORCH_FILE))
        if inputs is None:
            return
        checked = torch.jit.load(str(out / TORCH_FILE), map_location="cpu").eval()
    with torch.no_grad():
        scores = checked(inputs)
    if not isinstance(scores, torch.Tensor) or scores.dim() not in (1, 2) or scores.shape[0] != len(inputs):
        raise ValueError(f"the module answers {getattr(scores, 'shape', type(scores).__name__)} for {len(inputs)} rows; a studio model answers a tensor [n] or [n, k]")
    width = 1 if scores.dim() == 1 else int(scores.shape[1])
    task = manifest.get("task")
    if task in CLASSIFICATION:
        if manifest.get("classes") is None:
            manifest["classes"] = [0, 1] if width == 1 else list(range(width))
        expected = 1 if width == 1 and task == "binary_classification" else len(manifest["classes"])
        if width != expected:
            raise ValueError(f"the module answers {width} scores a row for {len(manifest['classes'])} classes ({task})")
    elif width != 1:
        raise ValueError(f"the module answers {width} values a row; a {task or 'regression'} model answers one (give task= for a classifier)")


def _framework_of(obj: Any) -> str:
    module = type(obj).__module__.split(".")[0]
    if module == "xgboost":
        return "xgboost"
    if module == "sklearn":
        return "sklearn"
    return "custom"


def _task_of(obj: Any) -> str | None:
    estimator_type = getattr(obj, "_estimator_type", None)
    if estimator_type is None:
        try:  # scikit-learn >= 1.6 describes estimators with tags
            from sklearn.utils import get_tags  # type: ignore

            estimator_type = get_tags(obj).estimator_type
        except Exception:
            estimator_type = None
    if estimator_type == "classifier":
        classes = getattr(obj, "classes_", None)
        if classes is not None:
            return "binary_classification" if len(classes) == 2 else "multiclass_classification"
        return None
    if estimator_type == "regressor":
        return "regression"
    if estimator_type == "clusterer":
        return "clustering"
    return None


def _libraries() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for module, distribution in _LIBRARIES.items():
        if module in sys.modules:
            try:
                found[distribution] = importlib.metadata.version(distribution)
            except importlib.metadata.PackageNotFoundError:
                version = getattr(sys.modules[module], "__version__", None)
                if version:
                    found[distribution] = str(version)
    return found


def save_model(
    path_or_object: Any,
    directory: str | os.PathLike,
    *,
    name: str = "model",
    framework: str | None = None,
    input_schema: Sequence[Mapping[str, str]] | Mapping[str, str] | None = None,
    input_example: Any = None,
    metrics: Mapping[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Writes a model folder (the model file(s) + studio-model.json) into `directory`; returns the manifest.

    `path_or_object`: a fitted object (saved with joblib as model.joblib; it must have .predict,
    and .predict_proba for probabilities, taking a pandas DataFrame), or a path to a model file or
    folder (copied; give loader="custom" / model_file= as extra keys when it is not a joblib pickle).
    Extra keyword arguments go into the manifest (algorithm, task, target, classes, loader, ...).

    A torch.nn.Module is saved as TorchScript (model.pt, loader "torchscript", framework "pytorch"):
    fed a float32 tensor [n, columns] of the schema's numeric columns, it answers [n, 1] values
    (task="regression") or class scores (task="binary_classification" / "multiclass_classification",
    classes=[...] in the order of its scores; output="logits" (the default) or "probabilities"). A
    path to a torch.jit.save file is recognised as TorchScript too.
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "name": name,
        "framework": framework,
        "algorithm": None,
        "task": None,
        "loader": "joblib",
        "model_file": "model.joblib",
        "input_schema": None,
        "target": None,
        "classes": None,
        "metrics": {},
        "libraries": {},
        "created_at": None,
    }
    if isinstance(path_or_object, (str, os.PathLike)):
        source = Path(path_or_object)
        if source.is_dir():
            shutil.copytree(source, out, dirs_exist_ok=True, ignore=shutil.ignore_patterns(MANIFEST))
            manifest["model_file"] = extra.pop("model_file", None) or ("model.joblib" if (source / "model.joblib").exists() else None)
        elif source.is_file():
            shutil.copy2(source, out / source.name)
            manifest["model_file"] = source.name
        else:
            raise FileNotFoundError(f"No such model file or folder: {str(source)!r}")
        if source.is_file() and source.suffix in (".pt", ".pth") and _is_torchscript_file(source):
            manifest["loader"] = "torchscript"
            framework = framework or "pytorch"
        elif manifest["model_file"] is None or not str(manifest["model_file"]).endswith((".joblib", ".pkl", ".pickle")):
            manifest["loader"] = "custom"
        manifest["framework"] = framework or "custom"
    elif _is_torch_module(path_or_object):
        manifest.update(loader="torchscript", model_file=TORCH_FILE, framework=framework or "pytorch")
        manifest["task"] = extra.pop("task", None)
        manifest["classes"] = _jsonable(extra.pop("classes", None))
        manifest["output"] = extra.pop("output", "logits")
        if manifest["output"] not in ("logits", "probabilities"):
            raise ValueError(f"output (what a torch classifier's scores are) is 'logits' or 'probabilities', not {manifest['output']!r}")
        schema = _normalize_schema(input_schema) if input_schema is not None else infer_schema(input_example) if input_example is not None else None
        _save_torch(path_or_object, out, input_example, schema, manifest)
    else:
        import joblib  # every studio host has it (scikit-learn depends on it)

        obj = path_or_object
        joblib.dump(obj, out / "model.joblib")
        manifest["framework"] = framework or _framework_of(obj)
        manifest["task"] = _task_of(obj)
        classes = getattr(obj, "classes_", None)
        if classes is not None:
            manifest["classes"] = _jsonable(classes)
    if manifest["framework"] not in FRAMEWORKS:
        raise ValueError(f"framework must be one of {FRAMEWORKS}, not {manifest['framework']!r}")
    if input_schema is not None:
        manifest["input_schema"] = _normalize_schema(input_schema)
    elif input_example is not None:
        manifest["input_schema"] = infer_schema(input_example)
    if input_example is not None and hasattr(input_example, "head"):
        names = [c["name"] for c in manifest["input_schema"] or []]
        manifest["input_example"] = example_rows(input_example[names] if names and all(n in input_example.columns for n in names) else input_example)
    if metrics:
        manifest["metrics"] = {str(k): _jsonable(v) for k, v in metrics.items()}
    for key, value in extra.items():
        manifest[key] = _jsonable(value)
    manifest["libraries"] = {**_libraries(), **(manifest.get("libraries") or {})}
    manifest["created_at"] = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    return manifest


def log_model(session, path_or_object: Any, name: str = "model", **kwargs: Any) -> dict[str, Any]:
    """See studio.log_model."""
    from ._artifacts import artifact_key, upload_tree
    from ._tracking import flush_timeout_default

    key = artifact_key(name)
    run = session.current(create=True)
    with tempfile.TemporaryDirectory(prefix="studio-model-") as tmp:
        manifest = save_model(path_or_object, Path(tmp) / "model", name=name, **kwargs)
        run_id = run.id
        upload_tree(run._client, run_id, Path(tmp) / "model", key, time.monotonic() + flush_timeout_default())
    return {**manifest, "run_id": run_id, "artifact_path": key}
