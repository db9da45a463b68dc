"""Client side of `npm run bench -- metric-ingest`: logs metric points the way a user would and
prints one JSON object {"points", "seconds", ...} on stdout.

    python bench/metric_ingest_driver.py studio        KEYS STEPS BUDGET_S   (STUDIO_URL/TOKEN/PROJECT_ID)
    python bench/metric_ingest_driver.py mlflow-batch  KEYS STEPS BUDGET_S   (MLFLOW_TRACKING_URI)
    python bench/metric_ingest_driver.py mlflow-async  KEYS STEPS BUDGET_S   (MLFLOW_TRACKING_URI)

Points are logged step by step, every key at each step (KEYS x STEPS points), values from a cheap
formula. The clock runs from the first log call until the client says everything is stored
(studio.flush(); MlflowClient.log_batch returning; mlflow.flush_async_logging()). When BUDGET_S
seconds have passed, no more steps are started (MLflow on SQLite can be slow): `points` says how
many were logged. Then the server is asked how many points it holds, so nothing dropped counts.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
import warnings

MLFLOW_MAX_METRICS_PER_BATCH = 1000  # MLflow refuses more per log_batch


def value(step: int, k: int) -> float:
    return math.exp(-step / 20000.0) + 0.01 * k + 0.001 * ((step * 7919 + k) % 97)


def run_studio(keys: list[str], steps: int, budget: float) -> dict:
    import studio

    run = studio.start_run(experiment="bench-metric-ingest", name="sdk-throughput")
    run_id = run.id  # created before the clock starts, like mlflow's create_run below
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t0 = time.perf_counter()
        logged = 0
        for step in range(steps):
            for k, key in enumerate(keys):
                studio.log_metric(key, value(step, k), step)
            logged += len(keys)
            if (step & 1023) == 0 and time.perf_counter() - t0 > budget:
                break
        logged_at = time.perf_counter()
        if not studio.flush(timeout=3600):
            raise SystemExit("studio.flush() timed out")
        seconds = time.perf_counter() - t0
    if caught:
        raise SystemExit(f"the SDK warned: {caught[0].message}")
    summary = studio.get_run(run_id)
    stored = sum(int(m.get("count", 0)) for m in (summary.get("metrics") or {}).values())
    studio.end_run()
    studio.flush(timeout=60)
    return {"points": logged, "stored": stored, "seconds": seconds, "log_calls_seconds": logged_at - t0, "run_id": run_id}


def mlflow_stored(run_id: str) -> int:
    """Points the MLflow server holds for the run (read from its SQLite file, the REST API pages 25k at a time)."""
    import sqlite3

    db = os.environ["MLFLOW_BENCH_DB"]
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute("SELECT count(*) FROM metrics WHERE run_uuid = ?", (run_id,)).fetchone()[0]


def run_mlflow_batch(keys: list[str], steps: int, budget: float) -> dict:
    from mlflow import MlflowClient
    from mlflow.entities import Metric

    client = MlflowClient()
    experiment_id = client.create_experiment("bench-metric-ingest-batch")
    run_id = client.create_run(experiment_id, run_name="log-batch").info.run_id
    steps_per_batch = max(1, MLFLOW_MAX_METRICS_PER_BATCH // len(keys))
    t0 = time.perf_counter()
    logged = 0
    for first in range(0, steps, steps_per_batch):
        now = int(time.time() * 1000)
        metrics = [
            Metric(key, value(step, k), now, step)
            for step in range(first, min(steps, first + steps_per_batch))
            for k, key in enumerate(keys)
        ]
        client.log_batch(run_id, metrics=metrics)
        logged += len(metrics)
        if time.perf_counter() - t0 > budget:
            break
    seconds = time.perf_counter() - t0
    client.set_terminated(run_id)
    return {"points": logged, "stored": mlflow_stored(run_id), "seconds": seconds, "run_id": run_id}


def run_mlflow_async(keys: list[str], steps: int, budget: float) -> dict:
    import mlflow

    mlflow.set_experiment("bench-metric-ingest-async")
    with mlflow.start_run(run_name="log-metrics-async") as run:
        run_id = run.info.run_id
        t0 = time.perf_counter()
        logged = 0
        # The calls only enqueue, so the budget is checked against what is stored: every 1,000
        # steps, wait for the chunk before the last one (the queue never runs dry meanwhile).
        previous = current = None
        for step in range(steps):
            current = mlflow.log_metrics({key: value(step, k) for k, key in enumerate(keys)}, step=step, synchronous=False)
            logged += len(keys)
            if step % 1000 == 999:
                if previous is not None:
                    previous.wait()
                previous = current
                if time.perf_counter() - t0 > budget:
                    break
        logged_at = time.perf_counter()
        mlflow.flush_async_logging()
        seconds = time.perf_counter() - t0
    return {"points": logged, "stored": mlflow_stored(run_id), "seconds": seconds, "log_calls_seconds": logged_at - t0, "run_id": run_id}


def main() -> None:
    mode, n_keys, steps, budget = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    keys = [f"metric_{k}" for k in range(n_keys)]
    runner = {"studio": run_studio, "mlflow-batch": run_mlflow_batch, "mlflow-async": run_mlflow_async}[mode]
    result = runner(keys, steps, budget)
    result["mode"] = mode
    # stdout is the bench's channel; libraries log to stderr.
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
