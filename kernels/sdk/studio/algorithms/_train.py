"""Training a built-in algorithm as a job: SageMaker script-mode inputs in, model folder out."""

from __future__ import annotations

import datetime as _dt
import importlib.metadata
import json
import math
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from . import _data
from .._model import example_rows
from ._catalogue import get_algorithm, js_number_string, validate_hyperparameters
from .estimators import LabelEncodedClassifier, ToNumbers, ToStrings

MAX_ONE_HOT_CATEGORIES = 100  # per string column; rarer values share one "infrequent" column
SILHOUETTE_SAMPLE = 10_000

XGB_OBJECTIVE_TASK = {
    "binary:logistic": "binary_classification",
    "multi:softprob": "multiclass_classification",
}
XGB_DEFAULT_OBJECTIVE = {
    "binary_classification": "binary:logistic",
    "multiclass_classification": "multi:softprob",
    "regression": "reg:squarederror",
}
XGB_DEFAULT_METRIC = {"binary_classification": "logloss", "multiclass_classification": "mlogloss", "regression": "rmse"}
XGB_METRICS = {
    "binary_classification": ("logloss", "error", "auc", "aucpr"),
    "multiclass_classification": ("mlogloss", "merror", "auc"),
    "regression": ("rmse", "rmsle", "mae", "mape"),
}
# Objectives whose target must lie in a range: (test, wording).
XGB_TARGET_RANGE = {
    "reg:gamma": (lambda y: y > 0, "greater than 0"),
    "reg:tweedie": (lambda y: y >= 0, "at least 0"),
    "count:poisson": (lambda y: y >= 0, "at least 0"),
    "reg:squaredlogerror": (lambda y: y > -1, "greater than -1"),
}


# --- tracking -------------------------------------------------------------------------------------


class Tracker:
    """studio.log_params / log_metrics when the studio SDK is configured (STUDIO_URL set), else nothing.

    Tracking never fails the training: a refused or failed call is reported on stderr.
    """

    def __init__(self) -> None:
        self.sdk: Any = None
        self.warnings = 0
        if os.environ.get("STUDIO_URL"):
            try:
                import studio

                if hasattr(studio, "log_metrics") and hasattr(studio, "log_params"):
                    self.sdk = studio
                else:
                    self._warn("the studio SDK has no log_metrics/log_params: metrics are only printed")
            except Exception as error:  # the SDK is optional here
                self._warn(f"the studio SDK could not be imported ({error}): metrics are only printed")

    def _warn(self, message: str) -> None:
        self.warnings += 1
        if self.warnings <= 5:
            print(f"studio: {message}", file=sys.stderr, flush=True)

    def _call(self, name: str, *args: Any, **kwargs: Any) -> None:
        if self.sdk is None:
            return
        try:
            getattr(self.sdk, name)(*args, **kwargs)
        except Exception as error:
            self._warn(f"{name} failed: {type(error).__name__}: {error}")

    def log_params(self, params: Mapping[str, str]) -> None:
        self._call("log_params", dict(params))

    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        if metrics:
            self._call("log_metrics", dict(metrics), step=step)

    def flush(self) -> None:
        if self.sdk is not None and hasattr(self.sdk, "flush"):
            self._call("flush")


