// Metric ingest, side by side with MLflow in one run: 1,000,000 points (10 keys × 100,000 steps)
// logged through the `studio` SDK into a real studio (its own SQLite database under data/bench/),
// and the same points through `mlflow`'s client into `mlflow server` (SQLite backend, one worker)
// from a venv of the bench's own (data/bench/mlflow-venv, bench/requirements-mlflow.txt).
// Targets (issue): SDK throughput ≥ 5× MLflow's; a 1,000-point batch ≤ 50 ms at p95.
//   npm run bench -- metric-ingest [batches=200]
// Environment: METRIC_INGEST_STEPS (100000), METRIC_INGEST_KEYS (10), METRIC_INGEST_MLFLOW_BUDGET_S
// (120: each MLflow client stops starting new points after this long, `n` says how many it logged;
// the async one logs at most as many as log_batch did).
//
// Throughput: wall time in one Python process from the first log call until the client reports
// everything stored (studio.flush(); MlflowClient.log_batch returning; mlflow.flush_async_logging()),
// then the stored count is checked on each server. MLflow is measured both ways a user would log
// fast — MlflowClient.log_batch with 1,000 metrics per call (MLflow's maximum), and
// mlflow.log_metrics(..., synchronous=False) per step — and the better one is the peer.
// Batch time: client-side loopback round trip of one POST with 1,000 points over a keep-alive
// connection (the studio's /api/runs/:id/batch, MLflow's /api/2.0/mlflow/runs/log-batch),
// interleaved one by one so the shared machine's noise hits both alike; after the throughput runs,
// so both databases hold their points.
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { emit, percentile } from "./lib";
import { benchDir, ensureMlflowVenv, ensureStudioBuilt, freePort, mlflowVenvBin, noter, ok, onInterrupt, poster, projectAndToken, root, start, startStudio, stop, tail, runBench, waitFor } from "./harness";

const batches = Number(process.argv[2] ?? 200);
const steps = Number(process.env.METRIC_INGEST_STEPS ?? 100_000);
const keyCount = Number(process.env.METRIC_INGEST_KEYS ?? 10);
const mlflowBudgetSeconds = Number(process.env.METRIC_INGEST_MLFLOW_BUDGET_S ?? 120);
const warmup = 20;
const bench = "metric-ingest";
const note = noter(bench);
const python = mlflowVenvBin("python");
const dir = path.join(benchDir, `metric-ingest-${process.pid}`);
onInterrupt(() => rmSync(dir, { recursive: true, force: true }));

interface DriverResult {
  mode: string;
  points: number;
  stored: number;
  seconds: number;
  log_calls_seconds?: number;
  run_id: string;
}

async function driver(mode: string, env: NodeJS.ProcessEnv, stepCount = steps): Promise<DriverResult> {
  const log = path.join(dir, `${mode}.log`);
  note(`${mode}: logging ${keyCount} keys × ${stepCount} steps…`);
  const child = start(python, [path.join(root, "bench/metric_ingest_driver.py"), mode, String(keyCount), String(stepCount), String(mode === "studio" ? 3600 : mlflowBudgetSeconds)], {
    env,
    log,
    stdout: "pipe",
  });
  let out = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString("utf8")));
  // The SDK retries 5xx forever: a broken server must end the bench, not hang it.
  const limitMs = (mode === "studio" ? 1200 : mlflowBudgetSeconds + 1200) * 1000;
  const timer = setTimeout(() => void stop(child), limitMs);
  const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`driver ${mode} exited ${code}:\n${tail(log)}`);
  const result = JSON.parse(out.trim().split("\n").pop()!) as DriverResult;
  const calls = result.log_calls_seconds === undefined ? "" : `, log calls returned after ${result.log_calls_seconds.toFixed(1)} s`;
  note(`${mode}: ${result.points} points in ${result.seconds.toFixed(1)} s${calls} (stored ${result.stored})`);
  if (result.stored !== result.points) throw new Error(`${mode}: logged ${result.points} points, the server holds ${result.stored}`);
  return result;
}

