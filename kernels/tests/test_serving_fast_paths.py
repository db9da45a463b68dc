"""The model server's fast paths (studio.serving): a float64 array instead of a DataFrame for numeric
XGBoost / scikit-learn models whose recorded feature names allow it, one predict_proba pass for
classifiers whose predict is its arg max, the column-wise frame, one write per answer. Every
answer through the server equals the model's own predict / predict_proba."""

from __future__ import annotations

import json
import socket
import warnings

import numpy as np
import pandas as pd
import pytest

from kgtest import SDK_DIR  # noqa: E402,F401  (puts the SDK on sys.path)

from studio import save_model, serving  # noqa: E402
from test_serving import Serving  # noqa: E402

ABCD = [{"name": n, "type": "float"} for n in "abcd"]


def numeric_frame(n: int = 300, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.normal(size=(n, 4)), columns=list("abcd"))
    y = ((x["a"] + x["b"] * x["c"] > 0).astype(int) + (x["d"] > 1).astype(int)).clip(0, 1)
    return x, y


def sample_with_missing(x: pd.DataFrame, n: int = 40) -> pd.DataFrame:
    sample = x.head(n).copy()
    sample.iloc[3, 1] = np.nan
    sample.iloc[7, 0] = np.nan
    return sample


def csv_body(sample: pd.DataFrame) -> str:
    return "\n".join(",".join("" if pd.isna(v) else repr(float(v)) for v in row) for row in sample.itertuples(index=False))


def answers(server: Serving, body: str) -> list[dict]:
    status, payload = server.json("POST", "/invocations", body, {"Content-Type": "text/csv"})
    assert status == 200, payload
    return payload["predictions"]


def assert_same_classification(predictions: list[dict], labels, probabilities) -> None:
    assert [p["predicted_label"] for p in predictions] == np.asarray(labels).tolist()
    got = np.array([p["probabilities"] for p in predictions])
    assert got.shape == np.asarray(probabilities).shape
    assert np.abs(got - np.asarray(probabilities, dtype=np.float64)).max() <= 1e-12
    assert np.abs(np.array([p["probability"] for p in predictions]) - got.max(axis=1)).max() == 0


def served(tmp_path, model, name: str = "m", **manifest) -> Serving:
    save_model(model, tmp_path / name, **manifest)
    return Serving(tmp_path / name)


def test_xgboost_classifier_named_like_the_schema_takes_an_array_and_one_probability_pass(tmp_path):
    import xgboost

    x, y = numeric_frame()
    model = xgboost.XGBClassifier(n_estimators=30, max_depth=3, n_jobs=1).fit(x, y)
    server = served(tmp_path, model, input_example=x, task="binary_classification")
    try:
        assert server.model.takes_array == "float64" and server.model.one_pass
        sample = sample_with_missing(x)
        assert_same_classification(answers(server, csv_body(sample)), model.predict(sample), model.predict_proba(sample))
        # The Open Inference Protocol goes the same way.
        tensor = {"inputs": [{"name": "x", "shape": [5, 4], "datatype": "FP64", "data": x.head(5).values.tolist()}]}
        status, payload = server.json("POST", "/v2/models/model/infer", json.dumps(tensor), {"Content-Type": "application/json"})
        assert status == 200
        outputs = {o["name"]: o for o in payload["outputs"]}
        assert outputs["predicted_label"]["data"] == model.predict(x.head(5)).tolist()
    finally:
        server.close()


def test_xgboost_multiclass_and_a_regressor_fitted_on_arrays(tmp_path):
    import xgboost

    x, y = numeric_frame(seed=1)
    y3 = (x["a"] > 0).astype(int) + (x["b"] > 0.5).astype(int)
    multi = xgboost.XGBClassifier(n_estimators=20, max_depth=3, n_jobs=1).fit(x, y3)
    regressor = xgboost.XGBRegressor(n_estimators=20, max_depth=3, n_jobs=1).fit(x.to_numpy(), x["a"] * 2 - x["c"])
    sample = sample_with_missing(x)
    server = served(tmp_path, multi, "multi", input_example=x, task="multiclass_classification")
    try:
        assert server.model.takes_array and server.model.one_pass
        assert_same_classification(answers(server, csv_body(sample)), multi.predict(sample), multi.predict_proba(sample))
    finally:
        server.close()
    server = served(tmp_path, regressor, "reg", input_schema=ABCD, task="regression")
    try:
        assert server.model.takes_array == "float64" and not server.model.one_pass
        got = [p["prediction"] for p in answers(server, csv_body(sample))]
        assert got == regressor.predict(sample.to_numpy()).tolist()
    finally:
        server.close()


