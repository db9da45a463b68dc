"""ONNX export (studio.onnx_export): real models, exported, run with onnxruntime the way the
studio's in-process server feeds them, compared with the models' own answers."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from kgtest import SDK_DIR  # noqa: F401  (puts the SDK on sys.path)

from studio import save_model  # noqa: E402
from studio.onnx_export import MISSING_TEXT, export, feeds  # noqa: E402
from studio.serving import Model  # noqa: E402


def frame(n: int = 300, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    x = pd.DataFrame({"tenure": rng.integers(0, 72, n), "spend": rng.normal(50, 20, n).round(2), "plan": rng.choice(["basic", "plus", "pro"], n)})
    return x, ((x["spend"] > 55) ^ (x["plan"] == "pro")).map({True: "yes", False: "no"})


def builtin_pipeline(x, estimator, scale=False):
    from sklearn.pipeline import Pipeline

    from studio.algorithms._train import preprocessor

    return Pipeline([("preprocess", preprocessor(x, list(x.columns), scale)), ("model", estimator)])


def cases():
    import xgboost
    from sklearn.cluster import KMeans
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LinearRegression, LogisticRegression

    from studio.algorithms.estimators import LabelEncodedClassifier

    x, y = frame()
    amount = x["spend"] * 2 + x["tenure"]
    return x, {
        "linear classifier": (builtin_pipeline(x, LogisticRegression(max_iter=500), scale=True).fit(x, y), "binary_classification", "sklearn"),
        "random forest": (builtin_pipeline(x, RandomForestClassifier(n_estimators=15, random_state=0)).fit(x, y), "binary_classification", "sklearn"),
        "linear regression": (builtin_pipeline(x, LinearRegression(), scale=True).fit(x, amount), "regression", "sklearn"),
        "xgboost classifier": (builtin_pipeline(x, LabelEncodedClassifier(xgboost.XGBClassifier(n_estimators=15))).fit(x, y), "binary_classification", "xgboost"),
        "xgboost regressor": (builtin_pipeline(x, xgboost.XGBRegressor(n_estimators=15)).fit(x, amount), "regression", "xgboost"),
        "k-means": (builtin_pipeline(x, KMeans(3, random_state=0, n_init=3), scale=True).fit(x), "clustering", "sklearn"),
    }


def test_the_built_in_pipelines_export_and_answer_like_the_model(tmp_path):
    import onnxruntime

    x, models = cases()
    for name, (model, task, framework) in models.items():
        directory = tmp_path / name.replace(" ", "-")
        save_model(model, directory, input_example=x, task=task, framework=framework)
        result = export(directory, directory)
        assert result["status"] == "converted", (name, result)
        assert result["maxDifference"] <= 1e-5, (name, result)
        assert result["serving"]["layout"] == "columns"
        # Independent of the export's own check: rows it never saw, with a missing text and number.
        loaded = Model(directory)
        rows = [[5, 12.5, "plus"], [70, None, "pro"], [0, 99.0, None], [3, 40.0, "never-seen"]]
        sample = loaded.frame(rows)
        session = onnxruntime.InferenceSession(str(directory / "model.onnx"))
        outputs = dict(zip([o.name for o in session.get_outputs()], session.run(None, feeds(loaded, sample, result["serving"]))))
        names = result["serving"]["outputs"]
        expected = loaded.predict(sample)
        if "label" in names:
            assert [str(v) for v in outputs[names["label"]].reshape(-1).tolist()] == [str(next(iter(e.values()))) for e in expected], name
        if "probabilities" in names:
            assert np.allclose(outputs[names["probabilities"]], [e["probabilities"] for e in expected], atol=1e-5, rtol=0), name
        if "prediction" in names:
            got = outputs[names["prediction"]].reshape(-1)
            want = np.array([e["prediction"] for e in expected])
            assert np.all(np.abs(got - want) <= 1e-5 * np.maximum(1, np.abs(want))), name


def test_the_example_rows_are_kept_and_missing_text_is_not_the_empty_string(tmp_path):
    x, models = cases()
    model, task, framework = models["linear classifier"]
    manifest = save_model(model, tmp_path / "m", input_example=x, task=task, framework=framework)
    assert len(manifest["input_example"]) == 20 and manifest["input_example"][0] == [int(x.iloc[0, 0]), float(x.iloc[0, 1]), str(x.iloc[0, 2])]
    loaded = Model(tmp_path / "m")
    serving = {"layout": "columns", "inputs": [{"name": c, "column": c, "type": "double" if c != "plan" else "string"} for c in x.columns]}
    fed = feeds(loaded, loaded.frame([[1, 2.0, None], [1, 2.0, ""]]), serving)
    assert fed["plan"].reshape(-1).tolist() == [MISSING_TEXT, ""]
    assert np.isnan(feeds(loaded, loaded.frame([[1, None, "a"]]), serving)["spend"][0, 0])


def test_an_xgboost_booster_file_and_an_uploaded_onnx_file(tmp_path):
    import xgboost

    x, y = frame()
    numbers = x[["tenure", "spend"]].astype(float)
    schema = [{"name": "tenure", "type": "float"}, {"name": "spend", "type": "float"}]
    for objective in ("reg:squarederror", "binary:logistic"):
        booster = xgboost.train({"objective": objective, "max_depth": 3}, xgboost.DMatrix(numbers, label=(y == "yes").astype(int)), num_boost_round=10)
        (tmp_path / "b").mkdir(exist_ok=True)
        booster.save_model(str(tmp_path / "b" / "model.json"))
        directory = tmp_path / objective.replace(":", "-")
        save_model(tmp_path / "b" / "model.json", directory, framework="xgboost", input_schema=schema, loader="xgboost", task="regression")
        result = export(directory, directory)
        assert result["status"] == "converted" and result["serving"]["layout"] == "matrix", result
        assert result["maxDifference"] <= 1e-5

    # Bare estimators fitted on a DataFrame of numbers (XGBoost names its features after the columns).
    for estimator in (xgboost.XGBClassifier(n_estimators=10), __import__("sklearn.linear_model", fromlist=["x"]).LogisticRegression()):
        directory = tmp_path / type(estimator).__name__
        save_model(estimator.fit(numbers, (y == "yes").astype(int)), directory, input_example=numbers, task="binary_classification")
        result = export(directory, directory)
        assert result["status"] == "converted" and result["maxDifference"] <= 1e-5, result

    # An ONNX upload is checked as it is (it runs on the schema's columns) and served from its own file.
    x, models = cases()
    model, task, framework = models["random forest"]
    save_model(model, tmp_path / "rf", input_example=x, task=task, framework=framework)
    assert export(tmp_path / "rf", tmp_path / "rf")["status"] == "converted"
    upload = tmp_path / "upload"
    upload.mkdir()
    shutil.copy(tmp_path / "rf" / "model.onnx", upload / "churn.onnx")
    (upload / "studio-model.json").write_text(json.dumps({"framework": "onnx", "loader": "onnx", "model_file": "churn.onnx", "task": task, "input_schema": [{"name": "tenure", "type": "integer"}, {"name": "spend", "type": "float"}, {"name": "plan", "type": "string"}]}))
    result = export(upload, tmp_path / "unused")
    assert result["status"] == "converted" and result["file"] == "churn.onnx" and not (tmp_path / "unused").exists()
    assert result["serving"]["outputs"] == {"label": "label", "probabilities": "probabilities"}


class Doubler:
    """Not a scikit-learn estimator: nothing converts it."""

    def predict(self, frame):
        return frame["a"] * 2


def test_a_model_without_a_converter_is_reported_not_written(tmp_path):
    x = pd.DataFrame({"a": [1.0, 2.0]})
    save_model(Doubler(), tmp_path / "custom", input_example=x, task="regression", framework="sklearn")
    result = export(tmp_path / "custom", tmp_path / "custom")
    assert result["status"] in ("failed", "unsupported") and result["reason"]
    assert not (tmp_path / "custom" / "model.onnx").exists()
    save_model(Doubler(), tmp_path / "no-schema", task="regression", framework="sklearn")
    assert export(tmp_path / "no-schema", tmp_path / "no-schema") == {"status": "unsupported", "reason": "the model has no input schema"}
