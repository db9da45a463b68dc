"""A model server for one studio model folder (the model file + studio-model.json).

Speaks SageMaker's container contract (``GET /ping``, ``POST /invocations`` with CSV or JSON in and
out) and the Open Inference Protocol v2 (KServe) on a loopback port. The studio's worker starts one
process per endpoint replica, inside the kernel sandbox, and supervises it; the studio's web process
routes requests to it.

    python -m studio.serving --dir MODEL_DIR --port PORT [--host 127.0.0.1]
    python -m studio.serving --models-root DIR --memory-budget-mb MB --port PORT   (multi-model)

A multi-model server answers /models/<folder>/invocations (and /models/<folder>/v2/…) for any model
folder under the root, loading it on its first call and unloading the least recently used ones
when the loaded models take more than the budget (studio.model_cache); GET /models tells what is
loaded and the load times and cache hits so far.

Inputs are checked against the model's input schema: a request with the wrong number of columns or
a value of the wrong type is answered 400 with the expected schema; a model that raises is answered
500 with an error id (and the traceback in the process's log); the server keeps serving.

Loads joblib/pickle objects (``predict`` / ``predict_proba`` on a DataFrame), XGBoost boosters and
TorchScript modules (``torch.jit.save``; on the CPU, in eval mode, without gradients). A TorchScript
module takes one float32 tensor [n, columns] of the schema's numeric columns (missing values as
NaN) and returns [n, 1] (or [n]) predictions for regression, or per class scores for
classification: [n, classes], or [n, 1] for the positive class of a binary classifier. The
manifest's ``output`` says what the scores are: "logits" (the default; softmax, or sigmoid for one
column, gives the probabilities) or "probabilities" (taken as they are). The label is the class
(manifest ``classes``, else 0..k-1) with the highest probability, the first of equal ones.

Per request, and without changing an answer (decided once when a model is loaded, Model.takes_array
and Model.one_pass): numeric inputs reach XGBoost models, and scikit-learn models fitted without
feature names, as one float64 array instead of a DataFrame when the model's recorded feature names
are none or the schema's in its order; a classifier whose predict is the arg max of its
predict_proba (LogisticRegression, trees, forests, gradient boosting, XGBClassifier) is asked for
probabilities once, its labels taken from them, and rows with two (nearly) equal highest
probabilities asked of its predict.
"""

from __future__ import annotations

import argparse
import csv
import email.utils
import io
import json
import math
import os
import socket
import sys
import threading
import time
import traceback
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from studio.model_cache import LoadFailed, ModelCache, ModelNotReady, UnknownModel

MANIFEST = "studio-model.json"
MAX_BODY_BYTES = int(os.environ.get("STUDIO_SERVING_MAX_BODY_BYTES", str(6 * 1024 * 1024)))  # SageMaker's 6 MB
CLASSIFICATION = ("binary_classification", "multiclass_classification")
# What a TorchScript classifier's scores are (studio-model.json "output").
TORCH_OUTPUTS = ("logits", "probabilities")


class BadInput(Exception):
    """The request does not fit the model's input schema (answered 400)."""