def test_an_xgboost_booster_file_takes_an_array(tmp_path):
    import xgboost

    x, y = numeric_frame(seed=2)
    booster = xgboost.train({"objective": "reg:squarederror", "max_depth": 3}, xgboost.DMatrix(x, label=x["a"] - x["d"]), num_boost_round=15)
    folder = tmp_path / "booster"
    folder.mkdir()
    booster.save_model(str(folder / "model.json"))
    save_model(folder / "model.json", tmp_path / "m", framework="xgboost", input_schema=ABCD, loader="xgboost", task="regression")
    server = Serving(tmp_path / "m")
    try:
        assert server.model.takes_array == "float64"
        sample = sample_with_missing(x)
        expected = booster.predict(xgboost.DMatrix(sample))
        got = np.array([p["prediction"] for p in answers(server, csv_body(sample))])
        assert np.abs(got - expected).max() <= 1e-12
    finally:
        server.close()


def test_dart_and_linear_booster_files_keep_the_dmatrix(tmp_path):
    import xgboost

    x, _ = numeric_frame(seed=8)
    sample = x.head(10)
    for kind in ("dart", "gblinear"):
        booster = xgboost.train({"booster": kind, "objective": "reg:squarederror"}, xgboost.DMatrix(x, label=x["a"] - x["d"]), num_boost_round=5)
        folder = tmp_path / f"{kind}-file"
        folder.mkdir()
        booster.save_model(str(folder / "model.json"))
        save_model(folder / "model.json", tmp_path / kind, framework="xgboost", input_schema=ABCD, loader="xgboost", task="regression")
        server = Serving(tmp_path / kind)
        try:
            assert server.model.takes_array is False
            got = [p["prediction"] for p in answers(server, csv_body(sample))]
            assert got == booster.predict(xgboost.DMatrix(sample)).tolist()
        finally:
            server.close()


def test_xgboost_with_integer_and_boolean_columns(tmp_path):
    import xgboost

    rng = np.random.default_rng(9)
    x = pd.DataFrame({"n": rng.integers(0, 50, 300), "v": rng.normal(size=300), "flag": rng.random(300) > 0.5})
    y = ((x["n"] > 25) ^ x["flag"]).astype(int)
    model = xgboost.XGBClassifier(n_estimators=20, max_depth=3, n_jobs=1).fit(x, y)
    server = served(tmp_path, model, input_example=x, task="binary_classification")
    try:
        assert server.model.takes_array == "float64" and server.model.one_pass
        sample = x.head(30)
        body = "\n".join(f"{n},{v!r},{str(flag).lower()}" for n, v, flag in sample.itertuples(index=False))
        assert_same_classification(answers(server, body), model.predict(sample), model.predict_proba(sample))
        # A missing boolean makes an object column, as it always did: the DataFrame decides.
        assert isinstance(server.model.inputs([[1, 0.5, None]]), pd.DataFrame)
        assert isinstance(server.model.inputs([[None, 0.5, True]]), np.ndarray)
    finally:
        server.close()


def test_feature_names_in_another_order_keep_the_dataframe_and_answer_as_before(tmp_path):
    import xgboost
    from sklearn.linear_model import LogisticRegression

    x, y = numeric_frame(seed=3)
    reordered = [{"name": n, "type": "float"} for n in "dcba"]
    body = csv_body(x.head(3))
    for name, model in (
        ("xgb", xgboost.XGBClassifier(n_estimators=5, n_jobs=1).fit(x, y)),
        ("lr", LogisticRegression().fit(x, y)),
    ):
        server = served(tmp_path, model, name, input_schema=reordered, task="binary_classification")
        try:
            assert server.model.takes_array is False
            assert isinstance(server.model.inputs([[1.0, 2.0, 3.0, 4.0]]), pd.DataFrame)
            # The library refuses columns that are not the ones it was fitted on, as it always did.
            status, payload = server.json("POST", "/invocations", body, {"Content-Type": "text/csv"})
            assert status == 500 and payload["error"]["code"] == "model_error"
        finally:
            server.close()


