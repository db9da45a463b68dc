"""The model server (studio.serving): real models saved the way the SDK saves them, real HTTP."""

from __future__ import annotations

import http.client
import json
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kgtest import SDK_DIR  # noqa: E402,F401  (puts the SDK on sys.path)

from studio import save_model, serving  # noqa: E402


def churn_frame(n: int = 200, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(
        {
            "tenure": rng.integers(0, 72, n),
            "spend": rng.normal(50, 20, n).round(2),
            "plan": rng.choice(["basic", "plus", "pro"], n),
        }
    )
    y = ((x["spend"] > 55) ^ (x["plan"] == "pro")).astype(int)
    return x, y


def classifier():
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    x, y = churn_frame()
    pre = ColumnTransformer([("num", StandardScaler(), ["tenure", "spend"]), ("cat", OneHotEncoder(handle_unknown="ignore"), ["plan"])])
    return make_pipeline(pre, LogisticRegression(max_iter=500)).fit(x, y), x


class Serving:
    def __init__(self, directory: Path):
        self.model = serving.Model(directory)
        self.server = serving.ModelServer(("127.0.0.1", 0), self.model)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.connection = http.client.HTTPConnection("127.0.0.1", self.server.server_port, timeout=10)

    def request(self, method: str, path: str, body: bytes | str = b"", headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
        data = body.encode() if isinstance(body, str) else body
        self.connection.request(method, path, body=data if method == "POST" else None, headers=headers or {})
        response = self.connection.getresponse()
        raw = response.read()
        return response.status, dict(response.getheaders()), raw

    def json(self, method: str, path: str, body: bytes | str = b"", headers: dict[str, str] | None = None) -> tuple[int, dict]:
        status, _headers, raw = self.request(method, path, body, headers)
        return status, json.loads(raw)

    def close(self) -> None:
        self.connection.close()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def churn(tmp_path):
    model, x = classifier()
    save_model(model, tmp_path / "model", input_example=x)
    server = Serving(tmp_path / "model")
    yield server, model, x
    server.close()


def test_csv_in_json_out_equals_the_models_own_predictions(churn):
    server, model, x = churn
    sample = x.head(25)
    body = "\n".join(",".join(str(v) for v in row) for row in sample.itertuples(index=False))
    status, payload = server.json("POST", "/invocations", body, {"Content-Type": "text/csv"})
    assert status == 200
    predictions = payload["predictions"]
    expected_labels = model.predict(sample)
    expected_proba = model.predict_proba(sample)
    assert [p["predicted_label"] for p in predictions] == expected_labels.tolist()
    assert np.allclose([p["probabilities"] for p in predictions], expected_proba, atol=1e-5, rtol=0)
    assert np.allclose([p["probability"] for p in predictions], expected_proba.max(axis=1), atol=1e-5, rtol=0)
    # The connection is kept alive between requests.
    status, _ = server.json("GET", "/ping")
    assert status == 200


def test_json_records_by_position_or_name_and_csv_out(churn):
    server, model, x = churn
    sample = x.head(3)
    records = sample.to_dict(orient="records")
    for body in (json.dumps({"instances": sample.values.tolist()}), json.dumps(records), json.dumps(records[0])):
        status, payload = server.json("POST", "/invocations", body, {"Content-Type": "application/json"})
        assert status == 200, payload
        n = len(payload["predictions"])
        assert [p["predicted_label"] for p in payload["predictions"]] == model.predict(sample.head(n)).tolist()
    status, headers, raw = server.request("POST", "/invocations", json.dumps(records), {"Content-Type": "application/json", "Accept": "text/csv"})
    assert status == 200 and headers["Content-Type"] == "text/csv"
    lines = raw.decode().splitlines()
    assert len(lines) == 3 and [int(line.split(",")[0]) for line in lines] == model.predict(sample).tolist()


def test_bad_input_is_400_naming_the_schema_and_nothing_breaks(churn):
    server, _model, _x = churn
    status, payload = server.json("POST", "/invocations", "1,2", {"Content-Type": "text/csv"})
    assert status == 400
    assert "record 1 has 2 values; the model takes 3 columns: tenure (integer), spend (float), plan (string)" in payload["error"]["message"]
    status, payload = server.json("POST", "/invocations", "3,lots,pro", {"Content-Type": "text/csv"})
    assert status == 400 and "'lots' is not a float (column spend)" in payload["error"]["message"]
    status, payload = server.json("POST", "/invocations", json.dumps([{"tenure": 1, "spend": 2.0}]), {"Content-Type": "application/json"})
    assert status == 400 and "missing plan" in payload["error"]["message"]
    status, payload = server.json("POST", "/invocations", "{not json", {"Content-Type": "application/json"})
    assert status == 400 and "not valid JSON" in payload["error"]["message"]
    status, payload = server.json("POST", "/invocations", "x", {"Content-Type": "image/png"})
    assert status == 400 and "image/png" in payload["error"]["message"]
    status, payload = server.json("POST", "/invocations", "1,2.5,pro", {"Content-Type": "text/csv"})
    assert status == 200


def test_too_large_is_413(churn, monkeypatch):
    server, _model, _x = churn
    monkeypatch.setattr(serving, "MAX_BODY_BYTES", 100)
    status, _headers, raw = server.request("POST", "/invocations", "1,2.5,pro\n" * 50, {"Content-Type": "text/csv"})
    assert status == 413 and b"at most 100" in raw


class Exploding:
    """A model that raises on a particular input."""

    def predict(self, frame):
        if (frame["x"] < 0).any():
            raise ValueError("negative x")
        return frame["x"] * 2.0


def test_a_model_that_raises_answers_500_with_an_error_id_and_keeps_serving(tmp_path, capsys):
    save_model(Exploding(), tmp_path / "m", input_schema=[{"name": "x", "type": "float"}], task="regression")
    server = Serving(tmp_path / "m")
    try:
        status, payload = server.json("POST", "/invocations", "-1", {"Content-Type": "text/csv"})
        assert status == 500 and payload["error"]["code"] == "model_error" and payload["error"]["errorId"]
        assert payload["error"]["errorId"] in capsys.readouterr().err
        status, payload = server.json("POST", "/invocations", "2\n3", {"Content-Type": "text/csv"})
        assert status == 200 and payload == {"predictions": [{"prediction": 4.0}, {"prediction": 6.0}]}
    finally:
        server.close()


def test_open_inference_protocol_v2(churn):
    server, model, x = churn
    sample = x.head(4)
    columns = [
        {"name": "tenure", "shape": [4], "datatype": "INT64", "data": sample["tenure"].tolist()},
        {"name": "spend", "shape": [4], "datatype": "FP64", "data": sample["spend"].tolist()},
        {"name": "plan", "shape": [4], "datatype": "BYTES", "data": sample["plan"].tolist()},
    ]
    assert server.json("GET", "/v2/health/ready")[0] == 200
    assert server.json("GET", "/v2/models/model/ready")[1] == {"name": "model", "ready": True}
    status, payload = server.json("POST", "/v2/models/model/infer", json.dumps({"id": "r-1", "inputs": columns}), {"Content-Type": "application/json"})
    assert status == 200 and payload["id"] == "r-1" and payload["model_name"] == "model"
    outputs = {o["name"]: o for o in payload["outputs"]}
    assert outputs["predicted_label"]["data"] == model.predict(sample).tolist()
    assert outputs["probabilities"]["shape"] == [4, 2]
    assert np.allclose(np.array(outputs["probabilities"]["data"]).reshape(4, 2), model.predict_proba(sample), atol=1e-5)
    tensor = {"inputs": [{"name": "input-0", "shape": [4, 3], "datatype": "BYTES", "data": sample.values.tolist()}]}
    status, payload = server.json("POST", "/v2/models/model/infer", json.dumps(tensor), {"Content-Type": "application/json"})
    assert status == 200 and {o["name"]: o for o in payload["outputs"]}["predicted_label"]["data"] == model.predict(sample).tolist()
    status, payload = server.json("POST", "/v2/models/model/infer", json.dumps({"inputs": columns[:2]}), {"Content-Type": "application/json"})
    assert status == 400 and "plan" in payload["error"]["message"]


def test_regression_and_an_xgboost_booster_file(tmp_path):
    import xgboost
    from sklearn.linear_model import LinearRegression

    rng = np.random.default_rng(1)
    x = pd.DataFrame({"a": rng.normal(size=100), "b": rng.normal(size=100)})
    y = 3 * x["a"] - 2 * x["b"] + 0.5
    linear = LinearRegression().fit(x, y)
    save_model(linear, tmp_path / "lin", input_example=x)
    booster = xgboost.train({"objective": "reg:squarederror", "max_depth": 3}, xgboost.DMatrix(x, label=y), num_boost_round=10)
    booster_dir = tmp_path / "xgb"
    booster_dir.mkdir()
    booster.save_model(str(booster_dir / "model.json"))
    save_model(booster_dir / "model.json", tmp_path / "xgb-model", framework="xgboost", input_schema=[{"name": "a", "type": "float"}, {"name": "b", "type": "float"}], loader="xgboost", task="regression")
    sample = x.head(5)
    body = "\n".join(f"{a},{b}" for a, b in sample.itertuples(index=False))
    for directory, expected in ((tmp_path / "lin", linear.predict(sample)), (tmp_path / "xgb-model", booster.predict(xgboost.DMatrix(sample)))):
        server = Serving(directory)
        try:
            status, payload = server.json("POST", "/invocations", body, {"Content-Type": "text/csv"})
            assert status == 200, payload
            assert np.allclose([p["prediction"] for p in payload["predictions"]], expected, atol=1e-5, rtol=0)
        finally:
            server.close()
