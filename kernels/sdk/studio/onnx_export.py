"""Exports a studio model folder to ONNX and checks the export predicts what the model does.

    python -m studio.onnx_export --dir MODEL_DIR --out OUT_DIR
    from studio.onnx_export import run_for_studio; run_for_studio()   # in a kernel the studio started

The studio exports every registered model version in a kernel on a compute host
(server/models/export-onnx.ts) that runs ``run_for_studio``: with STUDIO_URL, STUDIO_TOKEN (a token
for this export only) and STUDIO_MODEL_VERSION_ID it downloads the version's files into
./exports/<version>/, exports them as below, sends the graph and then the report, each retried
until the studio acknowledges it, and removes the folder.

scikit-learn estimators and pipelines (the built-in algorithms' pieces included) convert with
skl2onnx, XGBoost models with onnxmltools, TorchScript modules with torch.onnx's TorchScript-based
exporter (``dynamo=False``: the torch.export-based one does not take a ScriptModule) plus the
studio's head (softmax/sigmoid, arg max, the class names: ``studio.serving.torch_head``); an
uploaded ONNX model is inspected as it is. The export is run with onnxruntime on the model's input
example (studio-model.json ``input_example``) plus generated rows, fed exactly as the studio's
in-process server feeds it (``serving`` below), all at once and one row alone (the batch dimension
is dynamic), and its answers are compared with the model's own (``studio.serving.Model``): labels
equal, probabilities and predictions within 1e-5 (relative to the value's size when it is above 1).
Only an export that passes is written.

The report (printed by the command as the last line of stdout; sent to the studio by ``run_for_studio``):
``{"status": "converted", "file": "model.onnx", "serving": {...}, "checkedRows": n, "maxDifference": d, ...}``
or ``{"status": "unsupported" | "failed", "reason": "..."}``. ``serving`` tells the studio how to
feed the graph and read its answer: ``layout`` "columns" (one [n, 1] input per schema column) or
"matrix" (one [n, k] input), each input's element type, and which outputs hold the label, the
class probabilities and the prediction.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import time
import traceback
from pathlib import Path, PurePosixPath
from typing import Any, Mapping

import numpy as np

from .serving import MANIFEST, BadInput, Model, torch_head

TOLERANCE = 1e-5
GENERATED_ROWS = 64
ONNX_FILE = "model.onnx"
# onnxruntime-node 1.31 (the studio's runtime) reads ONNX IR <= 11; these opsets give IR 9 (19: Equal on strings).
TARGET_OPSET = {"": 19, "ai.onnx.ml": 3}
CLASSIFICATION = ("binary_classification", "multiclass_classification")
# A missing text value (JSON null) as the graph sees it: a string no request can hold by accident,
# so an empty string stays an empty string, as it does for the model itself.
MISSING_TEXT = "\u0000missing"


class Unsupported(Exception):
    """The model cannot be exported (the studio serves it with the Python model server)."""


# --- the studio's own pipeline pieces ---------------------------------------------------------------


def _register_converters() -> None:
    """skl2onnx converters for studio.algorithms.estimators and XGBoost's scikit-learn models."""
    from skl2onnx import update_registered_converter
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType, Int64TensorType, StringTensorType
    from skl2onnx.common.shape_calculator import calculate_linear_classifier_output_shapes, calculate_linear_regressor_output_shapes

    from .algorithms.estimators import LabelEncodedClassifier, ToNumbers, ToStrings

    def parser_for(output_type):
        def parse(scope, model, inputs, custom_parsers=None):
            operator = scope.declare_local_operator(_alias_of(model), model)
            operator.inputs = inputs
            kind = output_type(inputs)
            operator.outputs.append(scope.declare_local_variable("columns", kind()))
            return operator.outputs

        return parse

    def number_type(inputs):
        # Text never reaches a number column (the studio's server answers 400), so the numbers
        # keep the precision they came in (float inputs stay float).
        return FloatTensorType if all(isinstance(i.type, FloatTensorType) for i in inputs) else DoubleTensorType

    def shape_of(output_type):
        def shape(operator):
            rows = operator.inputs[0].get_first_dimension()
            width = sum(i.get_second_dimension() or 1 for i in operator.inputs)
            operator.outputs[0].type = output_type(operator.inputs)([rows, width])

        return shape

    def columns_convert(scope, operator, container):
        names = []
        numeric = operator.outputs[0].type.__class__ in (DoubleTensorType, FloatTensorType)
        for variable in operator.inputs:
            if numeric and variable.type.__class__ is not operator.outputs[0].type.__class__:
                name = scope.get_unique_variable_name("as_number")
                to = 11 if operator.outputs[0].type.__class__ is DoubleTensorType else 1
                container.add_node("Cast", variable.full_name, name, to=to, name=scope.get_unique_operator_name("Cast"))
                names.append(name)
            else:
                names.append(variable.full_name)
        if len(names) == 1:
            container.add_node("Identity", names[0], operator.outputs[0].full_name, name=scope.get_unique_operator_name("Identity"))
        else:
            container.add_node("Concat", names, operator.outputs[0].full_name, axis=1, name=scope.get_unique_operator_name("Concat"))

    from skl2onnx._supported_operators import sklearn_operator_name_map
    from skl2onnx.common._registration import get_converter, get_shape_calculator
    from sklearn.impute import SimpleImputer

    imputer_alias = sklearn_operator_name_map[SimpleImputer]
    imputer_shape, imputer_convert = get_shape_calculator(imputer_alias), get_converter(imputer_alias)

    def imputer(scope, operator, container):
        # skl2onnx imputes text only when the missing marker is a string; the studio's pipelines mark
        # it NaN (pandas' missing), which reaches the graph as MISSING_TEXT.
        # onnxruntime's Imputer takes float only: doubles (NaN missing) get IsNaN + Where.
        model = operator.raw_operator
        kind = operator.inputs[0].type
        text = isinstance(kind, StringTensorType) and not isinstance(model.missing_values, str)
        doubles = isinstance(kind, DoubleTensorType) and isinstance(model.missing_values, float) and math.isnan(model.missing_values)
        if not (text or doubles) or model.add_indicator:
            return imputer_convert(scope, operator, container)
        fill = scope.get_unique_variable_name("fill")
        mask = scope.get_unique_variable_name("is_missing")
        if text:
            container.add_initializer(fill, 8, [len(model.statistics_)], [str(v).encode() for v in model.statistics_])
            marker = scope.get_unique_variable_name("missing")
            container.add_initializer(marker, 8, [], [MISSING_TEXT.encode()])
            container.add_node("Equal", [operator.inputs[0].full_name, marker], mask, name=scope.get_unique_operator_name("Equal"))
        else:
            container.add_initializer(fill, 11, [len(model.statistics_)], [float(v) for v in model.statistics_])
            container.add_node("IsNaN", operator.inputs[0].full_name, mask, name=scope.get_unique_operator_name("IsNaN"))
        container.add_node("Where", [mask, fill, operator.inputs[0].full_name], operator.outputs[0].full_name, name=scope.get_unique_operator_name("Where"))

    update_registered_converter(SimpleImputer, imputer_alias, imputer_shape, imputer)

    strings = lambda inputs: StringTensorType  # noqa: E731
    update_registered_converter(ToNumbers, "StudioToNumbers", shape_of(number_type), columns_convert, parser=parser_for(number_type))
    update_registered_converter(ToStrings, "StudioToStrings", shape_of(strings), columns_convert, parser=parser_for(strings))

    def encoded_shape(operator):
        calculate_linear_classifier_output_shapes(operator)
        classes = operator.raw_operator.classes_
        if np.asarray(classes).dtype.kind in "iub":
            operator.outputs[0].type = Int64TensorType([operator.inputs[0].get_first_dimension()])
        else:
            operator.outputs[0].type = StringTensorType([operator.inputs[0].get_first_dimension()])

    def encoded_convert(scope, operator, container):
        # The inner model predicts 0..n-1; the answer is classes_[index].
        from skl2onnx.common._topology import Variable  # noqa: F401 - imported for its side effects on older skl2onnx
        from skl2onnx._parse import _parse_sklearn_classifier  # noqa: F401

        inner = operator.raw_operator.estimator_
        alias = scope.declare_local_operator(_alias_of(inner), inner)
        alias.inputs = operator.inputs
        index = scope.declare_local_variable("index", Int64TensorType())
        probabilities = scope.declare_local_variable("probabilities", operator.outputs[1].type.__class__())
        alias.outputs.append(index)
        alias.outputs.append(probabilities)
        classes = np.asarray(operator.raw_operator.classes_)
        constant = scope.get_unique_variable_name("classes")
        if classes.dtype.kind in "iub":
            container.add_initializer(constant, 7, [len(classes)], classes.astype(np.int64).tolist())
        else:
            container.add_initializer(constant, 8, [len(classes)], [str(c).encode() for c in classes])
        container.add_node("Gather", [constant, index.onnx_name], operator.outputs[0].full_name, axis=0, name=scope.get_unique_operator_name("Gather"))
        container.add_node("Identity", probabilities.onnx_name, operator.outputs[1].full_name, name=scope.get_unique_operator_name("Identity"))

    update_registered_converter(LabelEncodedClassifier, "StudioLabelEncodedClassifier", encoded_shape, encoded_convert, options={"zipmap": [False, True], "nocl": [False, True]})

    try:
        from onnxmltools.convert.xgboost.operator_converters.XGBoost import convert_xgboost
        from xgboost import XGBClassifier, XGBRegressor
    except ImportError:  # no XGBoost on this host: nothing to register
        return
    update_registered_converter(XGBClassifier, "XGBoostXGBClassifier", calculate_linear_classifier_output_shapes, convert_xgboost, options={"nocl": [True, False], "zipmap": [True, False, "columns"]})
    update_registered_converter(XGBRegressor, "XGBoostXGBRegressor", calculate_linear_regressor_output_shapes, convert_xgboost)