def test_sklearn_fitted_on_arrays_takes_an_array_without_feature_name_warnings(tmp_path):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x, y = numeric_frame(seed=4)
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(x.to_numpy(), y)
    server = served(tmp_path, model, input_schema=ABCD, task="binary_classification")
    try:
        assert server.model.takes_array == "float64" and server.model.one_pass
        sample = x.head(30)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            predictions = answers(server, csv_body(sample))
        assert not [w for w in caught if "feature names" in str(w.message)]
        assert_same_classification(predictions, model.predict(sample.to_numpy()), model.predict_proba(sample.to_numpy()))
    finally:
        server.close()


def test_sklearn_fitted_on_a_dataframe_keeps_it_and_answers_in_one_pass(tmp_path):
    from sklearn.ensemble import RandomForestClassifier

    x, y = numeric_frame(seed=5)
    y3 = (x["a"] > 0).astype(int) + (x["b"] > 0.5).astype(int)
    model = RandomForestClassifier(n_estimators=15, random_state=0, n_jobs=1).fit(x, y3)
    server = served(tmp_path, model, input_example=x, task="multiclass_classification")
    try:
        assert server.model.takes_array is False and server.model.one_pass
        sample = x.head(40)
        assert_same_classification(answers(server, csv_body(sample)), model.predict(sample), model.predict_proba(sample))
    finally:
        server.close()


def test_a_near_tie_gets_the_models_own_predict_label(tmp_path):
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression().fit(np.array([[-1.0], [1.0]]), np.array([0, 1]))
    # The row x = 0 sits on the boundary, a hair on class 1's side: predict says 1 (decision > 0),
    # while predict_proba rounds to [0.5, 0.5], whose first arg max is class 0.
    model.coef_ = np.array([[1.0]])
    model.intercept_ = np.array([1e-17])
    row = np.array([[0.0]])
    assert model.predict(row).tolist() == [1]
    assert model.predict_proba(row).tolist() == [[0.5, 0.5]]
    server = served(tmp_path, model, input_schema=[{"name": "x", "type": "float"}], task="binary_classification")
    try:
        assert server.model.one_pass
        predictions = answers(server, "0\n3\n-3")
        assert [p["predicted_label"] for p in predictions] == model.predict(np.array([[0.0], [3.0], [-3.0]])).tolist() == [1, 1, 0]
        assert predictions[0]["probabilities"] == [0.5, 0.5]
    finally:
        server.close()


