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
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { emit, percentile } from "./lib";

const root = path.resolve(import.meta.dirname, "..");
const batches = Number(process.argv[2] ?? 200);
const steps = Number(process.env.METRIC_INGEST_STEPS ?? 100_000);
const keyCount = Number(process.env.METRIC_INGEST_KEYS ?? 10);
const mlflowBudgetSeconds = Number(process.env.METRIC_INGEST_MLFLOW_BUDGET_S ?? 120);
const warmup = 20;
const bench = "metric-ingest";
const began = Date.now();
const note = (message: string) => console.error(`[metric-ingest +${Math.round((Date.now() - began) / 1000)} s] ${message}`);

const benchDir = path.join(root, "data/bench");
const venv = path.join(benchDir, "mlflow-venv");
const python = path.join(venv, "bin/python");
const dir = path.join(benchDir, `metric-ingest-${process.pid}`);

// ——— processes: each in its own group, all stopped on any exit ———
const groups = new Set<ChildProcess>();
function start(command: string, args: string[], options: { env: NodeJS.ProcessEnv; log: string; stdout?: "pipe" }): ChildProcess {
  const fd = openSync(options.log, "a");
  const child = spawn(command, args, { cwd: root, env: options.env, detached: true, stdio: ["ignore", options.stdout ?? fd, fd] });
  closeSync(fd);
  groups.add(child);
  child.once("exit", () => groups.delete(child));
  return child;
}
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, s);
    } catch {
      // already gone
    }
  };
  signal("SIGTERM");
  if ((await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 20_000))])) === false) signal("SIGKILL");
  signal("SIGKILL"); // anything left in the group
}
const stopAll = () => Promise.all([...groups].map(stop));
for (const s of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.once(s, () =>
    void stopAll().finally(() => {
      rmSync(dir, { recursive: true, force: true });
      process.exit(130);
    }),
  );
}

function tail(file: string, lines = 30): string {
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").slice(-lines).join("\n") : "";
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(url: string, what: string, child: ChildProcess, log: string, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode}):\n${tail(log)}`);
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(2_000) })).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${what} did not answer at ${url} within ${timeoutMs / 1000} s:\n${tail(log)}`);
}