def _alias_of(model: Any) -> str:
    from skl2onnx._supported_operators import sklearn_operator_name_map

    alias = sklearn_operator_name_map.get(type(model))
    if alias is None:
        raise Unsupported(f"no ONNX converter for {type(model).__name__}")
    return alias


# --- feeding the graph the way the studio's server does ---------------------------------------------


def column_kind(schema_type: str) -> str:
    """The element type of a schema column's input: numbers as double, text and booleans as strings."""
    return "double" if schema_type in ("float", "integer") else "string"


def _feed_value(value: Any, schema_type: str) -> Any:
    if schema_type in ("float", "integer"):
        return math.nan if value is None else float(value)
    if value is None:
        return MISSING_TEXT
    if schema_type == "boolean":
        return "true" if value else "false"
    return str(value)


def feeds(model: Model, frame, serving: dict[str, Any]) -> dict[str, np.ndarray]:
    """The inputs the studio's in-process server builds for these rows (the same rules as onnx-runtime.ts)."""
    records = frame.astype(object).where(frame.notna(), None).values.tolist()
    types = [c["type"] for c in model.columns]
    if serving["layout"] == "matrix":
        spec = serving["inputs"][0]
        dtype = np.float32 if spec["type"] == "float" else np.float64
        return {spec["name"]: np.array([[_feed_value(v, t) for v, t in zip(r, types)] for r in records], dtype=dtype)}
    out: dict[str, np.ndarray] = {}
    for i, spec in enumerate(serving["inputs"]):
        column = [_feed_value(r[i], types[i]) for r in records]
        if spec["type"] == "string":
            out[spec["name"]] = np.array(column, dtype=object).reshape(-1, 1)
        else:
            out[spec["name"]] = np.array(column, dtype=np.float32 if spec["type"] == "float" else np.float64).reshape(-1, 1)
    return out


