"""TorchScript models: small real torch MLPs, trained for a few steps, saved with studio.save_model,
exported to ONNX (studio.onnx_export) and served by the Python model server (studio.serving); every
answer is compared with the TorchScript module's own."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pandas as pd
import pytest
import torch

from kgtest import SDK_DIR  # noqa: F401  (puts the SDK on sys.path)
from test_serving import Serving

from studio import save_model  # noqa: E402
from studio.onnx_export import export, feeds  # noqa: E402
from studio.serving import Model  # noqa: E402

COLUMNS = ["tenure", "spend", "age"]
# The tests load and trace modules themselves: torch 2.13 deprecates torch.jit, the studio's format.
pytestmark = pytest.mark.filterwarnings("ignore:`torch\\.jit:DeprecationWarning")


def data(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"tenure": rng.integers(0, 72, n), "spend": rng.normal(50, 20, n).round(2), "age": rng.normal(40, 12, n)})


class MLP(torch.nn.Module):
    """Standardises its inputs itself (buffers), so it takes the schema's raw columns."""

    def __init__(self, x: torch.Tensor, outputs: int, softmax: bool = False):
        super().__init__()
        self.register_buffer("mean", x.mean(0))
        self.register_buffer("std", x.std(0))
        self.net = torch.nn.Sequential(torch.nn.Linear(x.shape[1], 16), torch.nn.ReLU(), torch.nn.Linear(16, outputs))
        self.softmax = softmax

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scores = self.net((x - self.mean) / self.std)
        if self.softmax:
            return torch.softmax(scores, dim=1)
        return scores


def trained(x: pd.DataFrame, target: np.ndarray, outputs: int, loss: torch.nn.Module, softmax: bool = False, steps: int = 60) -> MLP:
    torch.manual_seed(0)
    inputs = torch.tensor(x.to_numpy(dtype=np.float32))
    labels = torch.tensor(target)
    model = MLP(inputs, outputs)
    optimiser = torch.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(steps):
        optimiser.zero_grad()
        loss(model(inputs), labels).backward()
        optimiser.step()
    model.softmax = softmax
    return model.eval()


def models():
    x = data()
    amount = (x["spend"] * 2 + x["tenure"] - 0.5 * x["age"]).to_numpy(dtype=np.float32)
    churn = ((x["spend"] > 55) ^ (x["tenure"] < 12)).to_numpy()
    plan = np.digitize(x["spend"] + x["tenure"] * 0.5, [55, 80])  # 0, 1, 2
    return x, {
        "regression": (trained(x, amount.reshape(-1, 1), 1, torch.nn.MSELoss(), steps=150), {"task": "regression"}),
        "binary, one logit": (trained(x, churn.astype(np.float32).reshape(-1, 1), 1, torch.nn.BCEWithLogitsLoss()), {"task": "binary_classification", "classes": ["stays", "churns"]}),
        "multiclass, logits": (trained(x, plan, 3, torch.nn.CrossEntropyLoss()), {"task": "multiclass_classification", "classes": ["basic", "plus", "pro"]}),
        "multiclass, probabilities": (
            trained(x, plan, 3, torch.nn.CrossEntropyLoss(), softmax=True),
            {"task": "multiclass_classification", "classes": [10, 20, 30], "output": "probabilities"},
        ),
    }


def own_answers(module: torch.nn.Module, x: pd.DataFrame, options: dict) -> dict[str, np.ndarray]:
    """What the module itself says, turned into the studio's answer by hand (not by studio.serving)."""
    with torch.no_grad():
        scores = module(torch.tensor(x.astype("float64").to_numpy(dtype=np.float32))).numpy()
    if options["task"] == "regression":
        return {"prediction": scores.reshape(-1)}
    if scores.shape[1] == 1:
        positive = 1 / (1 + np.exp(-scores.astype(np.float64)))
        probabilities = np.hstack([1 - positive, positive])
    elif options.get("output") == "probabilities":
        probabilities = scores
    else:
        shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
        probabilities = shifted / shifted.sum(axis=1, keepdims=True)
    return {"probabilities": probabilities, "label": np.array(options["classes"], dtype=object)[probabilities.argmax(axis=1)]}