class Model:
    """A loaded model and what it takes and returns."""

    def __init__(self, directory: str | os.PathLike, load: bool = True):
        self.directory = Path(directory)
        self.manifest: dict[str, Any] = json.loads((self.directory / MANIFEST).read_text(encoding="utf-8"))
        self.columns: list[dict[str, str]] = list(self.manifest.get("input_schema") or [])
        self.task: str | None = self.manifest.get("task")
        self.name: str = str(self.manifest.get("name") or "model")
        loader = self.loader = str(self.manifest.get("loader") or "joblib")
        model_file = self.directory / str(self.manifest.get("model_file") or "model.joblib")
        started = time.monotonic()
        if not load:  # described only (its schema and manifest), e.g. to check an ONNX file
            self.model = None
        elif loader == "joblib":
            import joblib

            self.model = joblib.load(model_file)
        elif loader == "xgboost":
            import xgboost

            booster = xgboost.Booster()
            booster.load_model(str(model_file))
            self.model = booster
        elif loader == "torchscript":
            self.model = load_torchscript(model_file, self.columns, self.task, self.manifest)
        else:
            raise RuntimeError(f"this server loads joblib, XGBoost and TorchScript models; {loader!r} models are served another way")
        self.load_seconds = time.monotonic() - started
        classes = getattr(self.model, "classes_", None)
        self.classes = [_plain(c) for c in classes] if classes is not None else self.manifest.get("classes")
        self.names: list[str] = [c["name"] for c in self.columns]
        self._booleans = [i for i, c in enumerate(self.columns) if c["type"] == "boolean"]
        # Decided once here, so a request does not ask again (see _plan).
        self.takes_array, self.one_pass = _plan(self.model, self.loader, self.columns, self.task) if load else (False, False)

    # --- inputs -----------------------------------------------------------------------------------

    def schema_text(self) -> str:
        return ", ".join(f"{c['name']} ({c['type']})" for c in self.columns) or "(no input schema recorded)"

    def _convert(self, value: Any, column: dict[str, str], index: int) -> Any:
        kind = column["type"]
        if value is None or (isinstance(value, str) and value == "" and kind != "string"):
            return None
        try:
            if kind == "float":
                if isinstance(value, bool):
                    raise ValueError
                return float(value)
            if kind == "integer":
                if isinstance(value, bool):
                    raise ValueError
                number = float(value)
                if not number.is_integer():
                    raise ValueError
                return int(number)
            if kind == "boolean":
                if isinstance(value, bool):
                    return value
                text = str(value).strip().lower()
                if text in ("true", "1"):
                    return True
                if text in ("false", "0"):
                    return False
                raise ValueError
            return value if isinstance(value, str) else json.dumps(value) if isinstance(value, (dict, list)) else str(value)
        except (TypeError, ValueError):
            raise BadInput(f"record {index + 1}: {value!r} is not a {kind} (column {column['name']}). The model takes {len(self.columns)} columns: {self.schema_text()}") from None

    def records(self, rows: list[Any]) -> list[list[Any]]:
        """Records (lists in schema order, or objects by column name) → rows of checked values in schema order."""
        if not self.columns:
            raise BadInput("the model has no input schema, so requests cannot be checked; register it with one")
        names = self.names
        columns = self.columns
        width = len(names)
        out = []
        for i, row in enumerate(rows):
            if isinstance(row, dict):
                if len(row) != width or any(n not in row for n in names):
                    missing = [n for n in names if n not in row]
                    extra = [k for k in row if k not in names]
                    if missing or extra:
                        said = (f"missing {', '.join(missing)}" if missing else "") + ("; " if missing and extra else "") + (f"unknown {', '.join(extra)}" if extra else "")
                        raise BadInput(f"record {i + 1}: {said}. The model takes {len(names)} columns: {self.schema_text()}")
                values = [row[n] for n in names]
            elif isinstance(row, (list, tuple)):
                if len(row) != width:
                    raise BadInput(f"record {i + 1} has {len(row)} values; the model takes {len(names)} columns: {self.schema_text()}")
                values = row
            else:
                raise BadInput(f"record {i + 1} is neither a list of values nor an object of columns. The model takes {len(names)} columns: {self.schema_text()}")
            out.append([self._convert(v, c, i) for v, c in zip(values, columns)])
        if not out:
            raise BadInput("the request has no records")
        return out

    def frame(self, rows: list[Any]):
        """Records (lists in schema order, or objects by column name) → a DataFrame in schema order."""
        return self._frame(self.records(rows))

    def inputs(self, rows: list[Any]):
        """Records → what the model is fed: a float64 array [n, columns] (missing values as NaN) when
        the model takes one without any difference in its answers (see _plan), else frame(rows)."""
        out = self.records(rows)
        if self.takes_array:
            import numpy as np

            if self.takes_array == "int64":  # scikit-learn, every column an integer: the frame's int64 values
                if not any(v is None for row in out for v in row):
                    try:
                        return np.array(out, dtype=np.int64)
                    except OverflowError:
                        pass
                return self._frame(out)
            # A missing boolean is an object column in the frame (which the model may refuse): the frame decides.
            booleans = self._booleans
            if not booleans or not any(row[i] is None for row in out for i in booleans):
                return np.array(out, dtype=np.float64)  # None → NaN
        return self._frame(out)

    def _frame(self, out: list[list[Any]]):
        """Checked rows → the DataFrame, built column by column with each column's dtype: the frame
        _frame_by_rows builds (float64; int64, or float64 with NaN / object when every value is
        missing; bool, or object with a missing value; strings as pandas infers them)."""
        import numpy as np
        import pandas as pd

        names = self.names
        if len(set(names)) != len(names):
            return _frame_by_rows(out, self.columns)
        data = {}
        try:
            for column, values in zip(self.columns, zip(*out)):
                kind = column["type"]
                has_none = None in values
                if has_none and all(v is None for v in values):
                    array = np.array(values, dtype=np.float64) if kind == "float" else np.array(values, dtype=object)
                elif kind == "float" or (kind == "integer" and has_none):
                    array = np.array(values, dtype=np.float64)
                elif kind == "integer":
                    array = np.array(values, dtype=np.int64)
                elif kind == "boolean":
                    array = np.array(values, dtype=object if has_none else np.bool_)
                else:
                    array = np.empty(len(values), dtype=object)
                    array[:] = values
                data[column["name"]] = array
        except (OverflowError, ValueError, TypeError):  # e.g. an integer beyond int64: as it always was
            return _frame_by_rows(out, self.columns)
        return pd.DataFrame(data, copy=False)

    # --- predictions ------------------------------------------------------------------------------

    def predict(self, frame) -> list[dict[str, Any]]:
        """Answers for a DataFrame (frame) or, when takes_array, the array inputs gives."""
        model = self.model
        if self.loader == "torchscript":
            return self._predict_torch(frame)
        if hasattr(model, "predict") and not _is_booster(model):
            if self.task in CLASSIFICATION and hasattr(model, "predict_proba"):
                if self.one_pass:
                    probabilities = model.predict_proba(frame)
                    labels = self._labels(frame, probabilities)
                else:
                    labels = model.predict(frame)
                    probabilities = model.predict_proba(frame)
                return [
                    {"predicted_label": _plain(label), "probability": float(max(p)), "probabilities": [float(x) for x in p]}
                    for label, p in zip(labels, probabilities.tolist() if hasattr(probabilities, "tolist") else probabilities)
                ]
            labels = model.predict(frame)
            key = "cluster" if self.task == "clustering" else "predicted_label" if self.task in CLASSIFICATION else "prediction"
            return [{key: _plain(value)} for value in labels]
        import numpy as np

        if isinstance(frame, np.ndarray):  # takes_array: the booster's names are the schema's or none
            scores = model.inplace_predict(frame)
        else:
            import xgboost

            scores = model.predict(xgboost.DMatrix(frame, enable_categorical=True))
        return [{"prediction": _plain(value)} for value in scores]

    def _labels(self, inputs, probabilities) -> Any:
        """The labels model.predict gives, from predict_proba's answer of a classifier whose predict is
        its arg max (one_pass): classes_[arg max], and model.predict itself for a row whose two highest
        probabilities are within TIE_MARGIN (or that has a NaN), so a near tie cannot differ."""
        import numpy as np

        model = self.model
        classes = getattr(model, "classes_", None)
        p = probabilities
        if (
            not isinstance(p, np.ndarray)
            or not isinstance(classes, np.ndarray)
            or p.ndim != 2
            or p.shape[0] != len(inputs)
            or p.shape[1] != len(classes)
            or p.shape[1] < 2
        ):
            return model.predict(inputs)
        labels = classes[p.argmax(axis=1)].tolist()
        top = np.partition(p, -2, axis=1)
        close = ~(top[:, -1] - top[:, -2] > TIE_MARGIN)  # NaN counts as close
        if close.any():
            rows = np.flatnonzero(close)
            subset = inputs[rows] if isinstance(inputs, np.ndarray) else inputs.iloc[rows]
            for i, label in zip(rows.tolist(), model.predict(subset)):
                labels[i] = label
        return labels

    def torch_scores(self, frame):
        """The TorchScript module's own output for these rows, as a 2-D tensor [n, width]."""
        import numpy as np
        import torch

        inputs = torch.from_numpy(np.array(frame.astype("float64"), dtype=np.float32))  # a copy: pandas hands out read-only arrays
        with torch.no_grad():
            out = self.model(inputs)
        if not isinstance(out, torch.Tensor):
            raise RuntimeError(f"the TorchScript module returned {type(out).__name__}, not a tensor")
        if out.dim() == 0 or out.shape[0] != len(frame) or out.dim() > 2:
            raise RuntimeError(f"the TorchScript module returned a tensor of shape {list(out.shape)} for {len(frame)} rows; a model answers [n] or [n, k]")
        return out.detach().cpu().reshape(len(frame), -1)

    def _predict_torch(self, frame) -> list[dict[str, Any]]:
        import torch

        scores = self.torch_scores(frame)
        head = torch_head(self.task, self.manifest, scores.shape[1])
        if head["kind"] == "prediction":
            return [{"prediction": _plain(v)} for v in scores[:, 0].tolist()]
        if head["single"]:  # one column: the positive class of a binary classifier
            positive = torch.sigmoid(scores) if head["logits"] else scores
            probabilities = torch.cat([1 - positive, positive], dim=1)
        else:
            probabilities = torch.softmax(scores, dim=1) if head["logits"] else scores
        rows = probabilities.numpy()
        classes = head["classes"]
        return [
            {"predicted_label": classes[int(p.argmax())], "probability": _plain(float(p.max())), "probabilities": [_plain(float(x)) for x in p]}
            for p in rows
        ]