def answers(model: Model, outputs: dict[str, np.ndarray], serving: dict[str, Any]) -> list[dict[str, Any]]:
    """The graph's outputs as the studio's answer records (the same rules as onnx-runtime.ts)."""
    names = serving["outputs"]
    if "label" in names:
        labels = outputs[names["label"]].reshape(-1)
        if "probabilities" in names:
            probabilities = outputs[names["probabilities"]].reshape(len(labels), -1)
            return [
                {"predicted_label": _label(l), "probability": float(p.max()), "probabilities": [float(x) for x in p]}
                for l, p in zip(labels, probabilities)
            ]
        key = "cluster" if model.task == "clustering" else "predicted_label"
        return [{key: _label(l)} for l in labels]
    values = outputs[names["prediction"]]
    if names.get("predictionColumn") is not None:
        values = values.reshape(values.shape[0], -1)[:, names["predictionColumn"]]
    return [{"prediction": float(v)} for v in values.reshape(-1)]


def _label(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode()
    if hasattr(value, "item"):
        return value.item()
    return value


# --- rows to check with -------------------------------------------------------------------------------


def check_rows(model: Model, seed: int = 0) -> list[list[Any]]:
    """The model's input example (if it has one) and generated rows around it."""
    rng = np.random.default_rng(seed)
    example = model.manifest.get("input_example") or []
    rows: list[list[Any]] = []
    names = [c["name"] for c in model.columns]
    for record in example:
        rows.append([record.get(n) for n in names] if isinstance(record, dict) else list(record))
    seen: list[list[Any]] = [[r[i] for r in rows if i < len(r) and r[i] is not None] for i in range(len(names))]
    for _ in range(GENERATED_ROWS):
        row: list[Any] = []
        for i, column in enumerate(model.columns):
            values = seen[i]
            kind = column["type"]
            if kind == "float":
                numbers = [float(v) for v in values if isinstance(v, (int, float))]
                centre, spread = (float(np.mean(numbers)), float(np.std(numbers)) or 1.0) if numbers else (0.0, 3.0)
                row.append(float(rng.normal(centre, spread * 1.5)))
            elif kind == "integer":
                numbers = [int(v) for v in values if isinstance(v, (int, float))]
                low, high = (min(numbers), max(numbers)) if numbers else (0, 10)
                row.append(int(rng.integers(low - 1, high + 2)))
            elif kind == "boolean":
                row.append(bool(rng.integers(0, 2)))
            else:
                pool = [str(v) for v in values] or ["a", "b", "c"]
                row.append(pool[int(rng.integers(0, len(pool)))] if rng.random() > 0.1 else "unseen-value")
        rows.append(row)
    return rows


# --- conversion -------------------------------------------------------------------------------------------


def _initial_types(model: Model, float32: bool):
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType, StringTensorType

    number = FloatTensorType if float32 else DoubleTensorType
    return [(c["name"], number([None, 1]) if column_kind(c["type"]) == "double" else StringTensorType([None, 1])) for c in model.columns]


def _column_serving(model: Model, onx, float32: bool) -> dict[str, Any]:
    inputs = [{"name": c["name"], "column": c["name"], "type": "string" if column_kind(c["type"]) == "string" else "float" if float32 else "double"} for c in model.columns]
    return {"layout": "columns", "inputs": inputs, "outputs": _output_names(model, onx)}


def _output_names(model: Model, onx) -> dict[str, Any]:
    names = [o.name for o in onx.graph.output]
    if model.task in CLASSIFICATION or model.task == "clustering":
        label = next((n for n in names if n in ("label", "output_label")), names[0])
        out: dict[str, Any] = {"label": label}
        probabilities = next((n for n in names if n in ("probabilities", "output_probability")), None)
        if probabilities and model.task in CLASSIFICATION:
            out["probabilities"] = probabilities
        return out
    return {"prediction": next((n for n in names if n in ("variable", "prediction", "predictions")), names[0])}


def _without_feature_names(fitted: Any) -> Any:
    """A copy whose XGBoost boosters read features by position (f0, f1, …), as onnxmltools needs;
    a model fitted on a DataFrame names them after its columns."""
    import copy

    fitted = copy.deepcopy(fitted)
    stack = [fitted]
    while stack:
        item = stack.pop()
        if hasattr(item, "steps"):
            stack.extend(step for _, step in item.steps)
        for attribute in ("estimator_",):
            if hasattr(item, attribute):
                stack.append(getattr(item, attribute))
        if type(item).__module__.startswith("xgboost") and hasattr(item, "get_booster"):
            booster = item.get_booster()
            booster.feature_names = None
            booster.feature_types = None
    return fitted


def convert_sklearn(model: Model, float32: bool, matrix: bool = False):
    from skl2onnx import convert_sklearn as to_onnx
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType

    _register_converters()
    fitted = _without_feature_names(model.model)
    options: dict[Any, Any] = {}
    if model.task in CLASSIFICATION:
        estimator = fitted.steps[-1][1] if hasattr(fitted, "steps") else fitted
        options[id(estimator)] = {"zipmap": False}
    if matrix:
        # A bare estimator on numbers takes one [n, columns] tensor (its converters want one input).
        if any(column_kind(c["type"]) != "double" for c in model.columns):
            raise ValueError("a one-tensor input needs numeric columns")
        kind = FloatTensorType if float32 else DoubleTensorType
        onx = to_onnx(fitted, initial_types=[("input", kind([None, len(model.columns)]))], target_opset=TARGET_OPSET, options=options)
        return onx, {"layout": "matrix", "inputs": [{"name": "input", "type": "float" if float32 else "double"}], "outputs": _output_names(model, onx)}
    onx = to_onnx(fitted, initial_types=_initial_types(model, float32), target_opset=TARGET_OPSET, options=options)
    return onx, _column_serving(model, onx, float32)


def convert_booster(model: Model):
    from onnxmltools import convert_xgboost
    from onnxmltools.convert.common.data_types import FloatTensorType

    if any(column_kind(c["type"]) != "double" for c in model.columns):
        raise Unsupported("an XGBoost booster with text columns cannot be exported")
    booster = model.model.copy()
    booster.feature_names = None  # onnxmltools reads features by position (f0, f1, …)
    booster.feature_types = None
    onx = convert_xgboost(booster, initial_types=[("input", FloatTensorType([None, len(model.columns)]))], target_opset=15)  # onnxmltools 1.16 converts XGBoost up to opset 15
    names = [o.name for o in onx.graph.output]
    if len(names) == 1:
        outputs: dict[str, Any] = {"prediction": names[0]}
    else:
        # A booster's predict() gives the positive class's probability for binary objectives.
        outputs = {"prediction": names[1], "predictionColumn": 1}
    return onx, {"layout": "matrix", "inputs": [{"name": "input", "type": "float"}], "outputs": outputs}


def convert_torchscript(model: Model):
    """torch.onnx's TorchScript-based exporter on the module, then the head serving.torch_head describes."""
    import io
    import warnings

    import onnx
    import torch
    from onnx import TensorProto, helper

    width = len(model.columns)
    sample = torch.zeros(2, width)  # two rows: the batch dimension is named dynamic below and checked with others
    head = torch_head(model.task, model.manifest, int(model.torch_scores(model.frame([[0] * width] * 2)).shape[1]))
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # The TorchScript-based exporter warns that it is deprecated in favour of torch.export,
        # which does not take a ScriptModule (TS2EPConverter, its bridge, is private).
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model.model,
            (sample,),
            buffer,
            input_names=["input"],
            output_names=["output"],
            opset_version=TARGET_OPSET[""],
            dynamo=False,
            dynamic_axes={"input": {0: "n"}, "output": {0: "n"}},
        )
    onx = onnx.load_from_string(buffer.getvalue())
    serving: dict[str, Any] = {"layout": "matrix", "inputs": [{"name": "input", "type": "float"}]}
    if head["kind"] == "prediction":
        serving["outputs"] = {"prediction": "output"}
        return onx, serving

    # The head, after the module's own graph (names prefixed so none can be one of the module's).
    graph = onx.graph
    element = graph.output[0].type.tensor_type.elem_type
    nodes = []
    if head["single"]:  # [n, 1] (or [n]): the positive class's score
        graph.initializer.append(helper.make_tensor("studio_column", TensorProto.INT64, [2], [-1, 1]))
        graph.initializer.append(helper.make_tensor("studio_one", element, [], [1.0]))
        nodes.append(helper.make_node("Reshape", ["output", "studio_column"], ["studio_score"]))
        nodes.append(helper.make_node("Sigmoid" if head["logits"] else "Identity", ["studio_score"], ["studio_positive"]))
        nodes.append(helper.make_node("Sub", ["studio_one", "studio_positive"], ["studio_negative"]))
        nodes.append(helper.make_node("Concat", ["studio_negative", "studio_positive"], ["probabilities"], axis=1))
    elif head["logits"]:
        nodes.append(helper.make_node("Softmax", ["output"], ["probabilities"], axis=1))
    else:
        nodes.append(helper.make_node("Identity", ["output"], ["probabilities"]))
    nodes.append(helper.make_node("ArgMax", ["probabilities"], ["studio_index"], axis=1, keepdims=0))  # the first of equal ones, as numpy
    classes = head["classes"]
    if all(isinstance(c, int) and not isinstance(c, bool) for c in classes):
        label_type, values = TensorProto.INT64, [int(c) for c in classes]
    elif all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in classes):
        label_type, values = TensorProto.DOUBLE, [float(c) for c in classes]
    else:
        label_type, values = TensorProto.STRING, [str(c).encode() for c in classes]
    graph.initializer.append(helper.make_tensor("studio_classes", label_type, [len(values)], values))
    nodes.append(helper.make_node("Gather", ["studio_classes", "studio_index"], ["label"], axis=0))
    graph.node.extend(nodes)
    del graph.output[:]
    graph.output.extend(
        [
            helper.make_tensor_value_info("label", label_type, ["n"]),
            helper.make_tensor_value_info("probabilities", element, ["n", len(classes)]),
        ]
    )
    onnx.checker.check_model(onx)
    serving["outputs"] = {"label": "label", "probabilities": "probabilities"}
    return onx, serving