def assert_close(got, want, tolerance=1e-5):
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape
    assert np.all(np.abs(got - want) <= tolerance * np.maximum(1, np.abs(want))), np.abs(got - want).max()


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    x, cases = models()
    root = tmp_path_factory.mktemp("torch")
    out = {}
    for name, (module, options) in cases.items():
        directory = root / name.replace(", ", "-").replace(" ", "-")
        manifest = save_model(module, directory, input_example=x, **options)
        out[name] = (directory, manifest, module, options)
    return x, out


def test_a_torch_module_is_saved_as_torchscript_with_its_example(saved):
    x, cases = saved
    for name, (directory, manifest, module, options) in cases.items():
        assert manifest["loader"] == "torchscript" and manifest["framework"] == "pytorch" and manifest["model_file"] == "model.pt", name
        assert manifest["input_schema"] == [{"name": "tenure", "type": "integer"}, {"name": "spend", "type": "float"}, {"name": "age", "type": "float"}]
        assert len(manifest["input_example"]) == 20 and manifest["input_example"][0][0] == int(x.iloc[0, 0])
        assert manifest["task"] == options["task"] and manifest["classes"] == options.get("classes")
        assert manifest["output"] == options.get("output", "logits")
        assert manifest["libraries"]["torch"] == torch.__version__
        assert json.loads((directory / "studio-model.json").read_text())["loader"] == "torchscript"
        loaded = torch.jit.load(str(directory / "model.pt"))
        sample = torch.tensor(x.head(5).to_numpy(dtype=np.float32))
        with torch.no_grad():
            assert torch.equal(loaded(sample), module(sample)), name


def test_the_onnx_export_answers_like_the_torchscript_module(saved):
    import onnxruntime

    x, cases = saved
    fresh = data(50, seed=7)  # rows the export's own check never saw
    for name, (directory, _manifest, _module, options) in cases.items():
        result = export(directory, directory)
        assert result["status"] == "converted", (name, result)
        assert result["converter"] == "torch.onnx" and result["serving"]["layout"] == "matrix", result
        assert result["maxDifference"] <= 1e-5 and result["checkedRows"] == 20 + 64, result
        loaded = Model(directory)
        module = torch.jit.load(str(directory / "model.pt"))
        session = onnxruntime.InferenceSession(str(directory / "model.onnx"), providers=["CPUExecutionProvider"])
        assert session.get_inputs()[0].shape[0] == "n"  # any number of rows
        names = result["serving"]["outputs"]
        for rows in (fresh.head(1), fresh.head(7), fresh):
            outputs = dict(zip([o.name for o in session.get_outputs()], session.run(None, feeds(loaded, loaded.frame(rows.values.tolist()), result["serving"]))))
            want = own_answers(module, rows, options)
            if options["task"] == "regression":
                assert names == {"prediction": "output"}
                assert_close(outputs["output"].reshape(-1), want["prediction"])
            else:
                assert names == {"label": "label", "probabilities": "probabilities"}
                assert outputs["label"].tolist() == want["label"].tolist(), name
                assert_close(outputs["probabilities"], want["probabilities"])
        if options.get("output") == "probabilities":  # taken as they are, not softmaxed again
            assert_close(outputs["probabilities"].sum(axis=1), np.ones(len(fresh)))
            assert outputs["probabilities"].max() > 0.6


