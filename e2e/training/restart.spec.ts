// A running job survives restarts of the studio's own processes: the worker and then the web
// server are killed (SIGKILL, no goodbye) while a job prints lines and logs metrics on the local
// gateway; the job's runner keeps everything and re-sends it, so once both are back the job
// completes with every line once and every metric point. The processes are started here one by
// one (like `npm start` does) so each can be killed on its own.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { freePort, startGateway, type RunningGateway } from "../../test/gateway";

test.describe.configure({ timeout: 240_000 });

const dir = path.resolve("data/e2e/restart");
const admin = { email: "admin@restart.test", password: "restart-admin-password" };

function startProcess(name: "web" | "worker", env: NodeJS.ProcessEnv, log: string[]): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", `server/${name}/main.ts`], { env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (c) => log.push(`[${name}] ${c}`));
  child.stderr!.on("data", (c) => log.push(`[${name}] ${c}`));
  return child;
}

function kill(child: ChildProcess | undefined, signal: NodeJS.Signals = "SIGKILL") {
  try {
    if (child?.pid) process.kill(-child.pid, signal);
  } catch {
    // gone already
  }
}

async function until<T>(what: string, f: () => Promise<T | undefined | null | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await f().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

test("killing the worker and then the web server mid-job loses no log line and no metric", async () => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const databaseUrl = `file:${path.join(dir, "studio.db")}`;
  execFileSync("npx", ["prisma", "migrate", "deploy"], { env: { ...process.env, DATABASE_URL: databaseUrl }, stdio: "ignore" });
  let gateway: RunningGateway | undefined;
  let web: ChildProcess | undefined;
  let worker: ChildProcess | undefined;
  const log: string[] = [];
  try {
    gateway = await startGateway();
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      NEXTAUTH_URL: base,
      NEXTAUTH_SECRET: randomBytes(32).toString("base64"),
      STUDIO_SECRET_KEY: randomBytes(32).toString("base64"),
      STUDIO_ADMIN_EMAIL: admin.email,
      STUDIO_ADMIN_PASSWORD: admin.password,
      LOCAL_GATEWAY_URL: gateway.url,
      LOCAL_GATEWAY_TOKEN: gateway.token,
      STUDIO_ARTIFACTS_DIR: path.join(dir, "artifacts"),
      TSX_TSCONFIG_PATH: path.resolve("tsconfig.node.json"),
    };
    worker = startProcess("worker", env, log);
    web = startProcess("web", env, log);
    await until("the web server", async () => (await fetch(`${base}/api/health`)).ok);

    // Sign in as the admin (created by the worker) and mint an API token to drive the API.
    const cookieJar: string[] = [];
    const csrfRes = await fetch(`${base}/api/auth/csrf`);
    cookieJar.push(...csrfRes.headers.getSetCookie().map((c) => c.split(";")[0]));
    const { csrfToken } = await csrfRes.json();
    await until("the first admin", async () => {
      const res = await fetch(`${base}/api/auth/callback/credentials`, {
        method: "POST",
        redirect: "manual",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: cookieJar.join("; ") },
        body: new URLSearchParams({ csrfToken, email: admin.email, password: admin.password, json: "true" }),
      });
      const cookies = res.headers.getSetCookie().map((c) => c.split(";")[0]);
      if (!cookies.some((c) => c.includes("session-token"))) return false;
      cookieJar.push(...cookies);
      return true;
    });
    const tokenRes = await fetch(`${base}/api/tokens`, { method: "POST", headers: { "Content-Type": "application/json", Cookie: cookieJar.join("; "), Origin: base }, body: JSON.stringify({ name: "restart test" }) });
    const { token } = await tokenRes.json();
    const api = async (method: string, url: string, body?: unknown, raw?: string) => {
      const res = await fetch(`${base}${url}`, { method, headers: { Authorization: `Bearer ${token}`, ...(raw === undefined ? { "Content-Type": "application/json" } : {}) }, body: raw ?? (body === undefined ? undefined : JSON.stringify(body)) });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${url} → ${res.status} ${text}`);
      return JSON.parse(text);
    };
    const project = await api("POST", "/api/projects", { name: "Restarts" });
    const code = ["import time, studio", "for i in range(80):", "    print('line', i, flush=True)", "    studio.log_metric('progress', i, step=i)", "    time.sleep(0.1)", ""].join("\n");
    const upload = await api("POST", `/api/projects/${project.id}/jobs/code?filename=train.py`, undefined, code);
    const { job } = await api("POST", `/api/projects/${project.id}/jobs`, { name: "survives restarts", sourceType: "script", codeUploadId: upload.codeUploadId, codeFilename: "train.py" });
    const logText = async () => (await api("GET", `/api/jobs/${job.id}/logs?limit=5000`)).chunks.map((c: { text: string }) => c.text).join("");

    await until("the first lines", async () => (await logText()).includes("line 5"));
    kill(worker);
    await new Promise((r) => setTimeout(r, 1_500));
    kill(web);
    // Both gone for 3 s while the job keeps printing.
    await new Promise((r) => setTimeout(r, 3_000));
    worker = startProcess("worker", env, log);
    web = startProcess("web", env, log);
    await until("the web server again", async () => (await fetch(`${base}/api/health`)).ok);

    const ended = await until("the job's end", async () => {
      const { job: current } = await api("GET", `/api/jobs/${job.id}`);
      return ["completed", "failed", "stopped"].includes(current.status) ? current : null;
    }, 120_000);
    expect(ended.status, `${ended.statusReason}\n${log.join("").slice(-3000)}`).toBe("completed");
    const lines = (await logText()).split("\n").filter((l: string) => l.startsWith("line "));
    expect(lines).toEqual(Array.from({ length: 80 }, (_, i) => `line ${i}`));
    const { run } = await api("GET", `/api/runs/${ended.runId}`);
    expect(run.metrics.progress).toMatchObject({ count: 80, latest: 79, latestStep: 79 });
  } finally {
    kill(web, "SIGTERM");
    kill(worker, "SIGTERM");
    await gateway?.stop();
  }
});
