"""A multi-model model server (studio.serving --models-root): lazy loads, LRU unloading under a
memory budget, load metrics, and ModelNotReadyException while a slow load goes on."""

from __future__ import annotations

import http.client
import json
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kgtest import SDK_DIR  # noqa: E402,F401  (puts the SDK on sys.path)

from studio import save_model, serving  # noqa: E402
from studio.model_cache import ModelCache  # noqa: E402


def regression(seed: int, padding_mb: float = 0):
    """A linear model on two columns; padding_mb of extra coefficients make its size known."""
    from sklearn.linear_model import LinearRegression

    rng = np.random.default_rng(seed)
    x = pd.DataFrame({"a": rng.normal(size=100), "b": rng.normal(size=100)})
    y = x["a"] * (seed + 1) + x["b"]
    model = LinearRegression().fit(x, y)
    if padding_mb:
        model.padding_ = np.ones(int(padding_mb * 2**20 / 8))  # travels with the pickle
    return model, x


class Server:
    def __init__(self, root: Path, budget_mb: float, load_wait_seconds: float = 55.0, load=serving.Model):
        self.cache = ModelCache(root, int(budget_mb * 2**20), load=load, load_wait_seconds=load_wait_seconds)
        self.server = serving.ModelServer(("127.0.0.1", 0), cache=self.cache)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def request(self, method: str, path: str, body: str = "", headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.server.server_port, timeout=30)
        connection.request(method, path, body=body.encode() if method == "POST" else None, headers={"Content-Type": "text/csv", **(headers or {})})
        response = connection.getresponse()
        raw = response.read()
        connection.close()
        return response.status, dict(response.getheaders()), raw

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def three_models(tmp_path):
    models = {}
    for i, name in enumerate(["alpha", "beta", "gamma"]):
        model, x = regression(i, padding_mb=4)
        save_model(model, tmp_path / name, input_example=x)
        models[name] = (model, x)
    return tmp_path, models


def test_each_model_loads_on_its_first_call_and_answers_as_itself(three_models):
    root, models = three_models
    server = Server(root, budget_mb=1024)
    try:
        status, _, raw = server.request("GET", "/models")
        assert status == 200 and json.loads(raw)["loadedCount"] == 0
        for name, (model, x) in models.items():
            body = "\n".join(f"{a},{b}" for a, b in x.head(5).itertuples(index=False))
            status, headers, raw = server.request("POST", f"/models/{name}/invocations", body)
            assert status == 200, raw
            assert headers["X-Studio-Model-Cache"] == "miss"
            assert float(headers["X-Studio-Model-Load-Ms"]) > 0
            got = [p["prediction"] for p in json.loads(raw)["predictions"]]
            assert got == pytest.approx(list(model.predict(x.head(5))), abs=1e-9)
            status, headers, _ = server.request("POST", f"/models/{name}/invocations", body)
            assert status == 200 and headers["X-Studio-Model-Cache"] == "hit"
        described = json.loads(server.request("GET", "/models")[2])
        assert described["loadedCount"] == 3
        by_name = {m["name"]: m for m in described["models"]}
        for name in models:
            assert by_name[name]["invocations"] == 2 and by_name[name]["hits"] == 1 and by_name[name]["loads"] == 1
            assert by_name[name]["sizeBytes"] >= 4 * 2**20  # at least its file
        # The Open Inference Protocol, per model
        status, headers, raw = server.request("POST", "/models/beta/v2/infer", json.dumps({"inputs": [{"name": "a", "shape": [1], "datatype": "FP64", "data": [1.0]}, {"name": "b", "shape": [1], "datatype": "FP64", "data": [0.0]}]}))
        assert status == 200, raw
        assert json.loads(raw)["outputs"][0]["data"][0] == pytest.approx(models["beta"][0].predict(pd.DataFrame({"a": [1.0], "b": [0.0]}))[0])
    finally:
        server.close()


def test_least_recently_used_models_unload_to_stay_within_the_budget(three_models):
    root, models = three_models
    # Each model is a bit over 4 MB: two fit in 11 MB, three do not.
    server = Server(root, budget_mb=11)
    try:
        for name in ["alpha", "beta", "alpha", "gamma"]:  # beta is then the least recently used
            status, _, raw = server.request("POST", f"/models/{name}/invocations", "1,2")
            assert status == 200, raw
        described = json.loads(server.request("GET", "/models")[2])
        state = {m["name"]: m for m in described["models"]}
        assert state["alpha"]["loaded"] and state["gamma"]["loaded"] and not state["beta"]["loaded"]
        assert state["beta"]["unloads"] == 1
        assert described["usedBytes"] <= described["budgetBytes"]
        # beta comes back from disk on its next call: a miss, and another load
        status, headers, _ = server.request("POST", "/models/beta/invocations", "1,2")
        assert status == 200 and headers["X-Studio-Model-Cache"] == "miss"
        state = {m["name"]: m for m in json.loads(server.request("GET", "/models")[2])["models"]}
        assert state["beta"]["loads"] == 2 and not state["alpha"]["loaded"]
        # Removing a model from the endpoint unloads it now
        status, _, raw = server.request("DELETE", "/models/beta")
        assert status == 200 and json.loads(raw)["unloaded"] is True
        assert json.loads(server.request("GET", "/models")[2])["loadedCount"] == 1
    finally:
        server.close()


def test_unknown_and_broken_models(three_models, tmp_path):
    root, _ = three_models
    broken = root / "broken"
    broken.mkdir()
    (broken / "studio-model.json").write_text(json.dumps({"loader": "joblib", "model_file": "model.joblib", "input_schema": [{"name": "a", "type": "float"}]}))
    (broken / "model.joblib").write_bytes(b"not a pickle")
    server = Server(root, budget_mb=1024)
    try:
        status, _, raw = server.request("POST", "/models/nothere/invocations", "1,2")
        assert status == 404 and "no model nothere" in json.loads(raw)["error"]["message"]
        status, _, raw = server.request("POST", "/models/..%2Fetc/invocations", "1,2")
        assert status == 404
        status, _, raw = server.request("POST", "/models/broken/invocations", "1")
        assert status == 500 and "could not be loaded" in json.loads(raw)["error"]["message"]
        # The server goes on serving the others
        status, _, _ = server.request("POST", "/models/alpha/invocations", "1,2")
        assert status == 200
        status, _, raw = server.request("POST", "/invocations", "1,2")
        assert status == 404 and "/models/<name>/invocations" in json.loads(raw)["error"]["message"]
    finally:
        server.close()


def test_a_slow_load_answers_model_not_ready_and_goes_on(three_models):
    root, _ = three_models
    release = threading.Event()

    def slow(folder: Path):
        release.wait(10)
        return serving.Model(folder)

    server = Server(root, budget_mb=1024, load_wait_seconds=0.3, load=slow)
    try:
        status, _, raw = server.request("POST", "/models/alpha/invocations", "1,2")
        assert status == 503 and json.loads(raw)["error"]["code"] == "ModelNotReadyException"
        described = json.loads(server.request("GET", "/models")[2])
        assert described["models"][0]["loading"] is True
        release.set()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            status, headers, _ = server.request("POST", "/models/alpha/invocations", "1,2")
            if status == 200:
                break
            time.sleep(0.05)
        assert status == 200
    finally:
        server.close()
