"""The job runner as the worker starts it: the bootstrap code executed in a real ipykernel."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from kgtest import SDK_DIR  # noqa: E402,F401  (puts the SDK on sys.path)


jupyter_client = pytest.importorskip("jupyter_client")

# Same as JOB_BOOTSTRAP in server/jobs/run-training-jobs.ts: gateways pass only KERNEL_* variables.
BOOTSTRAP = """import os as _os
for _k, _v in list(_os.environ.items()):
    if _k.startswith('KERNEL_STUDIO_'):
        _os.environ[_k[len('KERNEL_'):]] = _v
from studio._runner import run_job as _run_job
_run_job()"""


def test_run_job_inside_a_kernel(fake, tmp_path):
    fake.add_run("run-k")
    fake.jobs["jobk"] = {
        "id": "jobk", "name": "kernel job", "attempt": 2, "runId": "run-k", "sourceType": "script",
        "entryPoint": None, "codeFilename": "train.py", "algorithm": None, "hyperparameters": {"alpha": "0.5"},
        "inputs": [], "codePath": "/api/jobs/jobk/code", "maxRuntimeSeconds": 60,
    }
    fake.code["jobk"] = (
        b"import os, sys, matplotlib\n"
        b"matplotlib.use(os.environ['MPLBACKEND'])\n"
        b"import matplotlib.pyplot as plt\n"
        b"plt.plot([1, 2]); plt.savefig(os.path.join(os.environ['SM_OUTPUT_DATA_DIR'], 'plot.png'))\n"
        b"import studio\n"
        b"studio.log_metric('alpha_seen', float(sys.argv[2]))\n"
        b"print('backend', os.environ['MPLBACKEND'])\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("STUDIO_")}
    env["PYTHONPATH"] = str(SDK_DIR)
    for key, value in fake.env(STUDIO_JOB_ID="jobk", STUDIO_JOB_ATTEMPT="2", STUDIO_RUN_ID="run-k", STUDIO_RETRY_INITIAL_SECONDS="0.05").items():
        env[f"KERNEL_{key}"] = value
    manager = jupyter_client.KernelManager(kernel_name="python3")
    manager.start_kernel(env=env, cwd=str(tmp_path))
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        reply = client.execute_interactive(BOOTSTRAP, timeout=120, output_hook=lambda msg: None)
        assert reply["content"]["status"] == "ok", reply["content"]
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert [s["status"] for s in fake.statuses] == ["running", "completed"], fake.log_text("jobk", attempt=2)
    assert all(s["attempt"] == 2 for s in fake.statuses)
    assert "backend Agg\n" in fake.log_text("jobk", attempt=2, streams=("stdout",))
    assert fake.metrics("run-k")[0]["value"] == 0.5
    assert set(fake.artifacts["run-k"]) == {"output/plot.png"}
    assert (tmp_path / "jobs" / "jobk" / "attempt-2" / "code" / "train.py").is_file()