def load_torchscript(model_file: Path, columns: list[dict[str, str]], task: str | None, manifest: dict[str, Any]):
    """A TorchScript module (torch.jit.save) on the CPU in eval mode, after checking it can be fed."""
    other = [f"{c['name']} ({c['type']})" for c in columns if c["type"] not in ("float", "integer")]
    if other:
        raise RuntimeError(f"a TorchScript model takes one float tensor of numeric columns; {', '.join(other)} cannot be fed to it")
    if task == "clustering":
        raise RuntimeError("a TorchScript model is served as a regression or classification model, not clustering")
    if (manifest.get("output") or "logits") not in TORCH_OUTPUTS:
        raise RuntimeError(f"studio-model.json output is {manifest.get('output')!r}; a TorchScript classifier's output is one of {TORCH_OUTPUTS}")
    import warnings

    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # torch 2.13 deprecates torch.jit; it is the format here
        module = torch.jit.load(str(model_file), map_location="cpu")
    module.eval()
    return module


def torch_head(task: str | None, manifest: dict[str, Any], width: int) -> dict[str, Any]:
    """How a TorchScript module's [n, width] output becomes answers (the ONNX export builds the same):
    {"kind": "prediction"}, or {"kind": "classes", "classes", "single", "logits"}."""
    if task not in CLASSIFICATION:
        if width != 1:
            raise RuntimeError(f"the TorchScript module answers {width} values a row; a regression model answers one")
        return {"kind": "prediction"}
    classes = manifest.get("classes")
    single = width == 1
    if single and task != "binary_classification":
        raise RuntimeError("the TorchScript module answers one value a row; a multiclass model answers one score per class")
    if classes is None:
        classes = [0, 1] if single else list(range(width))
    elif len(classes) != (2 if single else width):
        raise RuntimeError(f"the TorchScript module answers {width} scores a row for {len(classes)} classes ({', '.join(map(str, classes))})")
    return {"kind": "classes", "classes": list(classes), "single": single, "logits": (manifest.get("output") or "logits") == "logits"}


