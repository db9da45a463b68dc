"""The job runner (studio._runner) against the fake studio: real child processes, fake HTTP."""

from __future__ import annotations

import io
import json
import os
import sys
import textwrap
import threading
import time
import zipfile
from pathlib import Path

import pytest

from kgtest import SDK_DIR  # noqa: E402,F401  (puts the SDK on sys.path)

from studio import _runner  # noqa: E402
from studio_fake import FakeStudio  # noqa: E402


@pytest.fixture(autouse=True)
def fast(monkeypatch):
    monkeypatch.setenv("STUDIO_RETRY_INITIAL_SECONDS", "0.05")
    monkeypatch.setattr(_runner, "HEARTBEAT_INTERVAL", 0.3)


def make_job(fake: FakeStudio, job_id: str = "job1", *, code: bytes | None = None, **spec) -> dict:
    run_id = fake.add_run(f"run-{job_id}")
    job = {
        "id": job_id,
        "name": f"Job {job_id}",
        "attempt": 1,
        "runId": run_id,
        "sourceType": "script",
        "entryPoint": None,
        "codeFilename": "train.py",
        "algorithm": None,
        "hyperparameters": {},
        "inputs": [],
        "codePath": f"/api/jobs/{job_id}/code",
        "maxRuntimeSeconds": 600,
        **spec,
    }
    fake.jobs[job_id] = job
    if code is not None:
        fake.code[job_id] = code
    return job


def run(fake: FakeStudio, tmp_path: Path, job_id: str = "job1", attempt: int = 1) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STUDIO_")}
    env.update(fake.env(STUDIO_JOB_ID=job_id, STUDIO_JOB_ATTEMPT=str(attempt), STUDIO_RUN_ID=fake.jobs[job_id]["runId"]))
    env["PYTHONPATH"] = str(SDK_DIR)
    env["STUDIO_RETRY_INITIAL_SECONDS"] = "0.05"
    runner = _runner.JobRunner(env=env, cwd=tmp_path)
    return runner.run()


def statuses(fake: FakeStudio) -> list[str]:
    return [s["status"] for s in fake.statuses]


def test_script_job_sees_hyperparameters_channels_and_sm_env(fake, tmp_path):
    fake.add_dataset("iris", b"a,b\n1,2\n", "iris.csv", "csv")
    script = textwrap.dedent(
        """
        import json, os, sys
        from pathlib import Path
        import studio
        print("argv", json.dumps(sys.argv[1:]))
        for key in ["SM_MODEL_DIR", "SM_OUTPUT_DATA_DIR", "SM_CHANNEL_TRAIN", "SM_CHANNELS", "SM_HPS", "SM_INPUT_DIR", "SM_HP_LEARNING_RATE", "STUDIO_RUN_ID", "PYTHONUNBUFFERED"]:
            print(key, os.environ.get(key))
        print("train file", Path(os.environ["SM_CHANNEL_TRAIN"], "iris.csv").read_text().splitlines())
        print("hps file", Path(os.environ["SM_INPUT_DIR"], "config", "hyperparameters.json").read_text().replace("\\n", ""))
        print("cwd", os.getcwd())
        Path(os.environ["SM_MODEL_DIR"], "model.joblib").write_bytes(b"model-bytes")
        Path(os.environ["SM_MODEL_DIR"], "studio-model.json").write_text("{}")
        Path(os.environ["SM_OUTPUT_DATA_DIR"], "sub").mkdir()
        Path(os.environ["SM_OUTPUT_DATA_DIR"], "sub", "preds.csv").write_text("p\\n1\\n")
        studio.log_metric("validation:accuracy", 0.9)
        print("warning line", file=sys.stderr)
        """
    )
    make_job(
        fake,
        code=script.encode(),
        hyperparameters={"learning_rate": "0.1", "epochs": "3"},
        inputs=[{"channel": "train", "datasetId": "ds1", "datasetVersionId": "v", "name": "iris", "version": 1, "format": "csv", "filename": "iris.csv", "downloadPath": "/api/datasets/ds1/versions/1/download"}],
    )
    result = run(fake, tmp_path)
    out = fake.log_text("job1", streams=("stdout",))
    assert result == {"status": "completed", "exitCode": 0}, fake.log_text("job1")
    assert statuses(fake) == ["running", "completed"]
    attempt = tmp_path / "jobs" / "job1" / "attempt-1"
    lines = dict(line.split(" ", 1) for line in out.splitlines())
    assert json.loads(lines["argv"]) == ["--learning_rate", "0.1", "--epochs", "3"]
    assert lines["SM_MODEL_DIR"] == str(attempt / "model")
    assert lines["SM_OUTPUT_DATA_DIR"] == str(attempt / "output")
    assert lines["SM_CHANNEL_TRAIN"] == str(attempt / "input" / "data" / "train")
    assert json.loads(lines["SM_CHANNELS"]) == ["train"]
    assert json.loads(lines["SM_HPS"]) == {"learning_rate": "0.1", "epochs": "3"}
    assert lines["SM_INPUT_DIR"] == str(attempt / "input")
    assert lines["SM_HP_LEARNING_RATE"] == "0.1"
    assert lines["STUDIO_RUN_ID"] == "run-job1"
    assert lines["PYTHONUNBUFFERED"] == "1"
    assert lines["train"] == "file ['a,b', '1,2']"
    assert json.loads(lines["hps"].removeprefix("file ")) == {"learning_rate": "0.1", "epochs": "3"}
    assert lines["cwd"] == str(attempt / "code")
    assert "warning line\n" in fake.log_text("job1", streams=("stderr",))
    system = fake.log_text("job1", streams=("system",))
    assert "Downloading input 'train': iris v1 (iris.csv)" in system
    assert "Starting: python code/train.py --learning_rate 0.1 --epochs 3" in system
    assert "Uploading 3 files from model/ and output/" in system
    assert fake.artifacts["run-job1"] == {
        "model/model.joblib": b"model-bytes",
        "model/studio-model.json": b"{}",
        "output/sub/preds.csv": b"p\n1\n",
    }
    assert fake.metrics("run-job1")[0]["key"] == "validation:accuracy"