def inspect_onnx(model: Model):
    import onnx

    onx = onnx.load(str(model.directory / str(model.manifest.get("model_file"))))
    inputs = [i for i in onx.graph.input if i.name not in {init.name for init in onx.graph.initializer}]
    if len(inputs) == 1 and len(model.columns) != 1:
        element = inputs[0].type.tensor_type.elem_type
        if element not in (1, 11):
            raise Unsupported("the ONNX model's one input is not a float or double tensor")
        serving = {"layout": "matrix", "inputs": [{"name": inputs[0].name, "type": "float" if element == 1 else "double"}], "outputs": _output_names(model, onx)}
    else:
        by_name = {i.name: i for i in inputs}
        missing = [c["name"] for c in model.columns if c["name"] not in by_name]
        if missing:
            raise Unsupported(f"the ONNX model's inputs ({', '.join(by_name)}) are not the schema's columns (missing {', '.join(missing)})")
        serving = {
            "layout": "columns",
            "inputs": [{"name": c["name"], "column": c["name"], "type": {1: "float", 11: "double", 8: "string"}.get(by_name[c["name"]].type.tensor_type.elem_type, "unsupported")} for c in model.columns],
            "outputs": _output_names(model, onx),
        }
        if any(i["type"] == "unsupported" for i in serving["inputs"]):
            raise Unsupported("the ONNX model has inputs that are neither float, double nor string tensors")
    return onx, serving