def _frame_by_rows(out: list[list[Any]], columns: list[dict[str, str]]):
    """Checked rows → a DataFrame the way pandas builds one from rows (Model._frame builds the same
    faster; this is for what it does not build: repeated column names, integers beyond int64)."""
    import pandas as pd

    frame = pd.DataFrame(out, columns=[c["name"] for c in columns])
    for column in columns:
        if column["type"] == "float":
            frame[column["name"]] = frame[column["name"]].astype("float64")
        elif column["type"] == "integer" and not frame[column["name"]].isna().any():
            frame[column["name"]] = frame[column["name"]].astype("int64")
    return frame


# Final estimators whose predict is by definition the class of predict_proba's highest probability
# (the first of equal ones), so one predict_proba pass answers both. Not SVC and the like: their
# (Platt-scaled) probabilities can disagree with predict. Exact classes, not subclasses.
ARGMAX_CLASSIFIERS = (
    "sklearn.linear_model.LogisticRegression",
    "sklearn.tree.DecisionTreeClassifier",
    "sklearn.tree.ExtraTreeClassifier",
    "sklearn.ensemble.RandomForestClassifier",
    "sklearn.ensemble.ExtraTreesClassifier",
    "sklearn.ensemble.GradientBoostingClassifier",
    "sklearn.ensemble.HistGradientBoostingClassifier",
    "xgboost.XGBClassifier",
)
XGBOOST_PROBABILITY_OBJECTIVES = ("binary:logistic", "multi:softprob")
# Rows whose two highest probabilities are closer than this get the model's own predict.
TIE_MARGIN = 1e-9
NUMERIC = ("float", "integer", "boolean")


