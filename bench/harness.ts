// What the side-by-side benchmarks share: a studio of their own (its own port and SQLite database
// under data/bench/), the bench-only Python venv with MLflow (data/bench/mlflow-venv, from
// bench/requirements-mlflow.txt; never kernels/.venv), child processes in their own process groups
// (all stopped on any exit), and keep-alive HTTP.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import type { Db } from "@/server/db";
import type { Principal } from "@/server/auth/principal";
import { ItemWriter } from "@/server/labeling/prepare-items";

export const root = path.resolve(import.meta.dirname, "..");
export const benchDir = path.join(root, "data/bench");
const venv = path.join(benchDir, "mlflow-venv");
export const mlflowVenvBin = (name: string) => path.join(venv, "bin", name);
const python = mlflowVenvBin("python");

/** Progress lines on stderr (stdout is the bench's JSON channel), with seconds since the start. */
export function noter(bench: string): (message: string) => void {
  const began = Date.now();
  return (message) => console.error(`[${bench} +${Math.round((Date.now() - began) / 1000)} s] ${message}`);
}

const groups = new Set<ChildProcess>();
export function start(command: string, args: string[], options: { env: NodeJS.ProcessEnv; log: string; stdout?: "pipe" }): ChildProcess {
  const fd = openSync(options.log, "a");
  const child = spawn(command, args, { cwd: root, env: options.env, detached: true, stdio: ["ignore", options.stdout ?? fd, fd] });
  closeSync(fd);
  groups.add(child);
  child.once("exit", () => groups.delete(child));
  return child;
}
export async function stop(child: ChildProcess): Promise<void> {
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
export const stopAll = () => Promise.all([...groups].map(stop));
/** On Ctrl-C (or SIGTERM/SIGHUP): every started process group is stopped, then `cleanup` runs. */
export function onInterrupt(cleanup: () => void): void {
  for (const s of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(s, () =>
      void stopAll().finally(() => {
        cleanup();
        process.exit(130);
      }),
    );
  }
}

export function tail(file: string, lines = 30): string {
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").slice(-lines).join("\n") : "";
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function waitFor(url: string, what: string, child: ChildProcess, log: string, timeoutMs = 180_000): Promise<void> {
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

export function runQuiet(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): void {
  // stdout is this bench's JSON channel: set-up output goes to stderr.
  const result = spawnSync(command, args, { cwd: root, env, stdio: ["ignore", 2, 2] });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (exit ${result.status ?? result.signal})`);
}

/** The bench's own venv with MLflow (never kernels/.venv), re-made when its requirements change. */
export function ensureMlflowVenv(note: (message: string) => void): void {
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
export function ensureStudioBuilt(): void {
  runQuiet(process.execPath, ["-e", 'import("./scripts/lib/setup.mjs").then((s) => { s.ensurePrismaClients(); s.ensureBuild(); })']);
}


/** HTTP over one keep-alive connection per server. */
export function poster(base: string, headers: Record<string, string>) {
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

export async function ok(res: Promise<{ status: number; text: string; ms: number }>, what: string) {
  const answer = await res;
  if (answer.status < 200 || answer.status >= 300) throw new Error(`${what}: HTTP ${answer.status} ${answer.text.slice(0, 500)}`);
  return { ...answer, json: answer.text ? JSON.parse(answer.text) : null };
}


export const benchAdmin = { email: "bench-admin@studio.test", password: "bench-admin-password" };

/** A studio of the bench's own (npm start --no-setup) on a free port, with its database in `dir`. */
export async function startStudio(dir: string, tag: string): Promise<{ base: string; databaseFile: string }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const databaseUrl = `file:${path.join(dir, "studio.db")}`;
  const env = {
    ...process.env,
    PORT: String(port),
    STUDIO_INSTANCE: `bench-${tag}-${port}`,
    DATABASE_URL: databaseUrl,
    STUDIO_ADMIN_EMAIL: benchAdmin.email,
    STUDIO_ADMIN_PASSWORD: benchAdmin.password,
    STUDIO_KERNEL_ROOT_DIR: path.join(dir, "work"),
  };
  mkdirSync(path.join(dir, "work"), { recursive: true, mode: 0o700 });
  // The database needs its tables before the studio starts (--no-setup skips set-up).
  runQuiet("npx", ["prisma", "migrate", "deploy"], env);
  runQuiet(process.execPath, ["-e", `const D=require("better-sqlite3");const d=new D(process.argv[1]);d.pragma("journal_mode = WAL");d.close()`, databaseUrl.slice(5)]);
  const log = path.join(dir, "studio.log");
  const studio = start(process.execPath, ["scripts/start.mjs", "--no-setup"], { env, log });
  await waitFor(`${base}/api/health`, "the studio", studio, log);
  return { base, databaseFile: databaseUrl.slice(5) };
}

/** Signs in as the bench's admin: a project and a personal API token, through the API. */
export async function projectAndToken(base: string, projectName: string): Promise<{ projectId: string; token: string }> {
  const { request } = await import("@playwright/test");
  const api = await request.newContext({ baseURL: base });
  const csrf = await (await api.get("/api/auth/csrf")).json();
  await api.post("/api/auth/callback/credentials", { form: { csrfToken: csrf.csrfToken, email: benchAdmin.email, password: benchAdmin.password, json: "true" }, maxRedirects: 0 });
  const projectRes = await api.post("/api/projects", { data: { name: projectName } });
  if (!projectRes.ok()) throw new Error(`POST /api/projects: ${projectRes.status()} ${await projectRes.text()}`);
  const project = (await projectRes.json()) as { id: string };
  const tokenRes = await api.post("/api/tokens", { data: { name: "bench" } });
  if (!tokenRes.ok()) throw new Error(`POST /api/tokens: ${tokenRes.status()} ${await tokenRes.text()}`);
  const { token } = (await tokenRes.json()) as { token: string };
  await api.dispose();
  return { projectId: project.id, token };
}

/**
 * Runs a bench's body, then stops every process it started; the work directory is removed when
 * it went well and kept (with the processes' logs) when it did not. Exits 0 or 1.
 */
export async function runBench(dir: string, note: (message: string) => void, body: () => Promise<void>): Promise<never> {
  let failed = false;
  try {
    await body();
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
}

/** The PostgreSQL service the database benches create their databases in. */
export const PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres";

/** Applies the studio's migrations to a bench database. */
export function migrate(url: string): void {
  const res = spawnSync(path.join(root, "node_modules/.bin/prisma"), ["migrate", "deploy"], { cwd: root, env: { ...process.env, DATABASE_URL: url }, encoding: "utf8" });
  if (res.status !== 0) throw new Error(`migrate deploy failed: ${res.stdout}${res.stderr}`);
}

/** A text classification job of `items` open items (written by the worker's own ItemWriter) and `labelers` labelers on it. */
export async function seedLabelingJob(db: Db, options: { items: number; labelers: number; workersPerItem: number; shuffle?: boolean; onProgress?: (written: number) => void }): Promise<{ jobId: string; workers: Principal[] }> {
  const stamp = Date.now().toString(36);
  const owner = await db.user.create({ data: { email: `owner-${stamp}@bench.test`, name: "Owner", role: "data_scientist", passwordHash: "x" } });
  const project = await db.project.create({ data: { name: `Bench ${stamp}`, slug: `bench-${stamp}`, createdById: owner.id } });
  const dataset = await db.dataset.create({ data: { projectId: project.id, name: "texts" } });
  const version = await db.datasetVersion.create({ data: { datasetId: dataset.id, version: 1, format: "csv", filename: "t.csv", sizeBytes: BigInt(0), sha256: "0", storageKey: "none", status: "ready" } });
  const workers: Principal[] = [];
  for (let i = 0; i < options.labelers; i++) {
    const u = await db.user.create({ data: { email: `l${i}-${stamp}@bench.test`, name: `Labeler ${i}`, role: "labeler", passwordHash: "x" } });
    workers.push({ id: u.id, email: u.email, name: u.name, role: "labeler", via: "session" } as Principal);
  }
  const job = await db.labelingJob.create({
    data: {
      projectId: project.id,
      name: "bench",
      taskType: "text-classification",
      datasetVersionId: version.id,
      textField: "text",
      labelAttributeName: "bench",
      labels: JSON.stringify([{ name: "a", description: "" }, { name: "b", description: "" }]),
      workersPerItem: options.workersPerItem,
      taskTimeLimitSeconds: 300,
      status: "in_progress",
      itemCount: options.items,
      workers: { create: workers.map((w) => ({ userId: w.id })) },
    },
  });
  // shuffle: random queue priorities, as an automated-labeling job writes them.
  const writer = new ItemWriter(db, job.id, options.shuffle ?? false);
  for (let i = 0; i < options.items; i++) {
    await writer.add({ sourceRef: null, text: `text number ${i}`, width: null, height: null, status: "open", unreadableReason: null });
    if (i % 200_000 === 0) options.onProgress?.(i);
  }
  await writer.flush();
  return { jobId: job.id, workers };
}