// ——— the run ———
await runBench(dir, note, async () => {
  note("set-up (Prisma clients, next build if stale, MLflow venv)…");
  ensureStudioBuilt();
  ensureMlflowVenv(note);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });

  note("starting the studio and mlflow server…");
  const { base: studioBase } = await startStudio(dir, bench);
  const mlflowPort = await freePort();
  const mlflowBase = `http://127.0.0.1:${mlflowPort}`;

  const mlflowDb = path.join(dir, "mlflow.db");
  const mlflowEnv = { ...process.env, MLFLOW_DISABLE_TELEMETRY: "true", DO_NOT_TRACK: "true", MLFLOW_TRACKING_URI: mlflowBase, MLFLOW_BENCH_DB: mlflowDb };
  const mlflowLog = path.join(dir, "mlflow-server.log");
  const mlflow = start(
    mlflowVenvBin("mlflow"),
    ["server", "--backend-store-uri", `sqlite:///${mlflowDb}`, "--default-artifact-root", path.join(dir, "mlartifacts"), "--host", "127.0.0.1", "--port", String(mlflowPort), "--workers", "1"],
    { env: mlflowEnv, log: mlflowLog },
  );
  await waitFor(`${mlflowBase}/health`, "mlflow server", mlflow, mlflowLog);
  const mlflowVersion = spawnSync(python, ["-c", "import mlflow; print(mlflow.__version__)"], { encoding: "utf8" }).stdout.trim();

  // A project and a personal API token, through the API like the e2e fixtures.
  const { projectId, token } = await projectAndToken(studioBase, "Bench metric ingest");
  const project = { id: projectId };

  // One small batch first: a studio that answers 5xx would leave the SDK retrying forever.
  {
    const probe = poster(studioBase, { Authorization: `Bearer ${token}` });
    const created = await ok(probe.post(`/api/projects/${project.id}/runs`, JSON.stringify({ experiment: "bench-metric-ingest", name: "probe", source: "sdk" })), "create run");
    await ok(probe.post(`/api/runs/${created.json.run.id}/batch`, JSON.stringify({ source: randomUUID(), seq: 0, metrics: [{ key: "probe", value: 1, step: 0, timestamp: Date.now() }] })), "studio batch");
    probe.close();
  }

  // ——— throughput: the SDK, then MLflow both ways ———
  const pythonEnv = { ...mlflowEnv, PYTHONPATH: path.join(root, "kernels/sdk"), STUDIO_URL: studioBase, STUDIO_TOKEN: token, STUDIO_PROJECT_ID: project.id };
  // The SDK is the checkout's (kernels/sdk, standard library only), run by the bench venv's Python
  // (the same interpreter as MLflow's client): kernels/.venv is never run outside the sandbox.
  const ours = await driver("studio", pythonEnv);
  const viaBatch = await driver("mlflow-batch", pythonEnv);
  // At most the prefix that log_batch managed (async calls only enqueue; the driver checks the
  // budget against what is stored).
  const viaAsync = await driver("mlflow-async", pythonEnv, viaBatch.points / keyCount);
  const rate = (r: DriverResult) => r.points / r.seconds;
  const peers = [
    { r: viaBatch, name: `mlflow ${mlflowVersion} server sqlite, MlflowClient.log_batch ×1000` },
    { r: viaAsync, name: `mlflow ${mlflowVersion} server sqlite, mlflow.log_metrics(synchronous=False)` },
  ];
  for (const p of peers) emit({ bench, metric: `peer_throughput_${p.r.mode.replace("-", "_")}`, value: Math.round(rate(p.r)), unit: "points/s", peer: p.name, n: p.r.points });
  const best = peers.reduce((a, b) => (rate(b.r) > rate(a.r) ? b : a));
  const peerName = `${best.name} (n=${best.r.points})`;
  emit({ bench, metric: "sdk_throughput", value: Math.round(rate(ours)), unit: "points/s", peer: peerName, peer_value: Math.round(rate(best.r)), n: ours.points });
  emit({ bench, metric: "throughput_ratio", value: +(rate(ours) / rate(best.r)).toFixed(2), unit: "x (studio/mlflow)", peer: peerName, n: ours.points });

  // ——— one 1,000-point batch, round trip, interleaved ———
  note(`${warmup} + ${batches} batches of 1,000 points to each server, interleaved…`);
  const studioHttp = poster(studioBase, { Authorization: `Bearer ${token}` });
  const mlflowHttp = poster(mlflowBase, {});
  const run = (await ok(studioHttp.post(`/api/projects/${project.id}/runs`, JSON.stringify({ experiment: "bench-metric-ingest", name: "batch-latency", source: "sdk" })), "create run")).json.run as { id: string };
  const experiment = (await ok(mlflowHttp.post("/api/2.0/mlflow/experiments/create", JSON.stringify({ name: "bench-batch-latency" })), "mlflow experiment")).json.experiment_id as string;
  const mlRun = (await ok(mlflowHttp.post("/api/2.0/mlflow/runs/create", JSON.stringify({ experiment_id: experiment, start_time: Date.now() })), "mlflow run")).json.run.info.run_id as string;
  const source = randomUUID();
  const stepsPerBatch = Math.floor(1000 / keyCount);
  const points = (i: number) => {
    const timestamp = Date.now();
    const out: { key: string; value: number; step: number; timestamp: number }[] = [];
    for (let s = i * stepsPerBatch; s < (i + 1) * stepsPerBatch; s++) {
      for (let k = 0; k < keyCount; k++) out.push({ key: `metric_${k}`, value: Math.exp(-s / 20000) + 0.01 * k + 0.001 * ((s * 7919 + k) % 97), step: s, timestamp });
    }
    return out;
  };
  const studioTimes: number[] = [];
  const mlflowTimes: number[] = [];
  for (let i = 0; i < warmup + batches; i++) {
    const metrics = points(i);
    const a = await ok(studioHttp.post(`/api/runs/${run.id}/batch`, JSON.stringify({ source, seq: i, metrics })), "studio batch");
    if (a.json.duplicate) throw new Error("studio batch stored as a duplicate");
    const b = await ok(mlflowHttp.post("/api/2.0/mlflow/runs/log-batch", JSON.stringify({ run_id: mlRun, metrics })), "mlflow log-batch");
    if (i >= warmup) {
      studioTimes.push(a.ms);
      mlflowTimes.push(b.ms);
    }
  }
  studioHttp.close();
  mlflowHttp.close();
  for (const p of [50, 95]) {
    emit({
      bench,
      metric: `batch_1000_loopback_rtt_p${p}`,
      value: +percentile(studioTimes, p).toFixed(2),
      unit: "ms",
      peer: `mlflow ${mlflowVersion} REST runs/log-batch 1000`,
      peer_value: +percentile(mlflowTimes, p).toFixed(2),
      n: batches,
    });
  }
});