def _public_class(name: str) -> Any:
    module, _, attribute = name.rpartition(".")
    try:
        return getattr(__import__(module, fromlist=[attribute]), attribute)
    except (ImportError, AttributeError):
        return None


def _steps(model: Any) -> list[Any]:
    """A scikit-learn Pipeline's steps (through nested pipelines), else [model]."""
    if type(model).__module__.startswith("sklearn.") and type(model).__name__ == "Pipeline":
        return [s for _, step in model.steps for s in _steps(step)]
    return [model]


def _xgboost_names(booster: Any) -> tuple[list[str] | None, bool]:
    """A booster's recorded feature names (None: none) and whether it has categorical features."""
    names = booster.feature_names
    types = booster.feature_types or []
    return (list(names) if names is not None else None), any(t == "c" for t in types)


def _xgboost_booster_kind(booster: Any) -> str | None:
    """gbtree, dart or gblinear (None: not told)."""
    try:
        return json.loads(booster.save_config())["learner"]["gradient_booster"]["name"]
    except Exception:  # noqa: BLE001 - an older or stranger booster: not told
        return None


def _plan(model: Any, loader: str, columns: list[dict[str, str]], task: str | None) -> tuple[str | bool, bool]:
    """(takes_array, one_pass), decided once when a model is loaded.

    takes_array: every input column is numeric and the model is an XGBoost booster or sklearn-API
    XGBoost model, or a scikit-learn estimator (or pipeline of them) fitted without feature names:
    a float64 array then gives the answers the DataFrame gives (XGBoost and scikit-learn turn the
    frame into that array or its float32 copy), without the frame's cost. Only when the model's own
    feature names are absent or the schema's names in the same order: otherwise the DataFrame stays,
    so the library still checks (and refuses) the columns as before. A scikit-learn model fitted on
    a DataFrame keeps the DataFrame (given an array, it warns about the missing feature names); so
    does one with a boolean column (the frame's array would be of objects). The value is the array's
    dtype ("float64", or "int64" for a scikit-learn model whose columns are all integers), or False.

    one_pass: a classifier whose final estimator is in ARGMAX_CLASSIFIERS answers labels from its
    predict_proba alone (Model._labels)."""
    if model is None or loader == "torchscript":
        return False, False
    names = [c["name"] for c in columns]
    numeric = bool(columns) and all(c["type"] in NUMERIC for c in columns)
    takes_array = False
    module = type(model).__module__
    if numeric and module.startswith("xgboost"):
        try:
            booster = model if _is_booster(model) else model.get_booster()
            recorded, categorical = _xgboost_names(booster)
        except Exception:  # noqa: BLE001 - not a fitted XGBoost model: the DataFrame, as before
            return False, False
        if not categorical and (recorded is None or recorded == names) and booster.num_features() == len(names):
            # A booster file is answered by inplace_predict, which for trees is predict's own
            # predictor; for dart and gblinear it is not (or cannot), so they keep the DMatrix.
            takes_array = "float64" if not _is_booster(model) or _xgboost_booster_kind(booster) == "gbtree" else False
    elif numeric and module.startswith("sklearn.") and not any(c["type"] == "boolean" for c in columns):
        steps = _steps(model)
        if (
            all(type(step).__module__.startswith("sklearn.") for step in steps)
            and not hasattr(model, "feature_names_in_")
            and getattr(model, "n_features_in_", len(names)) == len(names)
        ):
            # The array the frame becomes in scikit-learn's check_array: int64 when every column is
            # an integer (and none missing), else float64.
            takes_array = "int64" if all(c["type"] == "integer" for c in columns) else "float64"
    one_pass = False
    if task in CLASSIFICATION and hasattr(model, "predict_proba"):
        final = _steps(model)[-1]  # a pipeline's last step, through nested pipelines
        library = type(final).__module__.split(".")[0]
        kind = next((name for name in ARGMAX_CLASSIFIERS if name.split(".")[0] == library and _public_class(name) is type(final)), None)
        one_pass = kind is not None and (kind != "xgboost.XGBClassifier" or getattr(final, "objective", None) in XGBOOST_PROBABILITY_OBJECTIVES)
    return takes_array, one_pass