def test_a_crashing_script_fails_with_its_traceback_in_the_reason(fake, tmp_path):
    script = textwrap.dedent(
        """
        import sys
        for i in range(30):
            print(f"progress {i}", file=sys.stderr)
        def train():
            raise ValueError("learning rate must be positive")
        train()
        """
    )
    make_job(fake, code=script.encode())
    result = run(fake, tmp_path)
    assert result["status"] == "failed" and result["exitCode"] == 1
    reason = result["reason"]
    assert reason.startswith("ValueError: learning rate must be positive\n")
    assert "progress 29" in reason and "progress 5\n" not in reason
    assert len(reason) <= 4000
    assert fake.statuses[-1] == {"attempt": 1, "status": "failed", "exitCode": 1, "reason": reason}


def test_logs_arrive_in_order_through_failures_and_downtime(fake, tmp_path):
    script = textwrap.dedent(
        """
        import sys, time
        for i in range(3000):
            print(f"line {i}")
            if i % 1000 == 0:
                print(f"err {i}", file=sys.stderr)
                time.sleep(0.3)
        print("x" * 200_000)
        print("no newline at the end", end="")
        """
    )
    make_job(fake, code=script.encode())
    fake.fail(r"/logs$", count=2, status=503)
    fake.fail(r"/logs$", count=1, kind="lose_response")
    fake.fail(r"/logs$", count=1, kind="drop")

    def outage():
        time.sleep(0.5)
        fake.down = True
        time.sleep(1.5)
        fake.down = False

    threading.Thread(target=outage).start()
    result = run(fake, tmp_path)
    assert result["status"] == "completed"
    seqs = sorted(k[2] for k in fake.log_chunks)
    assert seqs == list(range(len(seqs)))
    out = fake.log_text("job1", streams=("stdout",))
    expected = "".join(f"line {i}\n" for i in range(3000))
    assert out.startswith(expected)
    rest = out[len(expected):].split("\n")
    assert rest[-2:] == ["no newline at the end", ""]
    long_pieces = rest[:-2]
    assert "".join(long_pieces) == "x" * 200_000 and all(len(p) <= 64 * 1024 for p in long_pieces) and len(long_pieces) == 4
    assert fake.log_text("job1", streams=("stderr",)) == "err 0\nerr 1000\nerr 2000\n"
    # every request respects the contract's limits
    for post in fake.log_posts:
        assert len(post["chunks"]) <= 1000 and len(json.dumps(post).encode()) <= 4 * 1024 * 1024
        assert all(c["text"].endswith("\n") for c in post["chunks"])