def test_the_python_model_server_serves_a_torchscript_version(saved):
    _x, cases = saved
    fresh = data(12, seed=3)
    for name, (directory, _manifest, _module, options) in cases.items():
        module = torch.jit.load(str(directory / "model.pt"))
        want = own_answers(module, fresh, options)
        server = Serving(directory)
        try:
            body = "\n".join(",".join(str(v) for v in row) for row in fresh.itertuples(index=False))
            status, payload = server.json("POST", "/invocations", body, {"Content-Type": "text/csv"})
            assert status == 200, (name, payload)
            predictions = payload["predictions"]
            if options["task"] == "regression":
                assert list(predictions[0]) == ["prediction"]
                assert_close([p["prediction"] for p in predictions], want["prediction"])
            else:
                assert list(predictions[0]) == ["predicted_label", "probability", "probabilities"]
                assert [p["predicted_label"] for p in predictions] == want["label"].tolist(), name
                assert_close([p["probabilities"] for p in predictions], want["probabilities"])
                assert_close([p["probability"] for p in predictions], want["probabilities"].max(axis=1))
            # JSON records by name, and the Open Inference Protocol's [n, columns] tensor.
            # (Three rows are not computed exactly as twelve are: float32 kernels differ by batch size.)
            key = "prediction" if options["task"] == "regression" else "predicted_label"
            status, by_name = server.json("POST", "/invocations", json.dumps(fresh.head(3).to_dict(orient="records")), {"Content-Type": "application/json"})
            assert status == 200 and [list(p) for p in by_name["predictions"]] == [list(p) for p in predictions[:3]]
            tensor = {"inputs": [{"name": "input", "shape": [3, 3], "datatype": "FP64", "data": fresh.head(3).values.tolist()}]}
            status, v2 = server.json("POST", "/v2/models/model/infer", json.dumps(tensor), {"Content-Type": "application/json"})
            assert status == 200, v2
            for answer in (by_name["predictions"], {o["name"]: o for o in v2["outputs"]}[key]["data"]):
                values = [p[key] if isinstance(p, dict) else p for p in answer]
                if key == "prediction":
                    assert_close(values, [p[key] for p in predictions[:3]])
                else:
                    assert values == [p[key] for p in predictions[:3]]
            # Bad input is still a 400 naming the schema; a missing number is NaN, answered as null.
            status, bad = server.json("POST", "/invocations", "1,2", {"Content-Type": "text/csv"})
            assert status == 400 and "tenure (integer), spend (float), age (float)" in bad["error"]["message"]
            status, missing = server.json("POST", "/invocations", "3,,40", {"Content-Type": "text/csv"})
            assert status == 200 and None in missing["predictions"][0].values(), missing
        finally:
            server.close()


def test_a_torchscript_file_is_recognised_and_a_state_dict_is_not(tmp_path, saved):
    x, cases = saved
    _directory, _manifest, module, _options = cases["binary, one logit"]
    traced = torch.jit.trace(module, torch.tensor(x.head(4).to_numpy(dtype=np.float32)))
    torch.jit.save(traced, str(tmp_path / "churn.pt"))
    schema = [{"name": c, "type": "float"} for c in COLUMNS]
    manifest = save_model(tmp_path / "churn.pt", tmp_path / "from-file", input_schema=schema, task="binary_classification", classes=["stays", "churns"])
    assert manifest["loader"] == "torchscript" and manifest["framework"] == "pytorch" and manifest["model_file"] == "churn.pt"
    result = export(tmp_path / "from-file", tmp_path / "from-file")
    assert result["status"] == "converted" and result["maxDifference"] <= 1e-5, result
    served = Model(tmp_path / "from-file").predict(Model(tmp_path / "from-file").frame([[5, 60.0, 30.0]]))
    assert served[0]["predicted_label"] in ("stays", "churns") and len(served[0]["probabilities"]) == 2

    torch.save(module.state_dict(), tmp_path / "weights.pt")  # a zip too, but weights without code
    assert zipfile.is_zipfile(tmp_path / "weights.pt")
    assert save_model(tmp_path / "weights.pt", tmp_path / "weights", input_schema=schema)["loader"] == "custom"


class Unscriptable(torch.nn.Module):
    """torch.jit.script rejects *args; torch.jit.trace (on the input example) takes it."""

    def __init__(self, inner: torch.nn.Module):
        super().__init__()
        self.inner = inner

    def forward(self, x, *unused):
        return self.inner(x)