function runQuiet(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): void {
  // stdout is this bench's JSON channel: set-up output goes to stderr.
  const result = spawnSync(command, args, { cwd: root, env, stdio: ["ignore", 2, 2] });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (exit ${result.status ?? result.signal})`);
}

/** The bench's own venv with MLflow (never kernels/.venv), re-made when its requirements change. */
function ensureMlflowVenv(): void {
  const requirements = path.join(root, "bench/requirements-mlflow.txt");
  const version = spawnSync("python3", ["-c", "import sys; print(sys.version)"], { encoding: "utf8" }).stdout;
  const digest = createHash("sha256").update(readFileSync(requirements)).update(version).digest("hex");
  const stamp = path.join(venv, ".bench-stamp");
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === digest && existsSync(python)) return;
  note("installing bench/requirements-mlflow.txt into data/bench/mlflow-venv (once; a few minutes)…");
  rmSync(venv, { recursive: true, force: true });
  mkdirSync(benchDir, { recursive: true, mode: 0o700 });
  runQuiet("python3", ["-m", "venv", venv]);
  runQuiet(python, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", requirements]);
  writeFileSync(stamp, digest);
}

/** What `npm start` would redo if stale: Prisma clients and the Next build (cheap when stamped). */
function ensureStudioBuilt(): void {
  runQuiet(process.execPath, ["-e", 'import("./scripts/lib/setup.mjs").then((s) => { s.ensurePrismaClients(); s.ensureBuild(); })']);
}

// ——— HTTP over one keep-alive connection per server ———
function poster(base: string, headers: Record<string, string>) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const url = new URL(base);
  return {
    /** Sends the body; resolves with the answer and the round trip in ms (request written → answer read). */
    post(pathname: string, body: string): Promise<{ status: number; text: string; ms: number }> {
      return new Promise((resolve, reject) => {
        const t0 = performance.now();
        const req = http.request(
          {
            agent,
            host: url.hostname,
            port: url.port,
            path: pathname,
            method: "POST",
            headers: { ...headers, "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8"), ms: performance.now() - t0 }));
            res.on("error", reject);
          },
        );
        req.on("error", reject);
        req.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}

async function ok(res: Promise<{ status: number; text: string; ms: number }>, what: string) {
  const answer = await res;
  if (answer.status < 200 || answer.status >= 300) throw new Error(`${what}: HTTP ${answer.status} ${answer.text.slice(0, 500)}`);
  return { ...answer, json: answer.text ? JSON.parse(answer.text) : null };
}

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
let failed = false;
try {
  note("set-up (Prisma clients, next build if stale, MLflow venv)…");
  ensureStudioBuilt();
  ensureMlflowVenv();
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, "work"), { recursive: true, mode: 0o700 });

  const [studioPort, mlflowPort] = [await freePort(), await freePort()];
  const studioBase = `http://127.0.0.1:${studioPort}`;
  const mlflowBase = `http://127.0.0.1:${mlflowPort}`;
  const admin = { email: "bench-admin@studio.test", password: "bench-admin-password" };
  const databaseUrl = `file:${path.join(dir, "studio.db")}`;
  const studioEnv = {
    ...process.env,
    PORT: String(studioPort),
    STUDIO_INSTANCE: `bench-metric-ingest-${studioPort}`,
    DATABASE_URL: databaseUrl,
    STUDIO_ADMIN_EMAIL: admin.email,
    STUDIO_ADMIN_PASSWORD: admin.password,
    STUDIO_KERNEL_ROOT_DIR: path.join(dir, "work"),
  };
  // The database needs its tables before the studio starts (--no-setup skips set-up).
  runQuiet("npx", ["prisma", "migrate", "deploy"], studioEnv);
  runQuiet(process.execPath, ["-e", `const D=require("better-sqlite3");const d=new D(process.argv[1]);d.pragma("journal_mode = WAL");d.close()`, databaseUrl.slice(5)]);
  const studioLog = path.join(dir, "studio.log");
  const studio = start(process.execPath, ["scripts/start.mjs", "--no-setup"], { env: studioEnv, log: studioLog });

  const mlflowDb = path.join(dir, "mlflow.db");
  const mlflowEnv = { ...process.env, MLFLOW_DISABLE_TELEMETRY: "true", DO_NOT_TRACK: "true", MLFLOW_TRACKING_URI: mlflowBase, MLFLOW_BENCH_DB: mlflowDb };
  const mlflowLog = path.join(dir, "mlflow-server.log");
  const mlflow = start(
    path.join(venv, "bin/mlflow"),
    ["server", "--backend-store-uri", `sqlite:///${mlflowDb}`, "--default-artifact-root", path.join(dir, "mlartifacts"), "--host", "127.0.0.1", "--port", String(mlflowPort), "--workers", "1"],
    { env: mlflowEnv, log: mlflowLog },
  );
  note("starting the studio and mlflow server…");
  await Promise.all([waitFor(`${studioBase}/api/health`, "the studio", studio, studioLog), waitFor(`${mlflowBase}/health`, "mlflow server", mlflow, mlflowLog)]);
  const mlflowVersion = spawnSync(python, ["-c", "import mlflow; print(mlflow.__version__)"], { encoding: "utf8" }).stdout.trim();

  // A user, a project and a personal API token, through the API like the e2e fixtures.
  const { request } = await import("@playwright/test");
  const api = await request.newContext({ baseURL: studioBase });
  const csrf = await (await api.get("/api/auth/csrf")).json();
  await api.post("/api/auth/callback/credentials", { form: { csrfToken: csrf.csrfToken, email: admin.email, password: admin.password, json: "true" }, maxRedirects: 0 });
  const projectRes = await api.post("/api/projects", { data: { name: "Bench metric ingest" } });
  if (!projectRes.ok()) throw new Error(`POST /api/projects: ${projectRes.status()} ${await projectRes.text()}`);
  const project = (await projectRes.json()) as { id: string };
  const tokenRes = await api.post("/api/tokens", { data: { name: "bench" } });
  if (!tokenRes.ok()) throw new Error(`POST /api/tokens: ${tokenRes.status()} ${await tokenRes.text()}`);
  const { token } = (await tokenRes.json()) as { token: string };
  await api.dispose();

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
} catch (error) {
  failed = true;
  console.error(error);
} finally {
  note("stopping…");
  await stopAll();
  if (!failed) rmSync(dir, { recursive: true, force: true });
  else note(`logs kept in ${dir}`);
}
process.exit(failed ? 1 : 0);