def _is_booster(model: Any) -> bool:
    return type(model).__name__ == "Booster" and type(model).__module__.startswith("xgboost")


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


# --- wire formats ---------------------------------------------------------------------------------


def parse_body(model: Model, body: bytes, content_type: str) -> list[Any]:
    kind = content_type.split(";")[0].strip().lower()
    text = body.decode("utf-8", "replace")
    if kind in ("text/csv", "text/plain", ""):
        rows = [row for row in csv.reader(io.StringIO(text)) if row]
        return rows
    if kind in ("application/json", "application/jsonlines", "application/x-ndjson"):
        try:
            if kind == "application/json":
                data = json.loads(text)
            else:
                data = [json.loads(line) for line in text.splitlines() if line.strip()]
        except json.JSONDecodeError as error:
            raise BadInput(f"the body is not valid JSON ({error.msg} at line {error.lineno} column {error.colno})") from None
        if isinstance(data, dict) and "instances" in data:
            data = data["instances"]
        if isinstance(data, dict):
            data = [data]
        if not isinstance(data, list):
            raise BadInput('send {"instances": [...]} or a list of records')
        if data and not isinstance(data[0], (list, dict)):
            data = [data]  # one record as a bare list of values
        return data
    raise BadInput(f"Content-Type {kind} is not supported: send text/csv or application/json")


def csv_values(prediction: dict[str, Any]) -> list[Any]:
    """One prediction as a CSV row: every field but the per-class probabilities."""
    return [v for k, v in prediction.items() if k != "probabilities"]


def csv_columns(prediction: dict[str, Any]) -> list[str]:
    """The names of csv_values' fields, for a header row."""
    return [k for k in prediction if k != "probabilities"]


def format_predictions(predictions: list[dict[str, Any]], accept: str) -> tuple[bytes, str]:
    kind = (accept or "application/json").split(",")[0].split(";")[0].strip().lower()
    if kind == "text/csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        for p in predictions:
            writer.writerow(csv_values(p))
        return out.getvalue().encode(), "text/csv"
    return json.dumps({"predictions": predictions}, separators=(",", ":")).encode(), "application/json"


def v2_rows(model: Model, request: dict[str, Any]) -> list[list[Any]]:
    """Open Inference Protocol inputs → records: one input per column, or one [n, columns] tensor."""
    inputs = request.get("inputs")
    if not isinstance(inputs, list) or not inputs:
        raise BadInput('an inference request has "inputs": [{ name, shape, datatype, data }]')
    names = [c["name"] for c in model.columns]
    if len(inputs) == 1 and len(inputs[0].get("shape") or []) == 2:
        tensor = inputs[0]
        n, width = tensor["shape"]
        data = _flat(tensor.get("data"))
        if width != len(names) or len(data) != n * width:
            raise BadInput(f"input {tensor.get('name')}: shape {tensor['shape']} with {len(data)} values does not fit [n, {len(names)}]; the model takes {model.schema_text()}")
        return [data[i * width : (i + 1) * width] for i in range(n)]
    by_name = {i.get("name"): _flat(i.get("data")) for i in inputs}
    missing = [n for n in names if n not in by_name]
    if missing:
        raise BadInput(f"inputs {', '.join(missing)} are missing; the model takes {model.schema_text()}")
    lengths = {len(by_name[n]) for n in names}
    if len(lengths) != 1:
        raise BadInput("every input needs the same number of values")
    return [list(values) for values in zip(*(by_name[n] for n in names))]


def _flat(data: Any) -> list[Any]:
    if not isinstance(data, list):
        raise BadInput('"data" must be a list')
    out: list[Any] = []
    for item in data:
        out.extend(_flat(item) if isinstance(item, list) else [item])
    return out