def test_svc_with_probabilities_keeps_predicts_labels(tmp_path):
    from sklearn.svm import SVC

    rng = np.random.default_rng(6)
    x = pd.DataFrame(rng.normal(size=(120, 2)), columns=["a", "b"])
    y = ((x["a"] + rng.normal(scale=0.8, size=120)) > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # scikit-learn 1.9 deprecates probability=True
        model = SVC(probability=True, random_state=0).fit(x.to_numpy(), y)
    grid = pd.DataFrame(rng.normal(scale=0.5, size=(400, 2)), columns=["a", "b"])
    disagree = model.predict_proba(grid.to_numpy()).argmax(axis=1) != model.predict(grid.to_numpy())
    assert disagree.any()  # Platt scaling: the highest probability is not always predict's class
    server = served(tmp_path, model, input_schema=[{"name": "a", "type": "float"}, {"name": "b", "type": "float"}], task="binary_classification")
    try:
        assert not server.model.one_pass
        predictions = answers(server, csv_body(grid))
        assert [p["predicted_label"] for p in predictions] == model.predict(grid.to_numpy()).tolist()
    finally:
        server.close()


def test_the_column_wise_frame_is_the_frame_pandas_builds_from_rows(tmp_path):
    schema = [
        {"name": "f", "type": "float"},
        {"name": "i", "type": "integer"},
        {"name": "b", "type": "boolean"},
        {"name": "s", "type": "string"},
    ]
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "studio-model.json").write_text(json.dumps({"input_schema": schema, "task": "regression"}))
    model = serving.Model(tmp_path / "m", load=False)
    cases = [
        [[1.5, 2, True, "x"], [2.5, 3, False, "y"]],
        [[None, 2, True, "x"], [2.5, None, None, None]],
        [[None, None, None, None], [None, None, None, None]],
        [[1.0, 2, True, ""], [None, 7, False, "z"]],
        [["3", "4", "true", 5], [7, 8.0, 0, {"a": 1}]],
    ]
    for rows in cases:
        checked = model.records(rows)
        pd.testing.assert_frame_equal(model.frame(rows), serving._frame_by_rows(checked, schema), check_exact=True)
    # What the column-wise build does not take goes the way it always went.
    huge = [[1.0, 2**63, True, "x"]]
    pd.testing.assert_frame_equal(model.frame(huge), serving._frame_by_rows(model.records(huge), schema), check_exact=True)
    beyond = [[1.0, 2**64, True, "x"]]
    with pytest.raises(OverflowError):
        serving._frame_by_rows(model.records(beyond), schema)
    with pytest.raises(OverflowError):
        model.frame(beyond)
    # Repeated column names go the old way (which refuses them).
    (tmp_path / "twice").mkdir()
    twice = [{"name": "v", "type": "float"}, {"name": "v", "type": "integer"}]
    (tmp_path / "twice" / "studio-model.json").write_text(json.dumps({"input_schema": twice}))
    repeated = serving.Model(tmp_path / "twice", load=False)
    with pytest.raises(ValueError, match="ambiguous"):
        serving._frame_by_rows([[1.5, 2], [None, 3]], twice)
    with pytest.raises(ValueError, match="ambiguous"):
        repeated.frame([[1.5, 2], [None, 3]])
    # Every validation message stays the same.
    with pytest.raises(serving.BadInput, match=r"record 2: 'x' is not a float \(column f\)"):
        model.frame([[1.0, 2, True, "a"], ["x", 2, True, "a"]])
    with pytest.raises(serving.BadInput, match="record 1: missing s; unknown t. The model takes 4 columns"):
        model.frame([{"f": 1, "i": 2, "b": True, "t": "a"}])
    with pytest.raises(serving.BadInput, match="record 1: unknown t. The model takes 4 columns"):
        model.frame([{"f": 1, "i": 2, "b": True, "s": "a", "t": "a"}])


def test_answers_keep_their_headers_and_connection_handling(tmp_path):
    from sklearn.linear_model import LinearRegression

    x, _ = numeric_frame(seed=7)
    server = served(tmp_path, LinearRegression().fit(x, x["a"]), input_example=x, task="regression")
    try:
        status, headers, raw = server.request("POST", "/invocations", csv_body(x.head(2)), {"Content-Type": "text/csv"})
        assert status == 200 and headers["Content-Type"] == "application/json" and int(headers["Content-Length"]) == len(raw)
        assert headers["Server"].startswith("BaseHTTP/") and headers["Date"].endswith(" GMT")
        status, headers, raw = server.request("GET", "/nowhere")
        assert status == 404 and json.loads(raw)["error"]["code"] == "not_found"
        # Connection: close is honoured; a bad request line is answered 400 and closes.
        with socket.create_connection(("127.0.0.1", server.server.server_port), timeout=5) as sock:
            sock.sendall(b"GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            data = b""
            while chunk := sock.recv(4096):
                data += chunk
            assert data.startswith(b"HTTP/1.1 200 OK\r\n") and data.endswith(b'{"status":"ok"}')
        with socket.create_connection(("127.0.0.1", server.server.server_port), timeout=5) as sock:
            sock.sendall(b"GET /ping HTTP/9.x\r\n\r\n")
            data = b""
            while chunk := sock.recv(4096):
                data += chunk
            assert b"Error code: 400" in data  # http.server's HTTP/0.9-style answer, as before
    finally:
        server.close()
