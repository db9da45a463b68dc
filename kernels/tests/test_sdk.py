"""The studio SDK (kernels/sdk) against an in-process fake of the HTTP contract (studio_fake.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import pytest

from kgtest import SDK_DIR  # noqa: E402,F401  (puts the SDK on sys.path)

import studio  # noqa: E402
from studio import _tracking  # noqa: E402
from studio_fake import FakeStudio  # noqa: E402


def _clean_env(monkeypatch, env: dict[str, str]) -> None:
    for key in list(os.environ):
        if key.startswith("STUDIO_"):
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("STUDIO_RETRY_INITIAL_SECONDS", "0.05")


@pytest.fixture
def sdk(fake, monkeypatch):
    """`studio` with a fresh session pointed at the fake (call sdk.reload() after changing env)."""

    def reload():
        session = _tracking.Session()
        monkeypatch.setattr(_tracking, "session", session)
        monkeypatch.setattr(studio, "_session", session)
        return session

    _clean_env(monkeypatch, fake.env())
    reload()
    studio.reload = reload  # type: ignore[attr-defined]
    yield studio
    _tracking.session.flush(5)
    del studio.reload  # type: ignore[attr-defined]


def _subprocess_env(fake: FakeStudio, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STUDIO_")}
    env.update(fake.env(**extra))
    env["PYTHONPATH"] = str(SDK_DIR)
    env["STUDIO_RETRY_INITIAL_SECONDS"] = "0.05"
    return env


# --- logging --------------------------------------------------------------------------------------


def test_first_log_call_creates_a_run_and_values_arrive(sdk, fake):
    import numpy as np

    sdk.log_param("lr", 0.1)
    sdk.log_params({"depth": 3, "kernel": "rbf"})
    sdk.set_tag("team", "vision")
    for value in [1.0, float("nan"), float("inf"), float("-inf"), np.float32(2.5), np.int64(7), True]:
        sdk.log_metric("loss", value)
    sdk.log_metrics({"acc": 0.5, "f1": 0.25}, step=10)
    sdk.log_metric("acc", 0.75)  # after an explicit step 10, the next automatic step is 11
    assert sdk.flush(10)

    run = sdk.active_run()
    assert run is not None and run.id == "run1"
    created = fake.of("POST", r"/runs$")[0].json()
    assert created == {"experiment": "Default", "source": "sdk"}
    stored = fake.runs["run1"]
    assert stored["params"] == {"lr": "0.1", "depth": "3", "kernel": "rbf"}
    assert stored["tags"] == {"team": "vision"}
    loss = [m for m in fake.metrics("run1") if m["key"] == "loss"]
    assert [m["value"] for m in loss] == [1.0, "NaN", "Infinity", "-Infinity", 2.5, 7, 1]
    assert [m["step"] for m in loss] == list(range(7))
    acc = [(m["step"], m["value"]) for m in fake.metrics("run1") if m["key"] == "acc"]
    assert acc == [(10, 0.5), (11, 0.75)]
    assert all(isinstance(m["timestamp"], int) and m["timestamp"] > 1e12 for m in loss)
    # Every batch carries the process's client id and consecutive seqs from 0.
    batches = [r.json() for r in fake.of("POST", r"/batch$")]
    assert len({b["source"] for b in batches}) == 1
    assert [b["seq"] for b in batches] == list(range(len(batches)))
    # The JSON on the wire is strict (no NaN / Infinity literals).
    for r in fake.of("POST", r"/batch$"):
        json.loads(r.body, parse_constant=lambda c: pytest.fail(f"non-standard JSON constant {c}"))


def test_notebook_run_defaults(sdk, fake, monkeypatch):
    monkeypatch.setenv("STUDIO_NOTEBOOK_ID", "nb1")
    monkeypatch.setenv("STUDIO_NOTEBOOK_NAME", "Churn model")
    sdk.reload()
    sdk.log_metric("x", 1)
    assert sdk.flush(10)
    assert fake.of("POST", r"/runs$")[0].json() == {"experiment": "Churn model", "source": "notebook", "notebookId": "nb1"}

    monkeypatch.setenv("STUDIO_EXPERIMENT", "Shared")
    sdk.reload()
    sdk.log_metric("x", 1)
    assert sdk.flush(10)
    assert fake.of("POST", r"/runs$")[1].json()["experiment"] == "Shared"


def test_invalid_keys_and_values_raise_at_the_call(sdk):
    with pytest.raises(ValueError):
        sdk.log_metric("bad|key", 1)
    with pytest.raises(ValueError):
        sdk.log_param("k" * 251, 1)
    with pytest.raises(TypeError):
        sdk.log_metric("loss", "high")
    with pytest.raises(ValueError):
        sdk.log_param("long", "x" * 6001)


def test_log_metric_never_blocks_while_the_studio_is_down(sdk, fake):
    fake.down = True
    started = time.monotonic()
    for i in range(20_000):
        sdk.log_metric("loss", i * 0.5)
    elapsed = time.monotonic() - started
    assert elapsed < 2.0, f"20,000 log_metric calls took {elapsed:.2f} s with the studio down"
    assert not sdk.flush(0.3)  # still down: nothing acknowledged
    time.sleep(0.5)
    fake.down = False
    assert sdk.flush(30)
    values = [m["value"] for m in fake.metrics("run1")]
    assert values == [i * 0.5 for i in range(20_000)]
    sizes = [len(r.json().get("metrics", [])) for r in fake.of("POST", r"/batch$") if r.json().get("metrics")]
    assert max(sizes) <= 1000


def test_retries_resend_the_same_seq_and_the_studio_deduplicates(sdk, fake):
    # 1st batch: 503, then stored but the answer is lost, then the connection is dropped.
    fake.fail(r"/batch$", count=1, status=503)
    fake.fail(r"/batch$", count=1, kind="lose_response")
    fake.fail(r"/batch$", count=1, kind="drop")
    for i in range(50):
        sdk.log_metric("m", i)
    assert sdk.flush(20)
    sent = [r.json() for r in fake.of("POST", r"/batch$")]
    assert len(sent) >= 4
    assert {(b["source"], b["seq"]) for b in sent[:4]} == {(sent[0]["source"], 0)}
    assert fake.duplicates >= 1
    assert [m["value"] for m in fake.metrics("run1")] == list(range(50))


def test_a_refused_batch_is_dropped_with_a_warning_not_retried(sdk, fake):
    fake.fail(r"/batch$", count=1, status=400)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sdk.log_metric("a", 1)
        assert sdk.flush(10)
        sdk.log_metric("b", 2)
        assert sdk.flush(10)
    assert [m["key"] for m in fake.metrics("run1")] == ["b"]
    assert len(fake.of("POST", r"/batch$")) == 2
    assert any("dropped 1 metrics" in str(w.message) and "HTTP 400" in str(w.message) for w in caught)


def test_param_relogged_with_another_value(sdk, fake):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sdk.log_param("lr", 0.1)
        sdk.log_param("lr", 0.1)  # same value: fine, nothing sent twice
        sdk.log_param("lr", 0.2)  # refused at once, in this process
    assert any("'lr' was already logged as '0.1'" in str(w.message) for w in caught)
    assert sdk.flush(10)
    assert fake.runs["run1"]["params"] == {"lr": "0.1"}

    # Another process set "depth" already: the studio answers 409 for the whole batch. The
    # metrics in it are stored anyway and the warning names the param.
    fake.runs["run1"]["params"]["depth"] = "5"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sdk.log_metric("loss", 1.5)
        sdk.log_params({"depth": 3, "width": 8})
        assert sdk.flush(10)
    messages = [str(w.message) for w in caught]
    assert any("param 'depth'='3' was not stored" in m for m in messages), messages
    assert [m["value"] for m in fake.metrics("run1")] == [1.5]
    assert fake.runs["run1"]["params"] == {"lr": "0.1", "depth": "5", "width": "8"}


def test_start_run_as_a_context_manager(sdk, fake):
    with sdk.start_run(name="baseline", experiment="Exp A", tags={"k": "v"}) as run:
        assert sdk.active_run() is run
        run.log_metric("acc", 0.9)
    assert sdk.active_run() is None
    with pytest.raises(RuntimeError):
        with sdk.start_run(name="broken"):
            sdk.log_metric("acc", 0.1)
            raise RuntimeError("boom")
    assert sdk.flush(10)
    creates = [r.json() for r in fake.of("POST", r"/runs$")]
    assert creates[0] == {"experiment": "Exp A", "name": "baseline", "source": "sdk", "tags": {"k": "v"}}
    patches = [(r.path, r.json()) for r in fake.of("PATCH", r"/api/runs/")]
    assert patches == [("/api/runs/run1", {"status": "completed"}), ("/api/runs/run2", {"status": "failed"})]
    assert fake.metrics("run1")[0]["value"] == 0.9 and fake.metrics("run2")[0]["value"] == 0.1


def test_start_run_while_another_is_active(sdk, fake):
    sdk.log_metric("x", 1)  # an automatic run: replaced (ended) by an explicit one
    run = sdk.start_run(name="explicit")
    with pytest.raises(studio.StudioError):
        sdk.start_run()
    sdk.end_run()
    sdk.end_run()  # nothing active: no-op
    assert sdk.flush(10)
    assert run.id == "run2"
    assert [(r.path, r.json()["status"]) for r in fake.of("PATCH", r"/api/runs/")] == [("/api/runs/run1", "completed"), ("/api/runs/run2", "completed")]


def test_inside_a_job_the_job_run_is_used(sdk, fake, monkeypatch):
    fake.add_run("jobrun")
    monkeypatch.setenv("STUDIO_RUN_ID", "jobrun")
    sdk.reload()
    assert sdk.active_run().id == "jobrun"
    sdk.log_metric("loss", 0.5)
    run = sdk.start_run(tags={"stage": "2"})
    assert run.id == "jobrun"
    sdk.end_run()
    assert sdk.flush(10)
    assert fake.of("POST", r"/runs$") == []
    assert fake.of("PATCH", r"/api/runs/") == []
    assert fake.metrics("jobrun")[0]["value"] == 0.5
    assert fake.runs["jobrun"]["tags"] == {"stage": "2"}


def test_values_are_sent_within_a_second_without_flush(sdk, fake, monkeypatch):
    fake.add_run("jobrun")
    monkeypatch.setenv("STUDIO_RUN_ID", "jobrun")
    sdk.reload()
    for epoch in range(3):
        sdk.log_metric("loss", epoch)
        deadline = time.monotonic() + 2
        while len(fake.metrics("jobrun")) <= epoch and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(fake.metrics("jobrun")) == epoch + 1, "a lone metric was not sent within 2 s"


def test_no_project_configured_warns_and_drops(sdk, fake, monkeypatch):
    monkeypatch.delenv("STUDIO_PROJECT_ID")
    sdk.reload()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sdk.log_metric("x", 1)
        assert sdk.flush(5)
    assert any("STUDIO_PROJECT_ID" in str(w.message) for w in caught)


def test_init_overrides_the_environment(sdk, fake, monkeypatch):
    monkeypatch.setenv("STUDIO_URL", "http://127.0.0.1:9")
    sdk.reload()
    sdk.init(url=fake.url, project="other")
    sdk.log_metric("x", 1)
    assert sdk.flush(10)
    assert fake.of("POST", r"/runs$")[0].path == "/api/projects/other/runs"


# --- exit -----------------------------------------------------------------------------------------


def test_values_are_flushed_at_exit_through_downtime(fake, tmp_path):
    fake.fail(r"/batch$", count=3, status=503)
    fake.fail(r"/runs$", count=1, kind="drop")
    script = textwrap.dedent(
        """
        import studio
        studio.log_param("lr", 0.01)
        for i in range(2500):
            studio.log_metric("loss", 1 / (i + 1))
        print("done logging", flush=True)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], env=_subprocess_env(fake), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "done logging" in result.stdout
    assert len(fake.metrics("run1")) == 2500
    assert fake.runs["run1"]["status"] == "completed"
    assert fake.runs["run1"]["params"] == {"lr": "0.01"}