def test_stdout_and_stderr_keep_the_order_they_were_written_in(fake, tmp_path, monkeypatch):
    # A long log and then a traceback: the traceback must come after the last line printed before
    # it, even while the studio is slow to take the log (the pipes fill up meanwhile). (Two pipes
    # cannot order bytes written to both within one read; a job blocked on a full stdout pipe is
    # the case that matters, and that one is exact.)
    script = textwrap.dedent(
        """
        import sys
        for i in range(20_000):
            print(f"line {i} of the long log")
        print("needle", file=sys.stderr)
        """
    )
    make_job(fake, code=script.encode())
    fake.fail(r"/logs$", count=20, kind="delay", seconds=0.05)
    monkeypatch.setattr(_runner, "MAX_BUFFERED_BYTES", 16 * 1024)  # the shipper pushes back sooner
    monkeypatch.setattr(_runner, "LOG_INTERVAL", 0.02)
    result = run(fake, tmp_path)
    assert result["status"] == "completed"
    text = fake.log_text("job1", streams=("stdout", "stderr"))
    assert text.endswith("line 19999 of the long log\nneedle\n")
    assert text.count("\n") == 20_001


def test_stop_via_heartbeat_ends_the_process_group(fake, tmp_path, monkeypatch):
    monkeypatch.setattr(_runner, "KILL_GRACE_SECONDS", 1.0)
    script = textwrap.dedent(
        """
        import signal, subprocess, sys, time
        signal.signal(signal.SIGTERM, lambda *a: print("ignoring SIGTERM", flush=True))
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
        print("started", child.pid, flush=True)
        while True:
            time.sleep(0.1)
        """
    )
    make_job(fake, code=script.encode())

    def stop_soon():
        deadline = time.monotonic() + 20
        while "started" not in fake.log_text("job1") and time.monotonic() < deadline:
            time.sleep(0.05)
        fake.stop_jobs.add("job1")

    threading.Thread(target=stop_soon).start()
    started = time.monotonic()
    result = run(fake, tmp_path)
    assert time.monotonic() - started < 15
    assert result["status"] == "stopped"
    assert statuses(fake) == ["running", "stopped"]
    text = fake.log_text("job1")
    assert "ignoring SIGTERM" in text and "sending SIGKILL" in text
    grandchild = int(text.split("started ", 1)[1].split()[0])
    time.sleep(0.2)
    assert not Path(f"/proc/{grandchild}").exists() or "zombie" in Path(f"/proc/{grandchild}/status").read_text().lower()


def test_max_runtime(fake, tmp_path):
    make_job(fake, code=b"import time\ntime.sleep(60)\n", maxRuntimeSeconds=1)
    result = run(fake, tmp_path)
    assert result["status"] == "failed" and "maximum runtime" in result["reason"]


def _zip(entries: dict[str, bytes], links: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o120777 << 16)
            zf.writestr(info, target)
    return buffer.getvalue()


def test_zip_job_with_an_entry_point_in_a_folder(fake, tmp_path):
    code = _zip({"project/src/train.py": b"from helpers import greet\nprint(greet())\n", "project/src/helpers.py": b"def greet():\n    return 'hi from zip'\n"})
    make_job(fake, code=code, codeFilename="project.zip", entryPoint="src/train.py")
    result = run(fake, tmp_path)
    assert result["status"] == "completed", fake.log_text("job1")
    assert "hi from zip\n" in fake.log_text("job1", streams=("stdout",))


@pytest.mark.parametrize(
    "entries,links,message",
    [
        ({"../evil.py": b"print('escaped')"}, None, "leaves its folder"),
        ({"ok/../../evil.py": b"x"}, None, "leaves its folder"),
        ({"/etc/evil.py": b"x"}, None, "absolute path"),
        ({"train.py": b"print(1)"}, {"link": "/etc/passwd"}, "symbolic link"),
    ],
)
def test_unsafe_zip_entries_are_refused(fake, tmp_path, entries, links, message):
    make_job(fake, code=_zip(entries, links), codeFilename="code.zip", entryPoint="train.py")
    result = run(fake, tmp_path)
    assert result["status"] == "failed"
    assert message in result["reason"] and "refused" in result["reason"]
    assert statuses(fake) == ["failed"]
    assert not (tmp_path / "jobs" / "job1" / "evil.py").exists() and not (tmp_path / "evil.py").exists()