def test_a_module_that_cannot_be_scripted_is_traced_on_the_example(tmp_path, saved):
    x, cases = saved
    _directory, _manifest, module, options = cases["regression"]
    manifest = save_model(Unscriptable(module), tmp_path / "traced", input_example=x, **options)
    assert manifest["loader"] == "torchscript"
    result = export(tmp_path / "traced", tmp_path / "traced")
    assert result["status"] == "converted" and result["maxDifference"] <= 1e-5, result
    served = Model(tmp_path / "traced")
    assert_close([p["prediction"] for p in served.predict(served.frame(x.head(5).values.tolist()))], own_answers(module, x.head(5), options)["prediction"])
    with pytest.raises(TypeError, match="give input_example"):
        save_model(Unscriptable(module), tmp_path / "no-example", input_schema=[{"name": c, "type": "float"} for c in COLUMNS], task="regression")


def test_what_a_torchscript_model_cannot_take_is_said_early(tmp_path, saved):
    x, cases = saved
    _directory, _manifest, module, _options = cases["multiclass, logits"]
    with pytest.raises(ValueError, match="plan \\(string\\)"):
        save_model(module, tmp_path / "text", input_example=x.assign(plan="basic"), task="multiclass_classification")
    with pytest.raises(ValueError, match="3 scores a row for 2 classes"):
        save_model(module, tmp_path / "classes", input_example=x, task="multiclass_classification", classes=["a", "b"])
    with pytest.raises(ValueError, match="3 values a row"):
        save_model(module, tmp_path / "regression", input_example=x, task="regression")
    with pytest.raises(ValueError, match="logits"):
        save_model(module, tmp_path / "output", input_example=x, task="multiclass_classification", output="scores")
    # Without classes, a classifier's classes are its scores' positions.
    assert save_model(module, tmp_path / "indices", input_example=x, task="multiclass_classification")["classes"] == [0, 1, 2]

    # An uploaded TorchScript file registered with a text column: no ONNX export, and the server says why.
    save_model(module, tmp_path / "ok", input_example=x, task="multiclass_classification")
    described = json.loads((tmp_path / "ok" / "studio-model.json").read_text())
    described["input_schema"].append({"name": "plan", "type": "string"})
    (tmp_path / "ok" / "studio-model.json").write_text(json.dumps(described))
    result = export(tmp_path / "ok", tmp_path / "ok")
    assert result["status"] == "unsupported" and "plan (string)" in result["reason"]
    assert not (tmp_path / "ok" / "model.onnx").exists()
    with pytest.raises(RuntimeError, match="plan \\(string\\) cannot be fed"):
        Model(tmp_path / "ok")


def test_a_batch_transform_runs_a_torchscript_model(tmp_path, saved):
    from studio.batch_transform import run

    _x, cases = saved
    directory, _manifest, _module, options = cases["multiclass, logits"]
    rows = data(40, seed=5)
    rows.insert(0, "id", [f"c{i}" for i in range(len(rows))])
    rows.to_csv(tmp_path / "in.csv", index=False)
    events: list[dict] = []
    checkpoint = run(directory, tmp_path / "in.csv", tmp_path / "work", {"inputFilter": "$[1:]", "joinSource": "Input", "outputFilter": "$[0,-2,-1]"}, events.append)
    out = b"".join((tmp_path / "work" / "parts" / f"part-{i:05d}.out").read_bytes() for i in range(checkpoint.parts)).decode()
    lines = [line.split(",") for line in out.splitlines()]
    assert lines[0] == ["id", "predicted_label", "probability"] and len(lines) == len(rows) + 1
    want = own_answers(torch.jit.load(str(directory / "model.pt")), rows[COLUMNS], options)
    assert [line[1] for line in lines[1:]] == want["label"].tolist()
    assert_close([float(line[2]) for line in lines[1:]], want["probabilities"].max(axis=1))