def v2_response(model: Model, predictions: list[dict[str, Any]], request_id: str | None) -> dict[str, Any]:
    outputs = []
    for key in predictions[0].keys() if predictions else []:
        values = [p[key] for p in predictions]
        if key == "probabilities":
            width = len(values[0]) if values else 0
            outputs.append({"name": key, "shape": [len(values), width], "datatype": "FP64", "data": [x for row in values for x in row]})
            continue
        datatype = "BYTES" if any(isinstance(v, str) for v in values) else "FP64" if any(isinstance(v, float) for v in values) else "INT64"
        outputs.append({"name": key, "shape": [len(values)], "datatype": datatype, "data": values})
    return {"model_name": model.name, "id": request_id or str(uuid.uuid4()), "outputs": outputs}


# --- HTTP -----------------------------------------------------------------------------------------


_date: tuple[int, str] = (0, "")


def http_date() -> str:
    """The Date header's value, formatted once a second (BaseHTTPRequestHandler.date_time_string)."""
    global _date
    now = int(time.time())
    if _date[0] != now:
        _date = (now, email.utils.formatdate(now, usegmt=True))
    return _date[1]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the studio's router reuses connections
    server: "ModelServer"

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in separate writes: without this, Nagle's algorithm and the
        # client's delayed ACK add ~40 ms to every answer on a kept-alive connection.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass  # one line per request would drown the log; errors are printed where they happen

    def _send(self, status: int, body: bytes, content_type: str = "application/json", extra: dict[str, str] | None = None) -> None:
        """The status line, the headers send_response writes (Server, Date) and ours, and the body,
        in one write: one system call, and a small answer leaves in one TCP segment."""
        if self.request_version == "HTTP/0.9":  # no status line nor headers: http.server's way
            self.send_response(status)
            self.end_headers()
            self.wfile.write(body)
            return
        reason = self.responses[status][0] if status in self.responses else ""
        head = f"{self.protocol_version} {status} {reason}\r\nServer: {self.version_string()}\r\nDate: {http_date()}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
        if extra:
            head += "".join(f"{key}: {value}\r\n" for key, value in extra.items())
        self.wfile.write((head + "\r\n").encode("latin-1", "strict") + body)

    def _error(self, status: int, code: str, message: str, error_id: str | None = None) -> None:
        payload: dict[str, Any] = {"error": {"code": code, "message": message}}
        if error_id:
            payload["error"]["errorId"] = error_id
        self._send(status, json.dumps(payload).encode())

    def _body(self) -> bytes | None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self._error(413, "payload_too_large", f"the request body is {length} bytes; an endpoint takes at most {MAX_BODY_BYTES}")
            self.close_connection = True
            return None
        return self.rfile.read(length) if length else b""

    def _target(self) -> tuple[Model, str, dict[str, str]] | None:
        """The model a request is for and the rest of its path. A multi-model server takes
        /models/<name>/… and loads <name> on its first call (None: already answered)."""
        path, _, query = self.path.partition("?")
        path = path.rstrip("/")
        cache = self.server.cache
        if cache is None:
            return self.server.model, path, {}
        parts = path.split("/", 3)  # "", "models", name, rest
        if len(parts) < 3 or parts[1] != "models" or not parts[2]:
            self._error(404, "not_found", f"no such path: {path} (a multi-model server answers /models/<name>/invocations)")
            return None
        try:
            # ?name= is what callers call the model (the studio's target-model name), for the log.
            label = urllib.parse.parse_qs(query).get("name", [None])[0]
            model, headers = cache.get(parts[2], label=label)
        except UnknownModel as error:
            self._error(404, "unknown_model", str(error))
            return None
        except ModelNotReady as error:
            self._error(503, "ModelNotReadyException", str(error))
            return None
        except LoadFailed as error:
            print(f"[error] {error}", file=sys.stderr, flush=True)
            self._error(500, "model_load_failed", str(error))
            return None
        rest = "/" + parts[3] if len(parts) > 3 else ""
        # /models/<name>/v2/… speaks the Open Inference Protocol for that model.
        return model, ("/v2/models/model" + rest[3:] if rest == "/v2" or rest.startswith("/v2/") else rest), headers

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        path = self.path.split("?")[0].rstrip("/")
        if path in ("/ping", "/v2/health/live", "/v2/health/ready"):
            return self._send(200, b'{"status":"ok"}')
        if self.server.cache is not None and path == "/models":
            return self._send(200, json.dumps(self.server.cache.describe()).encode())
        target = self._target()
        if target is None:
            return
        model, path, headers = target
        if path.startswith("/v2/models/"):
            parts = path.split("/")[3:]
            if parts and parts[-1] == "ready":
                return self._send(200, json.dumps({"name": model.name, "ready": True}).encode(), extra=headers)
            return self._send(
                200,
                json.dumps(
                    {
                        "name": model.name,
                        "platform": str(model.manifest.get("framework") or "custom"),
                        "inputs": [{"name": c["name"], "datatype": _v2_type(c["type"]), "shape": [-1]} for c in model.columns],
                        "outputs": [],
                    }
                ).encode(),
                extra=headers,
            )
        self._error(404, "not_found", f"no such path: {path}")

    def do_DELETE(self) -> None:  # noqa: N802 - http.server's naming
        path = self.path.split("?")[0].rstrip("/")
        parts = path.split("/")
        if self.server.cache is None or len(parts) != 3 or parts[1] != "models":
            return self._error(404, "not_found", f"no such path: {path}")
        return self._send(200, json.dumps({"unloaded": self.server.cache.unload(parts[2])}).encode())

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self._body()
        if body is None:
            return
        target = self._target()
        if target is None:
            return
        model, path, headers = target
        try:
            if path == "/invocations":
                rows = parse_body(model, body, self.headers.get("Content-Type") or "text/csv")
                predictions = model.predict(model.inputs(rows))
                out, content_type = format_predictions(predictions, self.headers.get("Accept") or "application/json")
                return self._send(200, out, content_type, extra=headers)
            if path.startswith("/v2/models/") and path.endswith("/infer"):
                try:
                    request = json.loads(body or b"{}")
                except json.JSONDecodeError as error:
                    raise BadInput(f"the body is not valid JSON ({error.msg})") from None
                predictions = model.predict(model.inputs(v2_rows(model, request)))
                return self._send(200, json.dumps(v2_response(model, predictions, request.get("id")), separators=(",", ":")).encode(), extra=headers)
            return self._error(404, "not_found", f"no such path: {path}")
        except BadInput as error:
            return self._error(400, "bad_request", str(error))
        except Exception:  # noqa: BLE001 - a model that raises answers 500 and the server goes on
            error_id = str(uuid.uuid4())
            print(f"[error {error_id}] the model raised:\n{traceback.format_exc()}", file=sys.stderr, flush=True)
            return self._error(500, "model_error", "the model raised an error while predicting (see the endpoint's log)", error_id)