def test_set_up_failures_are_reported(fake, tmp_path):
    make_job(
        fake,
        code=b"print(1)",
        inputs=[{"channel": "train", "name": "gone", "version": 4, "format": "csv", "filename": "gone.csv", "downloadPath": "/api/datasets/nope/versions/4/download"}],
    )
    result = run(fake, tmp_path)
    assert result["status"] == "failed"
    assert "Could not download input 'train' (gone v4)" in result["reason"] and "HTTP 404" in result["reason"]
    assert "Job set-up failed" in fake.log_text("job1", streams=("system",))

    make_job(fake, "job2", code=b"not a zip", codeFilename="code.zip", entryPoint="train.py")
    result = run(fake, tmp_path, "job2")
    assert result["status"] == "failed" and "not a valid zip file" in result["reason"]


def test_spec_fetch_retries_through_downtime(fake, tmp_path):
    make_job(fake, code=b"print('ok')\n")
    fake.fail(r"/spec$", count=3, status=503)
    fake.fail(r"/status$", count=2, kind="drop")
    result = run(fake, tmp_path)
    assert result["status"] == "completed"
    assert statuses(fake)[-1] == "completed"


def test_notebook_job_runs_cells_with_magics(fake, tmp_path):
    def cell(source, tags=None):
        return {"cell_type": "code", "metadata": {"tags": tags or []}, "source": source, "outputs": [], "execution_count": None}

    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": "# Title"},
            cell(["%env GREETING=hello\n", "lr = 0.5\n", "epochs = 1\n"], tags=["parameters"]),
            cell("import os\nprint(os.environ['GREETING'], lr * 2, epochs + 1)"),
            cell("x = %time 21 * 2\nprint('x is', x)"),
            cell("!echo from-the-shell"),
            cell("import studio\nstudio.log_metric('nb_metric', 1.25)\n40 + 2"),
        ],
    }
    make_job(fake, code=json.dumps(notebook).encode(), sourceType="notebook", codeFilename="analysis.ipynb", hyperparameters={"lr": "0.25", "epochs": "10"})
    result = run(fake, tmp_path)
    out = fake.log_text("job1", streams=("stdout",))
    assert result["status"] == "completed", fake.log_text("job1")
    assert "hello 0.5 11\n" in out  # injected after the parameters cell: lr=0.25 → 0.5, epochs=10
    assert "x is 42\n" in out
    assert "from-the-shell\n" in out
    assert "42" in out.splitlines()[-1]
    assert fake.metrics("run-job1")[0]["value"] == 1.25


def test_a_failing_notebook_cell_fails_the_job(fake, tmp_path):
    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {"cell_type": "code", "metadata": {}, "source": "print('before')", "outputs": [], "execution_count": None},
            {"cell_type": "code", "metadata": {}, "source": "def f():\n    return 1 / 0\nf()", "outputs": [], "execution_count": None},
            {"cell_type": "code", "metadata": {}, "source": "print('never')", "outputs": [], "execution_count": None},
        ],
    }
    make_job(fake, code=json.dumps(notebook).encode(), sourceType="notebook", codeFilename="nb.ipynb")
    result = run(fake, tmp_path)
    assert result["status"] == "failed" and result["exitCode"] == 1
    assert result["reason"].startswith("ZeroDivisionError: division by zero")
    assert "Cell 2 of 3 failed" in result["reason"]
    assert "never" not in fake.log_text("job1", streams=("stdout",))
    assert "\x1b[" not in fake.log_text("job1")  # no terminal colours in the logs


def test_builtin_job_runs_the_algorithms_module(fake, tmp_path):
    make_job(fake, sourceType="builtin", algorithm="xgboost", codePath=None, codeFilename=None)
    result = run(fake, tmp_path)
    assert result["status"] in ("completed", "failed")
    assert "Starting: python -m studio.algorithms xgboost" in fake.log_text("job1", streams=("system",))
    assert statuses(fake)[0] == "running"