def _difference(expected: list[dict[str, Any]], got: list[dict[str, Any]]) -> float:
    worst = 0.0
    for i, (a, b) in enumerate(zip(expected, got)):
        for key, value in a.items():
            if key not in b:
                raise AssertionError(f"the export's answer lacks {key}")
            other = b[key]
            if isinstance(value, list):
                pairs = list(zip(value, other))
            else:
                pairs = [(value, other)]
            for x, y in pairs:
                if isinstance(x, (int, float)) and not isinstance(x, bool) and isinstance(y, (int, float)):
                    if x is None or y is None:
                        continue
                    scale = max(1.0, abs(float(x)))
                    diff = abs(float(x) - float(y)) / scale
                    if key in ("predicted_label", "cluster") and diff != 0:
                        raise AssertionError(f"row {i + 1}: label {x!r} became {y!r}")
                    worst = max(worst, diff)
                elif x != y and not (x is None and isinstance(y, float) and math.isnan(y)):
                    raise AssertionError(f"row {i + 1}: {key} {x!r} became {y!r}")
    return worst


def export(directory: str | Path, out: str | Path) -> dict[str, Any]:
    import onnxruntime

    described = json.loads((Path(directory) / MANIFEST).read_text(encoding="utf-8"))
    loader = described.get("loader") or "joblib"
    if loader == "torchscript":
        import importlib.util

        if importlib.util.find_spec("torch") is None:
            return {"status": "unsupported", "reason": "torch is not installed on this host"}
        other = [f"{c.get('name')} ({c.get('type')})" for c in described.get("input_schema") or [] if c.get("type") not in ("float", "integer")]
        if other:
            return {"status": "unsupported", "reason": f"a TorchScript model takes one float tensor of numeric columns, not {', '.join(other)}"}
    model = Model(directory, load=loader != "onnx")
    if not model.columns:
        return {"status": "unsupported", "reason": "the model has no input schema"}
    framework = str(model.manifest.get("framework") or "custom")
    rows = check_rows(model)
    frame = None
    try:
        frame = model.frame(rows)
    except BadInput as error:
        return {"status": "failed", "reason": f"the rows to check with do not fit the schema: {error}"}

    if loader == "onnx":
        attempts = [("onnx", inspect_onnx)]
    elif loader == "xgboost":
        attempts = [("onnxmltools", convert_booster)]
    elif loader == "torchscript":
        attempts = [("torch.onnx", convert_torchscript)]
    elif loader == "joblib" and framework in ("sklearn", "xgboost"):
        attempts = [("skl2onnx", lambda m, f=f, x=x: convert_sklearn(m, float32=f, matrix=x)) for x in (False, True) for f in (False, True)]
    else:
        return {"status": "unsupported", "reason": f"{framework} models loaded with {loader} have no ONNX converter here"}

    expected = None if loader == "onnx" else model.predict(frame)
    reasons: list[str] = []
    traces: list[str] = []
    for converter, attempt in attempts:
        try:
            onx, serving = attempt(model)
            if onx.ir_version > 10:
                onx.ir_version = 10
            session = onnxruntime.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])
            names = [o.name for o in session.get_outputs()]
            difference = 0.0
            # Every row at once, then one alone: the graph takes any number of rows.
            for rows_fed in (frame, frame.iloc[:1]):
                outputs = dict(zip(names, session.run(None, feeds(model, rows_fed, serving))))
                got = answers(model, outputs, serving)
                if len(got) != len(rows_fed):
                    raise AssertionError(f"{len(rows_fed)} rows got {len(got)} answers")
                if expected is not None:
                    difference = max(difference, _difference(expected[: len(rows_fed)], got))
            if difference > TOLERANCE:
                raise AssertionError(f"answers differ by {difference:.3g} (more than {TOLERANCE})")
            file = ONNX_FILE
            if loader == "onnx":
                file = str(model.manifest.get("model_file"))  # served as uploaded
            else:
                Path(out).mkdir(parents=True, exist_ok=True)
                (Path(out) / ONNX_FILE).write_bytes(onx.SerializeToString())
            return {
                "status": "converted",
                "file": file,
                "converter": converter,
                "serving": serving,
                "checkedRows": len(rows),
                "maxDifference": difference,
                "opset": {d.domain or "ai.onnx": d.version for d in onx.opset_import},
            }
        except Unsupported as error:
            return {"status": "unsupported", "reason": str(error)}
        except Exception as error:  # noqa: BLE001 - a converter's failure is a reason, not a crash
            reasons.append(f"{converter}: {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}".strip())
            traces.append(traceback.format_exc())
    # The tracebacks go to the worker's log only when no attempt worked (a first attempt in double
    # precision failing before float works is the normal path for tree ensembles).
    print("\n".join(traces), file=sys.stderr, flush=True)
    return {"status": "failed", "reason": "; ".join(reasons)[:2000]}