def _v2_type(kind: str) -> str:
    return {"float": "FP64", "integer": "INT64", "boolean": "BOOL"}.get(kind, "BYTES")


class ModelServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], model: Model | None = None, cache: ModelCache | None = None):
        self.model = model  # one model, or
        self.cache = cache  # the models of a multi-model endpoint, loaded on their first call
        super().__init__(address, Handler)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m studio.serving", description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--dir", help="the model folder (studio-model.json + the model file)")
    where.add_argument("--models-root", help="multi-model: a folder of model folders, each loaded on its first call to /models/<folder>/…")
    parser.add_argument("--memory-budget-mb", type=float, default=1024, help="multi-model: unload least recently used models above this much memory")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    if args.dir:
        model = Model(args.dir)
        server = ModelServer((args.host, args.port), model=model)
        print(f"serving {model.name} ({model.manifest.get('framework')}, loaded in {model.load_seconds:.2f} s) on http://{args.host}:{server.server_port}", flush=True)
    else:
        # The libraries models need are imported now, so a model's load measures the model alone.
        for module in ("pandas", "joblib", "sklearn", "xgboost"):
            try:
                __import__(module)
            except ImportError:
                pass
        cache = ModelCache(args.models_root, int(args.memory_budget_mb * 2**20), load=Model)
        server = ModelServer((args.host, args.port), cache=cache)
        print(f"serving the models under {args.models_root} (each loaded on its first call; {args.memory_budget_mb:g} MB budget) on http://{args.host}:{server.server_port}", flush=True)
    stop = threading.Event()

    def _terminate(*_: Any) -> None:
        stop.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    import signal

    signal.signal(signal.SIGTERM, _terminate)
    try:
        server.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