def test_exit_waits_at_most_the_flush_timeout(fake):
    fake.down = True
    script = "import studio\nstudio.log_metric('x', 1)\n"
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", script], env=_subprocess_env(fake, STUDIO_FLUSH_TIMEOUT="1"), capture_output=True, text=True, timeout=60
    )
    assert time.monotonic() - started < 10
    assert result.returncode == 0
    assert "could not be sent within STUDIO_FLUSH_TIMEOUT=1 s" in result.stderr


def test_a_job_process_does_not_end_the_job_run_at_exit(fake):
    fake.add_run("jobrun")
    script = "import studio\nstudio.log_metric('x', 3)\n"
    result = subprocess.run([sys.executable, "-c", script], env=_subprocess_env(fake, STUDIO_RUN_ID="jobrun"), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert fake.metrics("jobrun")[0]["value"] == 3
    assert fake.runs["jobrun"]["status"] == "running"


def test_kernel_prefixed_environment_is_adopted(fake):
    # Gateways pass only KERNEL_* variables into kernels: KERNEL_STUDIO_X counts as STUDIO_X.
    env = {k: v for k, v in _subprocess_env(fake).items() if not k.startswith("STUDIO_") or k == "STUDIO_RETRY_INITIAL_SECONDS"}
    env.update({f"KERNEL_{k}": v for k, v in fake.env(STUDIO_NOTEBOOK_ID="nb9", STUDIO_NOTEBOOK_NAME="Kernel NB").items()})
    script = "import os, studio\nstudio.log_metric('x', 1)\nprint(os.environ['STUDIO_NOTEBOOK_ID'])\n"
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "nb9"
    assert fake.of("POST", r"/runs$")[0].json() == {"experiment": "Kernel NB", "source": "notebook", "notebookId": "nb9"}
    assert fake.runs["run1"]["status"] == "completed"


def test_a_forked_child_logs_with_its_own_source(fake):
    script = textwrap.dedent(
        """
        import os, studio
        studio.log_metric("parent", 1)
        studio.flush(10)
        pid = os.fork()
        if pid == 0:
            studio.log_metric("child", 2)
            studio.flush(10)
            os._exit(0)
        os.waitpid(pid, 0)
        studio.log_metric("parent", 3)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], env=_subprocess_env(fake), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert sorted((m["key"], m["value"]) for m in fake.metrics("run1")) == [("child", 2), ("parent", 1), ("parent", 3)]
    sources = {r.json()["source"] for r in fake.of("POST", r"/batch$")}
    assert len(sources) == 2


def test_importing_the_sdk_without_using_it_sends_nothing(fake):
    result = subprocess.run([sys.executable, "-c", "import studio"], env=_subprocess_env(fake), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert fake.requests == []


# --- artifacts and models -------------------------------------------------------------------------


def test_log_artifact_file_and_directory(sdk, fake, tmp_path):
    (tmp_path / "report.txt").write_text("hello")
    folder = tmp_path / "plots"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.png").write_bytes(b"\x89PNG")
    (folder / "sub" / "b.csv").write_text("x\n1\n")
    fake.fail(r"/artifacts$", count=1, status=502)
    sdk.log_artifact(tmp_path / "report.txt")
    sdk.log_artifact(tmp_path / "report.txt", artifact_path="docs")
    sdk.log_artifact(folder)
    sdk.log_artifacts(folder, artifact_path="flat")
    assert fake.artifacts["run1"] == {
        "report.txt": b"hello",
        "docs/report.txt": b"hello",
        "plots/a.png": b"\x89PNG",
        "plots/sub/b.csv": b"x\n1\n",
        "flat/a.png": b"\x89PNG",
        "flat/sub/b.csv": b"x\n1\n",
    }
    put = fake.of("PUT", r"/artifacts$")[0]
    assert put.headers["Content-Type"] == "application/octet-stream"


def test_log_model_of_a_fitted_object(sdk, fake):
    import io

    import joblib
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    X = pd.DataFrame({"age": [20, 30, 40, 50], "income": [1.0, 2.5, 3.0, 4.5], "city": ["a", "b", "a", "b"], "member": [True, False, True, False]})
    y = [0, 0, 1, 1]
    model = LogisticRegression().fit(X[["age", "income"]], y)
    manifest = sdk.log_model(model, input_example=X, metrics={"validation:accuracy": 1.0}, target="churn", algorithm="linear")
    files = fake.artifacts["run1"]
    assert set(files) == {"model/model.joblib", "model/studio-model.json"}
    stored = json.loads(files["model/studio-model.json"])
    assert stored == {k: v for k, v in manifest.items() if k not in ("run_id", "artifact_path")}
    assert stored["format"] == "studio-model/1"
    assert stored["framework"] == "sklearn"
    assert stored["loader"] == "joblib" and stored["model_file"] == "model.joblib"
    assert stored["task"] == "binary_classification"
    assert stored["classes"] == [0, 1]
    assert stored["algorithm"] == "linear" and stored["target"] == "churn"
    assert stored["input_schema"] == [
        {"name": "age", "type": "integer"},
        {"name": "income", "type": "float"},
        {"name": "city", "type": "string"},
        {"name": "member", "type": "boolean"},
    ]
    assert stored["metrics"] == {"validation:accuracy": 1.0}
    assert stored["libraries"]["scikit-learn"] and stored["libraries"]["python"]
    assert stored["created_at"].endswith("Z")
    loaded = joblib.load(io.BytesIO(files["model/model.joblib"]))
    assert list(loaded.predict(X[["age", "income"]])) == list(model.predict(X[["age", "income"]]))


def test_log_model_of_a_file_and_save_model(sdk, fake, tmp_path):
    weights = tmp_path / "net.pt"
    weights.write_bytes(b"weights")
    manifest = sdk.log_model(weights, name="net", input_schema={"x": "float"}, loader="custom")
    assert manifest["framework"] == "custom" and manifest["loader"] == "custom" and manifest["model_file"] == "net.pt"
    assert set(fake.artifacts["run1"]) == {"net/net.pt", "net/studio-model.json"}
    saved = sdk.save_model({"weights": [1, 2]}, tmp_path / "out", task="regression")
    assert (tmp_path / "out" / "model.joblib").is_file()
    assert json.loads((tmp_path / "out" / "studio-model.json").read_text())["task"] == "regression"
    assert saved["framework"] == "custom"


# --- datasets -------------------------------------------------------------------------------------


def test_datasets_get_and_download(sdk, fake, tmp_path):
    fake.add_dataset("iris", b"a,b\n1,x\n2,y\n", "iris.csv", "csv")
    fake.add_dataset("iris", b'{"a": 5}\n{"a": 6}\n', "iris.jsonl", "jsonl")
    fake.add_dataset("iris", b"", "broken.csv", "csv", status="failed")
    df = sdk.datasets.get("iris")  # newest *ready* version: v2
    assert list(df["a"]) == [5, 6]
    df1 = sdk.datasets.get("iris", version=1)
    assert list(df1.columns) == ["a", "b"] and list(df1["b"]) == ["x", "y"]
    fake.fail(r"/download$", count=1, kind="drop")
    path = sdk.datasets.download("iris", version=1, path=tmp_path)
    assert Path(path) == tmp_path / "iris.csv" and Path(path).read_bytes() == b"a,b\n1,x\n2,y\n"
    with pytest.raises(studio.StudioError, match="No dataset named 'nope'"):
        sdk.datasets.get("nope")
    with pytest.raises(studio.StudioError, match="no such version"):
        sdk.datasets.get("iris", version=9)


def test_datasets_put_waits_for_validation(sdk, fake, tmp_path):
    import pandas as pd

    version = sdk.datasets.put("scores", pd.DataFrame({"x": [1, 2], "y": ["a", "b"]}))
    assert version["status"] == "ready" and version["version"] == 1
    upload = fake.of("POST", r"/datasets/upload$")[0]
    assert upload.query == {"name": "scores", "filename": "scores.csv"}
    assert upload.body == b"x,y\n1,a\n2,b\n"
    assert len(fake.of("GET", r"/versions/1$")) == fake.processing_polls

    file = tmp_path / "more.jsonl"
    file.write_text('{"x": 1}\n')
    fake.fail_validation = "Line 3 is not JSON."
    with pytest.raises(studio.StudioError, match="failed validation: Line 3 is not JSON"):
        sdk.datasets.put("scores", file)
    assert fake.of("POST", r"/datasets/upload$")[1].query["filename"] == "more.jsonl"
    no_wait = sdk.datasets.put("scores", file, wait=False)
    assert no_wait["status"] == "processing"


def test_sync_calls_raise_on_refusal(sdk, fake):
    fake.fail(r"/datasets$", count=1, status=403)
    with pytest.raises(studio.StudioError, match="HTTP 403"):
        sdk.datasets.list()
