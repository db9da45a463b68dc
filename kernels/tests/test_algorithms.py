"""Built-in algorithms (kernels/sdk/studio/algorithms): the catalogue, hyperparameter validation and
each algorithm end to end as a job process (`python -m studio.algorithms <algorithm>` with SM_* env)
on small scikit-learn datasets written as CSV, JSON Lines and Parquet."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris

SDK = Path(__file__).resolve().parents[1] / "sdk"
sys.path.insert(0, str(SDK))

from studio.algorithms import _catalogue  # noqa: E402
from studio.algorithms._catalogue import js_number_string, validate_hyperparameters  # noqa: E402

MANIFEST_KEYS = {
    "format", "name", "framework", "algorithm", "task", "loader", "model_file", "input_schema", "input_example",
    "target", "classes", "metrics", "libraries", "created_at",
}


# --- data ----------------------------------------------------------------------------------------


def _with_mess(frame: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Adds a string column and a boolean-ish column with gaps, and holes in a numeric column."""
    rng = np.random.default_rng(seed)
    frame = frame.copy()
    frame.insert(0, "colour", rng.choice(["red", "green", "blue", None], len(frame)))
    frame.insert(1, "flag", rng.choice([True, False], len(frame)))
    numeric = frame.columns[2]
    frame.loc[rng.choice(len(frame), len(frame) // 10, replace=False), numeric] = np.nan
    frame["empty"] = np.nan  # no values: dropped from the features
    return frame


def breast_cancer() -> pd.DataFrame:
    frame = load_breast_cancer(as_frame=True).frame
    frame["target"] = frame["target"].map({0: "malignant", 1: "benign"})
    return _with_mess(frame)


def iris() -> pd.DataFrame:
    data = load_iris(as_frame=True)
    frame = data.frame
    frame["target"] = frame["target"].map(dict(enumerate(data.target_names)))
    return _with_mess(frame)


def diabetes() -> pd.DataFrame:
    return _with_mess(load_diabetes(as_frame=True, scaled=False).frame)


def write(frame: pd.DataFrame, directory: Path, fmt: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"data.{fmt}"
    if fmt == "csv":
        frame.to_csv(path, index=False)
    elif fmt == "jsonl":
        frame.to_json(path, orient="records", lines=True)
    else:
        frame.to_parquet(path, index=False)
    return path


def run_job(tmp_path: Path, algorithm: str, hps: dict, train: Path | None = None, validation: Path | None = None, extra_env: dict | None = None):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STUDIO_", "SM_"))}
    env["PYTHONPATH"] = str(SDK) + os.pathsep + env.get("PYTHONPATH", "")
    env["SM_HPS"] = json.dumps(hps)
    env["OMP_NUM_THREADS"] = "1"  # the jobs run side by side
    env["SM_MODEL_DIR"] = str(tmp_path / "model")
    env["SM_OUTPUT_DATA_DIR"] = str(tmp_path / "output")
    if train is not None:
        env["SM_CHANNEL_TRAIN"] = str(train)
    if validation is not None:
        env["SM_CHANNEL_VALIDATION"] = str(validation)
    env.update(extra_env or {})
    return subprocess.run(
        [sys.executable, "-m", "studio.algorithms", algorithm], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )


def printed_metrics(stdout: str) -> dict[str, float]:
    out = {}
    for line in stdout.splitlines():
        if line.startswith("validation:") and "=" in line:
            name, value = line.split("=", 1)
            out[name] = float(value)
    return out


def check_manifest(manifest: dict, algorithm: str, task: str, target: str | None, features: list[str]) -> None:
    assert set(manifest) == MANIFEST_KEYS
    assert manifest["format"] == "studio-model/1"
    # The first training rows, in schema order: what the ONNX export is checked on.
    assert 0 < len(manifest["input_example"]) <= 20 and all(len(row) == len(features) for row in manifest["input_example"])
    assert manifest["framework"] == ("xgboost" if algorithm == "xgboost" else "sklearn")
    assert manifest["algorithm"] == algorithm
    assert manifest["task"] == task
    assert manifest["loader"] == "joblib" and manifest["model_file"] == "model.joblib"
    assert manifest["target"] == target
    assert [c["name"] for c in manifest["input_schema"]] == features
    assert all(c["type"] in ("integer", "float", "string", "boolean") for c in manifest["input_schema"])
    assert {c["name"]: c["type"] for c in manifest["input_schema"]}.get("colour") in (None, "string")
    assert {c["name"]: c["type"] for c in manifest["input_schema"]}.get("flag") in (None, "boolean")
    assert manifest["libraries"]["scikit-learn"] and manifest["libraries"]["python"]
    if algorithm == "xgboost":
        assert manifest["libraries"]["xgboost"]
    assert manifest["created_at"].endswith("Z")
    assert all(isinstance(v, float) for v in manifest["metrics"].values())


def messy_rows(frame: pd.DataFrame, target: str | None) -> pd.DataFrame:
    """A few rows to predict: unseen and missing categories, missing numbers, no target column."""
    rows = frame.drop(columns=[c for c in (target, "empty") if c]).head(6).copy()
    rows["colour"] = rows["colour"].astype(object)
    rows.iloc[0, rows.columns.get_loc("colour")] = None
    rows.iloc[1, rows.columns.get_loc("colour")] = "ultraviolet"
    rows.iloc[2, 2] = np.nan
    return rows


# --- end to end --------------------------------------------------------------------------------------

SUPERVISED = [
    # algorithm, dataset, format, extra hyperparameters, task, {metric: minimum}
    ("xgboost", breast_cancer, "csv", {"num_round": "40", "max_depth": "3"}, "binary_classification", {"validation:accuracy": 0.9, "validation:auc": 0.95}),
    ("xgboost", iris, "jsonl", {"num_round": "200", "early_stopping_rounds": "5", "eval_metric": "merror"}, "multiclass_classification", {"validation:accuracy": 0.85}),
    ("xgboost", diabetes, "parquet", {"num_round": "60", "eta": "0.1", "max_depth": "2"}, "regression", {"validation:r2": 0.2}),
    ("linear", iris, "jsonl", {}, "multiclass_classification", {"validation:accuracy": 0.85, "validation:auc": 0.9}),
    ("linear", diabetes, "csv", {"alpha": "0"}, "regression", {"validation:r2": 0.3}),
    ("random_forest", breast_cancer, "parquet", {"n_estimators": "50"}, "binary_classification", {"validation:accuracy": 0.9, "validation:f1": 0.85}),
    ("random_forest", diabetes, "jsonl", {"n_estimators": "50", "min_samples_leaf": "5"}, "regression", {"validation:r2": 0.2}),
]
SUPERVISED_IDS = [f"{a}-{d.__name__}-{f}" for a, d, f, *_ in SUPERVISED]


def _bad_data(train: Path, data: str) -> None:
    train.mkdir(parents=True)
    if data == "empty":
        (train / "data.csv").write_text("")
    else:
        write(iris().head(30), train, "csv")


# Process-level failures (the traceback's last line); the other bad inputs are checked in-process below.
BAD_PROCESSES = [
    ("missing target column", "xgboost", {"target": "nope"}, "iris", "target column nope"),
    ("out of range", "xgboost", {"target": "target", "eta": "1.5"}, "iris", 'hyperparameter eta must be a number greater than 0 and at most 1 (got "1.5")'),
]


@pytest.fixture(scope="module")
def jobs(tmp_path_factory):
    """Every job process of this file, started together (each one spends ~1.5 s importing)."""
    from concurrent.futures import ThreadPoolExecutor

    work = []
    for case_id, (algorithm, dataset, fmt, hps, *_rest) in zip(SUPERVISED_IDS, SUPERVISED):
        tmp = tmp_path_factory.mktemp(case_id)
        frame = dataset()
        write(frame, tmp / "train", fmt)
        work.append((case_id, tmp, frame, lambda tmp=tmp, a=algorithm, h=hps: run_job(tmp, a, {"target": "target", "seed": "7", **h}, train=tmp / "train")))
    tmp = tmp_path_factory.mktemp("kmeans")
    frame = iris().drop(columns=["target"])
    write(frame.iloc[::2], tmp / "train", "csv")
    write(frame.iloc[1::2], tmp / "validation", "parquet")
    work.append(("kmeans", tmp, frame, lambda tmp=tmp: run_job(tmp, "kmeans", {"k": "3", "n_init": "2"}, train=tmp / "train", validation=tmp / "validation")))
    for case, algorithm, hps, data, _ in BAD_PROCESSES:
        tmp = tmp_path_factory.mktemp("bad")
        _bad_data(tmp / "train", data)
        work.append((case, tmp, None, lambda tmp=tmp, a=algorithm, h=hps: run_job(tmp, a, h, train=tmp / "train")))
    with ThreadPoolExecutor(max_workers=max(2, min(4, os.cpu_count() or 2))) as pool:
        futures = {case: (tmp, frame, pool.submit(start)) for case, tmp, frame, start in work}
        return {case: (tmp, frame, future.result()) for case, (tmp, frame, future) in futures.items()}


@pytest.mark.parametrize("algorithm,dataset,fmt,hps,task,minimums", SUPERVISED, ids=SUPERVISED_IDS)
def test_supervised_end_to_end(jobs, request, algorithm, dataset, fmt, hps, task, minimums):
    tmp_path, frame, result = jobs[request.node.callspec.id]
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Warning" not in result.stderr, result.stderr[-3000:]

    printed = printed_metrics(result.stdout)
    expected = (
        {"validation:rmse", "validation:mae", "validation:r2"}
        if task == "regression"
        else {"validation:accuracy", "validation:auc", "validation:f1", "validation:logloss"}
    )
    assert set(printed) == expected, result.stdout
    for name, minimum in minimums.items():
        assert printed[name] > minimum, (name, printed)

    manifest = json.loads((tmp_path / "model" / "studio-model.json").read_text())
    features = [c for c in frame.columns if c not in ("target", "empty")]
    check_manifest(manifest, algorithm, task, "target", features)
    assert manifest["metrics"] == pytest.approx(printed)
    metrics_file = json.loads((tmp_path / "output" / "metrics.json").read_text())
    assert metrics_file == pytest.approx(printed)

    model = joblib.load(tmp_path / "model" / "model.joblib")
    rows = messy_rows(frame, "target")
    predicted = model.predict(rows)
    assert len(predicted) == len(rows)
    if task == "regression":
        assert manifest["classes"] is None
        assert np.isfinite(predicted.astype(float)).all()
    else:
        assert manifest["classes"] == sorted(frame["target"].unique().tolist())
        assert set(predicted.tolist()) <= set(manifest["classes"])  # the original labels, not codes
        proba = model.predict_proba(rows)
        assert proba.shape == (len(rows), len(manifest["classes"]))
        assert np.allclose(proba.sum(axis=1), 1)

    if algorithm == "xgboost":
        metric = hps.get("eval_metric") or {"binary_classification": "logloss", "regression": "rmse"}[task]
        assert f"train:{metric}=" in result.stdout and f"validation:{metric}=" in result.stdout  # per-round lines
        evals = json.loads((tmp_path / "output" / "evals_result.json").read_text())
        assert set(evals) == {"validation_0", "validation_1"}
        if "early_stopping_rounds" in hps:
            assert len(evals["validation_1"][metric]) < int(hps["num_round"])
            assert "early stopping: best round" in result.stdout


def test_kmeans_end_to_end_with_validation_channel(jobs):
    tmp_path, frame, result = jobs["kmeans"]
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Warning" not in result.stderr, result.stderr[-3000:]
    printed = printed_metrics(result.stdout)
    assert set(printed) == {"validation:inertia", "validation:silhouette"}
    assert printed["validation:inertia"] > 0 and printed["validation:silhouette"] > 0.1
    manifest = json.loads((tmp_path / "model" / "studio-model.json").read_text())
    check_manifest(manifest, "kmeans", "clustering", None, [c for c in frame.columns if c != "empty"])
    assert manifest["classes"] is None
    model = joblib.load(tmp_path / "model" / "model.joblib")
    clusters = model.predict(messy_rows(frame, None))
    assert set(clusters.tolist()) <= {0, 1, 2}
    sizes = json.loads((tmp_path / "output" / "cluster_sizes.json").read_text())
    assert sum(sizes.values()) == len(frame.iloc[1::2])


@pytest.mark.parametrize("case,algorithm,hps,data,message", BAD_PROCESSES, ids=[b[0] for b in BAD_PROCESSES])
def test_bad_input_ends_the_process_with_a_one_line_value_error(jobs, case, algorithm, hps, data, message):
    _, _, result = jobs[case]
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("ValueError: "), result.stderr[-2000:]
    assert message in last, last


def _run_in_process(tmp_path: Path, algorithm: str, hps: dict, train: Path):
    from studio.algorithms import run

    return run(algorithm, {"SM_CHANNEL_TRAIN": str(train), "SM_MODEL_DIR": str(tmp_path / "model"), "SM_HPS": json.dumps(hps)})


BAD = [
    ("unknown hyperparameter", "random_forest", {"target": "target", "num_round": "10"}, "csv", "Unknown hyperparameter num_round for random_forest"),
    ("not an integer", "kmeans", {"k": "2.5"}, "csv", "hyperparameter k must be an integer at least 2"),
    ("target required", "linear", {}, "csv", "hyperparameter target is required"),
    ("one class", "linear", {"target": "constant"}, "csv", "target column constant has only one class"),
    ("empty file", "linear", {"target": "target"}, "empty", "is empty"),
    ("header only", "linear", {"target": "target"}, "header", "has no rows"),
    ("binary with three classes", "xgboost", {"target": "target", "problem_type": "binary_classification"}, "csv", "needs exactly two"),
    ("objective against problem type", "xgboost", {"target": "target", "objective": "reg:squarederror", "problem_type": "multiclass_classification"}, "csv", "objective reg:squarederror does not fit"),
    ("regression on text", "linear", {"target": "target", "problem_type": "regression"}, "csv", "target column target is not numeric"),
    ("unknown feature column", "linear", {"target": "target", "feature_columns": "sepal length (cm),nope"}, "csv", "feature_columns names columns the data does not have: nope"),
    ("k above rows", "kmeans", {"k": "40"}, "csv", "hyperparameter k (40) is more than the training rows (30)"),
    ("zip file", "kmeans", {"k": "2"}, "zip", "is a zip archive"),
]


@pytest.mark.parametrize("case,algorithm,hps,data,message", BAD, ids=[b[0] for b in BAD])
def test_bad_input_raises_a_value_error_naming_it(tmp_path, case, algorithm, hps, data, message):
    train = tmp_path / "train"
    train.mkdir()
    if data == "empty":
        (train / "data.csv").write_text("")
    elif data == "header":
        (train / "data.csv").write_text("a,b,target\n")
    elif data == "zip":
        (train / "data.bin").write_bytes(b"PK\x03\x04" + b"\0" * 100)
    else:
        frame = iris().iloc[::5].reset_index(drop=True)  # 30 rows, 3 classes
        frame["constant"] = "same"
        write(frame, train, "csv")
    with pytest.raises(ValueError) as error:
        _run_in_process(tmp_path, algorithm, hps, train)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_integer_target_with_few_values_is_classification_and_feature_subset(tmp_path):
    frame = load_breast_cancer(as_frame=True).frame  # target 0/1 integers
    write(frame, tmp_path / "train", "csv")
    manifest = _run_in_process(
        tmp_path, "xgboost", {"target": "target", "num_round": "10", "feature_columns": "mean radius, worst area"}, tmp_path / "train"
    )
    assert manifest["task"] == "binary_classification" and manifest["classes"] == [0, 1]
    assert manifest["input_schema"] == [{"name": "mean radius", "type": "float"}, {"name": "worst area", "type": "float"}]
    assert json.loads((tmp_path / "model" / "studio-model.json").read_text()) == manifest


def test_json_lines_booleans_and_a_single_row_class(tmp_path):
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"x": rng.normal(size=200), "switch": rng.choice([True, False, None], 200), "kind": rng.choice(["a", "b"], 200)})
    frame["label"] = pd.array(frame["x"] > 0, dtype=object)
    frame.loc[0, "label"] = None  # rows without a target are dropped
    write(frame, tmp_path / "train", "jsonl")
    manifest = _run_in_process(tmp_path, "linear", {"target": "label"}, tmp_path / "train")
    assert manifest["classes"] == [False, True]
    assert {c["name"]: c["type"] for c in manifest["input_schema"]} == {"x": "float", "switch": "boolean", "kind": "string"}
    model = joblib.load(tmp_path / "model" / "model.joblib")
    assert model.predict(pd.DataFrame({"x": [2.0, -2.0], "switch": [None, "true"], "kind": ["new", None]})).tolist() == [True, False]

    frame = iris()
    frame.loc[0, "target"] = "rare"  # one row: it cannot be both trained on and validated
    write(frame, tmp_path / "train2", "csv")
    manifest = _run_in_process(tmp_path, "random_forest", {"target": "target", "n_estimators": "10"}, tmp_path / "train2")
    assert "rare" in manifest["classes"] and manifest["metrics"]["validation:accuracy"] > 0.8


# --- tracking through the SDK -------------------------------------------------------------------------------


def test_logs_params_and_metrics_through_the_sdk(tmp_path, monkeypatch, capsys):
    import studio

    from studio.algorithms import run

    calls: list[tuple[str, dict, int | None]] = []
    monkeypatch.setattr(studio, "log_params", lambda params: calls.append(("params", params, None)), raising=False)
    monkeypatch.setattr(studio, "log_metrics", lambda metrics, step=None: calls.append(("metrics", metrics, step)), raising=False)
    monkeypatch.setenv("STUDIO_URL", "http://127.0.0.1:9")
    write(breast_cancer(), tmp_path / "train", "csv")
    env = {
        "SM_CHANNEL_TRAIN": str(tmp_path / "train"),
        "SM_MODEL_DIR": str(tmp_path / "model"),
        "SM_HPS": json.dumps({"target": "target", "num_round": "5"}),
    }
    manifest = run("xgboost", env)

    params = [c[1] for c in calls if c[0] == "params"]
    assert len(params) == 1
    assert params[0]["eta"] == "0.3" and params[0]["num_round"] == "5" and params[0]["early_stopping_rounds"] == "none"
    assert params[0]["problem_type"] == "binary_classification" and params[0]["objective"] == "binary:logistic"
    rounds = [c for c in calls if c[0] == "metrics" and c[2] is not None]
    assert [c[2] for c in rounds] == [0, 1, 2, 3, 4]
    assert set(rounds[0][1]) == {"train:logloss", "validation:logloss"}
    final = [c[1] for c in calls if c[0] == "metrics" and c[2] is None]
    assert final == [manifest["metrics"]]
    assert "validation:accuracy=" in capsys.readouterr().out


def test_without_studio_url_metrics_are_only_printed(tmp_path, monkeypatch):
    import studio

    from studio.algorithms import run

    monkeypatch.delenv("STUDIO_URL", raising=False)
    monkeypatch.setattr(studio, "log_metrics", lambda *a, **k: pytest.fail("logged without STUDIO_URL"), raising=False)
    write(iris().drop(columns=["target"]), tmp_path / "train", "jsonl")
    manifest = run("kmeans", {"SM_CHANNEL_TRAIN": str(tmp_path / "train"), "SM_MODEL_DIR": str(tmp_path / "m"), "SM_HPS": '{"k": "3"}'})
    assert manifest["task"] == "clustering"


# --- the catalogue and hyperparameters --------------------------------------------------------------------------


def test_catalogue_is_consistent():
    catalogue = _catalogue.load_catalogue()
    assert [a["id"] for a in catalogue["algorithms"]] == ["xgboost", "linear", "random_forest", "kmeans"]
    for algorithm in catalogue["algorithms"]:
        specs = _catalogue.hyperparameters_of(algorithm["id"])
        names = [s["name"] for s in specs]
        assert len(names) == len(set(names)), algorithm["id"]
        assert ("target" in names) == algorithm["needs_target"]
        for spec in specs:
            assert spec["type"] in ("int", "float", "enum", "string", "bool")
            assert spec["label"] and spec["help"]
            default = spec.get("default")
            if default is not None:  # the default passes the validation
                text = json.dumps(default) if isinstance(default, bool) else str(default)
                assert _catalogue.parse_value(spec, text)[0] == default, spec["name"]
        values, normalised = validate_hyperparameters(algorithm["id"], {"target": "y"} if algorithm["needs_target"] else {})
        assert set(values) == set(names)


def test_validate_hyperparameters_normalises_like_the_typescript_side():
    values, normalised = validate_hyperparameters(
        "xgboost", {"target": " y ", "eta": " 0.30 ", "gamma": "1e-7", "num_round": "+10", "objective": "reg:gamma", "seed": "", "lambda": "2.0"}
    )
    assert normalised == {"target": "y", "eta": "0.3", "gamma": "1e-7", "num_round": "10", "objective": "reg:gamma", "lambda": "2"}
    assert values["eta"] == 0.3 and values["num_round"] == 10 and values["seed"] == 0 and values["early_stopping_rounds"] is None
    _, normalised = validate_hyperparameters("linear", {"target": "y", "fit_intercept": "FALSE"})
    assert normalised["fit_intercept"] == "false"


@pytest.mark.parametrize(
    "algorithm,hps,message",
    [
        ("xgboost", {"target": "y", "subsample": "0"}, 'hyperparameter subsample must be a number greater than 0 and at most 1 (got "0")'),
        ("xgboost", {"target": "y", "num_round": "ten"}, "hyperparameter num_round must be an integer at least 1 and at most 100000"),
        ("xgboost", {"target": "y", "objective": "rank:map"}, "hyperparameter objective must be one of auto, binary:logistic"),
        ("linear", {"target": "y", "fit_intercept": "maybe"}, "hyperparameter fit_intercept must be true or false"),
        ("linear", {"target": "y", "C": "inf"}, "hyperparameter C must be a number greater than 0"),
        ("kmeans", {"target": "y"}, "Unknown hyperparameter target for kmeans"),
        ("boosting", {}, 'Unknown algorithm "boosting": use one of xgboost, linear, random_forest, kmeans'),
    ],
)
def test_validate_hyperparameters_names_the_field_and_range(algorithm, hps, message):
    with pytest.raises(ValueError) as error:
        validate_hyperparameters(algorithm, hps)
    assert message in str(error.value)


@pytest.mark.parametrize(
    "value,text",
    [(0.0, "0"), (0.3, "0.3"), (2.0, "2"), (-1.5, "-1.5"), (1e-7, "1e-7"), (1.5e-7, "1.5e-7"), (1e-6, "0.000001"), (123456.789, "123456.789"), (1e21, "1e+21"), (1e20, "100000000000000000000")],
)
def test_js_number_string(value, text):
    assert js_number_string(value) == text