STUDIO_RETRY_SECONDS = 300.0  # the studio unreachable for longer than this ends the export


def _export_safely(directory: Path, out: Path) -> dict[str, Any]:
    try:
        return export(directory, out)
    except Exception as error:  # noqa: BLE001 - reported to the studio as a failed export
        print(traceback.format_exc(), file=sys.stderr, flush=True)
        return {"status": "failed", "reason": f"{type(error).__name__}: {error}"[:2000]}


def run_for_studio(env: Mapping[str, str] | None = None, cwd: str | os.PathLike | None = None) -> dict[str, Any]:
    """Exports the version STUDIO_MODEL_VERSION_ID for the studio (see the module's docstring); returns the report sent."""
    from ._http import Client, Config, retrying
    from .datasets import _download_to

    env = dict(os.environ if env is None else env)
    missing = [k for k in ("STUDIO_URL", "STUDIO_TOKEN", "STUDIO_MODEL_VERSION_ID") if not env.get(k)]
    if missing:
        raise SystemExit(f"studio ONNX export: {', '.join(missing)} not set")
    client = Client(Config(url=env["STUDIO_URL"].rstrip("/"), token=env["STUDIO_TOKEN"], project=env.get("STUDIO_PROJECT_ID")))
    version = env["STUDIO_MODEL_VERSION_ID"]
    if not version.isalnum():
        raise SystemExit(f"studio ONNX export: STUDIO_MODEL_VERSION_ID {version!r} is not an id")
    route = f"/api/model-versions/{version}/onnx/export"
    deadline = time.monotonic() + STUDIO_RETRY_SECONDS
    spec = (retrying(lambda: client.request_json("GET", route), deadline=deadline) or {}).get("export") or {}
    work = Path(cwd or os.getcwd()) / "exports" / version
    shutil.rmtree(work, ignore_errors=True)
    model_dir, out_dir = work / "model", work / "out"
    started = time.monotonic()
    try:
        model_dir.mkdir(parents=True)
        for file in spec.get("files") or []:
            relative = PurePosixPath(str(file.get("path") or ""))
            if relative.is_absolute() or not relative.parts or any(part in ("", ".", "..") for part in relative.parts):
                raise ValueError(f"the studio named an unsafe file path {str(relative)!r}")
            _download_to(str(file["downloadPath"]), model_dir.joinpath(*relative.parts), deadline, client=client)
        report = _export_safely(model_dir, out_dir)
        if report.get("status") == "converted" and report.get("file") == ONNX_FILE:
            graph = out_dir / ONNX_FILE
            size = graph.stat().st_size

            def put() -> Any:
                with open(graph, "rb") as handle:
                    return client.request_json("PUT", route, data=handle, content_length=size, timeout=300)

            # The graph becomes a file of the version; the report names it as the studio stored it.
            stored = retrying(put, deadline=time.monotonic() + STUDIO_RETRY_SECONDS) or {}
            report = {**report, "file": str((stored.get("file") or {}).get("path") or "")}
        retrying(lambda: client.request_json("POST", route, json_body=report), deadline=time.monotonic() + STUDIO_RETRY_SECONDS)
        detail = report.get("converter") if report.get("status") == "converted" else report.get("reason")
        print(f"ONNX export of {spec.get('modelName')} v{spec.get('version')}: {report.get('status')} ({detail}) in {time.monotonic() - started:.1f} s", flush=True)
        return report
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m studio.onnx_export", description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True, help=f"the model folder ({MANIFEST} + the model file)")
    parser.add_argument("--out", required=True, help=f"where to write {ONNX_FILE}")
    args = parser.parse_args(argv)
    print(json.dumps(_export_safely(Path(args.dir), Path(args.out)), allow_nan=False), flush=True)


if __name__ == "__main__":
    main()