def _param_text(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return js_number_string(float(value)) if isinstance(value, float) else str(value)
    return str(value)


def _finite(metrics: Mapping[str, Any]) -> dict[str, float]:
    return {k: float(v) for k, v in metrics.items() if v is not None and math.isfinite(float(v))}


# --- model pieces -----------------------------------------------------------------------------------


def preprocessor(frame: pd.DataFrame, columns: list[str], scale: bool):
    """numeric → to numbers → median impute (→ standardize); other → text → most frequent → one-hot."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numeric = [c for c in columns if _data.is_numeric(frame[c])]
    categorical = [c for c in columns if c not in numeric]
    numeric_steps: list[tuple[str, Any]] = [("to_numbers", ToNumbers()), ("impute", SimpleImputer(strategy="median"))]
    if scale:
        numeric_steps.append(("scale", StandardScaler()))
    categorical_steps = [
        ("to_strings", ToStrings()),
        ("impute", SimpleImputer(strategy="most_frequent")),
        ("one_hot", OneHotEncoder(handle_unknown="ignore", max_categories=MAX_ONE_HOT_CATEGORIES, sparse_output=False)),
    ]
    transformers = []
    if numeric:
        transformers.append(("numeric", Pipeline(numeric_steps), numeric))
    if categorical:
        transformers.append(("categorical", Pipeline(categorical_steps), categorical))
    print(f"features: {len(numeric)} numeric, {len(categorical)} categorical", flush=True)
    return ColumnTransformer(transformers, remainder="drop", sparse_threshold=0.0)


def _round_logger(tracker: Tracker, total: int):
    import xgboost

    every = max(1, total // 100)

    class RoundLogger(xgboost.callback.TrainingCallback):
        def after_iteration(self, model, epoch, evals_log):  # noqa: ANN001
            values: dict[str, float] = {}
            for evals_name, prefix in (("validation_0", "train"), ("validation_1", "validation")):
                for metric, series in evals_log.get(evals_name, {}).items():
                    if series:
                        last = series[-1]
                        values[f"{prefix}:{metric}"] = float(last[0] if isinstance(last, tuple) else last)
            tracker.log_metrics(values, step=epoch)
            if epoch % every == 0 or epoch == total - 1:
                print(f"[{epoch}] " + " ".join(f"{k}={v:.6g}" for k, v in values.items()), flush=True)
            return False

    return RoundLogger()


def xgboost_settings(values: dict[str, Any], task: str) -> tuple[str, str]:
    objective = values["objective"]
    if objective == "auto":
        objective = XGB_DEFAULT_OBJECTIVE[task]
    elif XGB_OBJECTIVE_TASK.get(objective, "regression") != task:
        raise ValueError(f"hyperparameter objective {objective} does not fit a {task} problem")
    metric = values["eval_metric"]
    if metric == "auto":
        metric = XGB_DEFAULT_METRIC[task]
    elif metric not in XGB_METRICS[task]:
        raise ValueError(f"hyperparameter eval_metric {metric} does not fit a {task} problem: use one of {', '.join(XGB_METRICS[task])}")
    return objective, metric


def estimator_for(algorithm: str, task: str, values: dict[str, Any], tracker: Tracker):
    seed = values["seed"]
    if algorithm == "xgboost":
        import xgboost

        objective, metric = values["objective"], values["eval_metric"]
        params: dict[str, Any] = dict(
            n_estimators=values["num_round"],
            max_depth=values["max_depth"],
            learning_rate=values["eta"],
            gamma=values["gamma"],
            min_child_weight=values["min_child_weight"],
            subsample=values["subsample"],
            colsample_bytree=values["colsample_bytree"],
            reg_lambda=values["lambda"],
            reg_alpha=values["alpha"],
            objective=objective,
            eval_metric=metric,
            early_stopping_rounds=values["early_stopping_rounds"],
            random_state=seed,
            tree_method="hist",
            callbacks=[_round_logger(tracker, values["num_round"])],
        )
        if values["max_depth"] == 0:
            params["grow_policy"] = "lossguide"  # depth 0 = no limit, which depthwise growth refuses
        if task == "binary_classification":
            params["scale_pos_weight"] = values["scale_pos_weight"]
        if task == "regression":
            return xgboost.XGBRegressor(**params)
        return LabelEncodedClassifier(xgboost.XGBClassifier(**params))
    if algorithm == "random_forest":
        from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

        max_features = {"auto": "sqrt" if task != "regression" else 1.0, "sqrt": "sqrt", "log2": "log2", "all": None}[values["max_features"]]
        params = dict(
            n_estimators=values["n_estimators"],
            max_depth=values["max_depth"],
            min_samples_leaf=values["min_samples_leaf"],
            max_features=max_features,
            random_state=seed,
            n_jobs=-1,
        )
        return RandomForestRegressor(**params) if task == "regression" else RandomForestClassifier(**params)
    if algorithm == "linear":
        from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge

        if task == "regression":
            if values["alpha"] == 0:
                return LinearRegression(fit_intercept=values["fit_intercept"])
            return Ridge(alpha=values["alpha"], fit_intercept=values["fit_intercept"], random_state=seed)
        return LogisticRegression(C=values["C"], fit_intercept=values["fit_intercept"], max_iter=values["max_iter"], random_state=seed)
    raise ValueError(f"no estimator for {algorithm}")


# --- metrics ------------------------------------------------------------------------------------------


def _quiet(compute, name: str) -> float | None:
    """A metric, or None (with a note) when it is undefined on this validation data."""
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = float(compute())
    except ValueError as error:
        print(f"validation:{name} not computed: {' '.join(str(error).split())}", flush=True)
        return None
    if not math.isfinite(value):
        print(f"validation:{name} not computed: undefined on this validation data", flush=True)
        return None
    return value


def _one_vs_rest_auc(y: np.ndarray, proba: np.ndarray, classes: np.ndarray) -> float:
    """Macro average of each class's AUC against the rest, over the classes the validation rows hold."""
    from sklearn.metrics import roc_auc_score

    scores = []
    for i, label in enumerate(classes):
        positive = y == label
        if 0 < positive.sum() < len(y):
            scores.append(roc_auc_score(positive, proba[:, i]))
    if not scores:
        raise ValueError("the validation rows hold a single class")
    return float(np.mean(scores))


def classification_metrics(model, X, y: np.ndarray, task: str) -> dict[str, float | None]:
    from sklearn.metrics import accuracy_score, f1_score, log_loss

    classes = np.asarray(model.classes_)
    predicted = model.predict(X)
    proba = model.predict_proba(X)
    metrics: dict[str, float | None] = {"validation:accuracy": float(accuracy_score(y, predicted))}
    if task == "binary_classification":  # the positive class is the second of the sorted labels
        metrics["validation:auc"] = _quiet(lambda: _one_vs_rest_auc(y, proba[:, 1:], classes[1:]), "auc")
        metrics["validation:f1"] = float(f1_score(y == classes[1], predicted == classes[1], zero_division=0))
    else:  # macro averages over the classes present
        metrics["validation:auc"] = _quiet(lambda: _one_vs_rest_auc(y, proba, classes), "auc")
        metrics["validation:f1"] = float(f1_score(y, predicted, average="macro", zero_division=0))
    metrics["validation:logloss"] = _quiet(lambda: log_loss(y, proba, labels=classes), "logloss")
    return metrics


def regression_metrics(model, X, y: np.ndarray) -> dict[str, float | None]:
    from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

    predicted = model.predict(X)
    return {
        "validation:rmse": float(math.sqrt(mean_squared_error(y, predicted))),
        "validation:mae": float(mean_absolute_error(y, predicted)),
        "validation:r2": _quiet(lambda: r2_score(y, predicted), "r2"),
    }


# --- outputs -----------------------------------------------------------------------------------------


def _library_versions(names: list[str]) -> dict[str, str]:
    found = {"python": platform.python_version()}
    modules = {"numpy": "numpy", "pandas": "pandas", "scikit-learn": "sklearn", "joblib": "joblib", "scipy": "scipy", "xgboost": "xgboost"}
    for name in names:
        module = sys.modules.get(modules[name])
        version = getattr(module, "__version__", None) if module is not None else None
        if version is None:
            try:
                version = importlib.metadata.version(name)
            except importlib.metadata.PackageNotFoundError:
                continue
        found[name] = str(version)
    return found


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


def save_model(model, model_dir: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    import joblib

    model_dir.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, model_dir / "model.joblib")
    (model_dir / "studio-model.json").write_text(json.dumps(manifest, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    return manifest


def write_outputs(output_dir: str | None, metrics: dict[str, float], model, extra: dict[str, Any]) -> None:
    if not output_dir:
        return
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    for name, content in extra.items():
        (out / name).write_text(json.dumps(content) + "\n", encoding="utf-8")
    estimator = model.steps[-1][1]
    importances = getattr(estimator, "feature_importances_", None)
    if importances is not None:
        try:
            names = model.steps[0][1].get_feature_names_out()
            table = pd.DataFrame({"feature": names, "importance": np.asarray(importances, dtype=float)})
            table.sort_values("importance", ascending=False).to_csv(out / "feature_importance.csv", index=False)
        except Exception as error:  # an extra output only
            print(f"feature importance not written: {error}", file=sys.stderr, flush=True)


def report(metrics: Mapping[str, float | None], tracker: Tracker) -> dict[str, float]:
    final = _finite({k: v for k, v in metrics.items() if v is not None})
    for name, value in final.items():
        print(f"{name}={value!r}", flush=True)
    tracker.log_metrics(final)
    return final


# --- the job --------------------------------------------------------------------------------------------


def _hyperparameters_from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    text = environ.get("SM_HPS") or "{}"
    try:
        hps = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"SM_HPS is not valid JSON ({error})") from None
    if not isinstance(hps, dict):
        raise ValueError("SM_HPS must be a JSON object of hyperparameters")
    return hps


def run(algorithm: str, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Trains `algorithm` from the SM_* environment; returns the model manifest (studio-model.json)."""
    environ = os.environ if environ is None else environ
    started = time.monotonic()
    entry = get_algorithm(algorithm)
    values, _ = validate_hyperparameters(algorithm, _hyperparameters_from_env(environ))
    train_location = environ.get("SM_CHANNEL_TRAIN")
    if not train_location:
        raise ValueError("SM_CHANNEL_TRAIN is not set: the job has no training data")
    model_dir = Path(environ.get("SM_MODEL_DIR") or "model")
    output_dir = environ.get("SM_OUTPUT_DATA_DIR")
    validation_location = environ.get("SM_CHANNEL_VALIDATION")
    tracker = Tracker()

    train = _data.read_table("train", train_location)
    validation = _data.read_table("validation", validation_location) if validation_location else None
    target = values.get("target")
    extra_outputs: dict[str, Any] = {}
    used = dict(values)

    from sklearn.pipeline import Pipeline

    if entry["needs_target"]:
        train = _data.clean_target(train, target, "train")
        columns = _data.feature_columns(train, target, values["feature_columns"])
        objective_task = None
        if algorithm == "xgboost" and values["objective"] != "auto":
            objective_task = XGB_OBJECTIVE_TASK.get(values["objective"], "regression")
        if values["problem_type"] != "auto" and objective_task is not None and objective_task != values["problem_type"]:
            raise ValueError(f"hyperparameter objective {values['objective']} does not fit problem_type {values['problem_type']}")
        task = _data.resolve_task(train[target], target, values["problem_type"], objective_task)
        used["problem_type"] = task
        y_all = _data.target_values(train[target], task)
        if validation is not None:
            validation = _data.clean_target(validation, target, "validation")
            lacking = [c for c in columns if c not in validation.columns]
            if lacking:
                raise ValueError(f"the validation data lacks feature columns: {', '.join(lacking)}")
            X_train, y_train = train[columns], y_all
            X_val, y_val = validation[columns], _data.target_values(validation[target], task)
            used["validation_fraction"] = None
        else:
            X_train, X_val, y_train, y_val = _data.split(train[columns], y_all, values["validation_fraction"], values["seed"], task != "regression")
        if task != "regression":
            if len(np.unique(y_train)) < 2:
                raise ValueError(f"target column {target} has only one class in the training split")
            unseen = ~np.isin(y_val, np.unique(y_train))
            if unseen.any():
                print(f"validation: {int(unseen.sum())} rows of classes training lacks ({sorted(set(y_val[unseen].tolist()), key=str)[:10]}) left out of the metrics", flush=True)
                X_val, y_val = X_val[~unseen], y_val[~unseen]
                if len(y_val) == 0:
                    raise ValueError(f"target column {target}: no validation row has a class seen in training")
        if algorithm == "xgboost":
            used["objective"], used["eval_metric"] = xgboost_settings(values, task)
            rule = XGB_TARGET_RANGE.get(used["objective"])
            if rule is not None and not (rule[0](np.asarray(y_train)).all() and rule[0](np.asarray(y_val)).all()):
                raise ValueError(f"hyperparameter objective {used['objective']} needs target column {target} to be {rule[1]} everywhere")
        if algorithm == "random_forest" and values["max_features"] == "auto":
            used["max_features"] = "all" if task == "regression" else "sqrt"
        print(f"train rows: {len(X_train)}, validation rows: {len(X_val)}", flush=True)
        tracker.log_params(
            {name: _param_text(value) for name, value in used.items()}
            | {"algorithm": algorithm, "data.train_rows": str(len(X_train)), "data.validation_rows": str(len(X_val)), "data.features": str(len(columns))}
        )

        pre = preprocessor(train, columns, scale=algorithm == "linear")
        estimator = estimator_for(algorithm, task, used, tracker)
        if algorithm == "xgboost":
            Xt = pre.fit_transform(X_train)
            Xv = pre.transform(X_val)
            estimator.fit(Xt, y_train, eval_set=[(Xt, y_train), (Xv, y_val)], verbose=False)
            booster_model = estimator.estimator_ if isinstance(estimator, LabelEncodedClassifier) else estimator
            booster_model.callbacks = None  # the logger holds the tracker: not part of the saved model
            extra_outputs["evals_result.json"] = booster_model.evals_result()
            best = getattr(booster_model, "best_iteration", None)
            if values["early_stopping_rounds"] is not None and best is not None:
                print(f"early stopping: best round {best}", flush=True)
            model = Pipeline([("preprocess", pre), ("model", estimator)])
        else:
            model = Pipeline([("preprocess", pre), ("model", estimator)]).fit(X_train, y_train)
        if task == "regression":
            metrics = regression_metrics(model, X_val, y_val)
        else:
            metrics = classification_metrics(model, X_val, y_val, task)
        classes = [_jsonable(c) for c in model.classes_] if task != "regression" else None
        schema_frame = train
    else:
        from sklearn.cluster import KMeans
        from sklearn.metrics import silhouette_score

        columns = _data.feature_columns(train, None, values["feature_columns"])
        task = "clustering"
        if values["k"] > len(train):
            raise ValueError(f"hyperparameter k ({values['k']}) is more than the training rows ({len(train)})")
        tracker.log_params(
            {name: _param_text(value) for name, value in used.items()}
            | {"algorithm": algorithm, "data.train_rows": str(len(train)), "data.features": str(len(columns))}
        )
        pre = preprocessor(train, columns, scale=True)
        estimator = KMeans(n_clusters=values["k"], init=values["init"], n_init=values["n_init"], max_iter=values["max_iter"], random_state=values["seed"])
        model = Pipeline([("preprocess", pre), ("model", estimator)]).fit(train[columns])
        if validation is not None:
            lacking = [c for c in columns if c not in validation.columns]
            if lacking:
                raise ValueError(f"the validation data lacks feature columns: {', '.join(lacking)}")
            data = validation[columns]
        else:
            data = train[columns]
        transformed = model[0].transform(data)
        labels = model[-1].predict(transformed)
        n = len(data)
        metrics = {
            "validation:inertia": float(-model[-1].score(transformed)),
            "validation:silhouette": _quiet(
                lambda: silhouette_score(transformed, labels, sample_size=min(SILHOUETTE_SAMPLE, n), random_state=values["seed"]),
                "silhouette",
            ),
        }
        extra_outputs["cluster_sizes.json"] = {str(i): int((labels == i).sum()) for i in range(values["k"])}
        classes = None
        schema_frame = train

    final = report(metrics, tracker)
    libraries = ["numpy", "pandas", "scikit-learn", "scipy", "joblib"] + (["xgboost"] if algorithm == "xgboost" else [])
    manifest = {
        "format": "studio-model/1",
        "name": "model",
        "framework": entry["framework"],
        "algorithm": algorithm,
        "task": task,
        "loader": "joblib",
        "model_file": "model.joblib",
        "input_schema": [{"name": c, "type": _data.schema_type(schema_frame[c])} for c in columns],
        "input_example": example_rows(schema_frame[columns]),
        "target": target if entry["needs_target"] else None,
        "classes": classes,
        "metrics": final,
        "libraries": _library_versions(libraries),
        "created_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
    }
    save_model(model, model_dir, manifest)
    write_outputs(output_dir, final, model, extra_outputs)
    tracker.flush()
    print(f"model saved to {model_dir} ({time.monotonic() - started:.1f} s)", flush=True)
    return manifest
