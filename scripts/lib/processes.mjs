// Starts and supervises the studio's processes: the local kernel gateway, the web server and the
// worker. Every child gets its own process group so that Ctrl-C stops all of them, grandchildren
// included, and nothing is left behind.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { dataDir, kernelSafeEnv, root, sandboxed, venvBin } from "./setup.mjs";

export { kernelSafeEnv };

const children = [];
let stopping = false;

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function pidFile(tag) {
  return path.join(dataDir, "run", `${tag}.pids`);
}

function bootId() {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  } catch {
    return "unknown";
  }
}

function commandLine(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
}

/**
 * Stops process groups a previous launcher of this checkout left behind (it was SIGKILLed).
 * Only if the machine has not rebooted since and the process still runs this checkout's code:
 * after a reboot or enough time, the same pid may belong to something else entirely.
 */
export function reapStale(tag) {
  const file = pidFile(tag);
  if (!existsSync(file)) return;
  let record;
  try {
    record = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    record = null;
  }
  if (record?.bootId === bootId()) {
    for (const { pid, command } of record.processes ?? []) {
      const now = commandLine(pid);
      if (!now || now !== command || !now.includes(root)) continue;
      try {
        process.kill(-pid, "SIGTERM");
        console.log(`[studio] stopped process group ${pid} (${path.basename(command.split(" ")[1] ?? command)}) left by an earlier run`);
      } catch {
        /* already gone */
      }
    }
  }
  rmSync(file, { force: true });
}

function recordPids(tag) {
  mkdirSync(path.dirname(pidFile(tag)), { recursive: true });
  const processes = children.map((c) => ({ pid: c.child.pid, command: commandLine(c.child.pid) }));
  writeFileSync(pidFile(tag), JSON.stringify({ bootId: bootId(), launcher: process.pid, processes }));
}

function prefixLines(stream, name, out) {
  let buffer = "";
  stream.on("data", (chunk) => {
    buffer += chunk.toString();
    const lines = buffer.split("\n");
    buffer = lines.pop();
    for (const line of lines) out.write(`${name.padEnd(8)}| ${line}\n`);
  });
}

export function launch(tag, name, command, args, env) {
  const child = spawn(command, args, { cwd: root, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  prefixLines(child.stdout, name, process.stdout);
  prefixLines(child.stderr, name, process.stderr);
  const entry = { name, child, exited: false };
  child.on("exit", (code, signal) => {
    entry.exited = true;
    if (!stopping) {
      console.error(`[studio] ${name} exited unexpectedly (${signal ?? `exit ${code}`}); stopping the studio.`);
      void stopAll(tag, 1);
    }
  });
  children.push(entry);
  recordPids(tag);
  return child;
}

function signalGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

// The gateway shuts its kernels down on SIGTERM (its sandbox, bwrap, ignores the signal and waits for
// it); 10 s is ample for that and for in-flight requests. After a SIGKILL of the group, bwrap's
// --die-with-parent takes everything inside the sandbox down too.
const GRACE_MS = 10_000;

export async function stopAll(tag, exitCode = 0) {
  if (stopping) return;
  stopping = true;
  console.log("[studio] stopping…");
  // Web and worker first, so nothing starts a kernel while the gateway is going down.
  const order = [...children].sort((a, b) => Number(a.name === "gateway") - Number(b.name === "gateway"));
  for (const entry of order) {
    if (entry.exited) continue;
    signalGroup(entry.child, "SIGTERM");
    await new Promise((resolve) => {
      const timer = setTimeout(() => {
        signalGroup(entry.child, "SIGKILL");
        resolve();
      }, GRACE_MS);
      entry.child.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      if (entry.exited) {
        clearTimeout(timer);
        resolve();
      }
    });
    // Anything the child left in its group (a kernel it spawned without its own session).
    signalGroup(entry.child, "SIGKILL");
  }
  rmSync(pidFile(tag), { force: true });
  process.exit(exitCode);
}

export async function waitForHttp(url, { headers = {}, timeoutMs = 120_000, what }) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (stopping) return;
    try {
      const res = await fetch(url, { headers, signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} did not answer at ${url} within ${timeoutMs / 1000} s`);
}

/**
 * How the local gateway is launched, sandboxed (see `sandboxed` in setup.mjs): `npm start` and the
 * tests (test/gateway.ts) run this same command line. `env` is the studio's environment; the
 * gateway gets it without the studio's secrets.
 */
export function gatewayLaunch({ port, token, env, workspace, readOnly = [] }) {
  const gatewayEnv = {
    ...env,
    KG_IP: "127.0.0.1",
    KG_PORT: String(port),
    KG_AUTH_TOKEN: token,
    // The worker probes this gateway every few seconds; INFO would log each request.
    STUDIO_LOG_LEVEL: env.STUDIO_LOG_LEVEL ?? "WARN",
    STUDIO_KERNEL_ROOT_DIR: workspace,
  };
  const args = ["kernelgateway", "--config", path.join(root, "kernels/gateway_config.py")];
  return sandboxed(venvBin("jupyter"), args, { env: gatewayEnv, workspace, databaseUrl: env.DATABASE_URL, readOnly });
}

/**
 * A model server for an endpoint replica (python -m studio.serving) on a loopback port, in the
 * kernel sandbox: loading a model runs its code (pickles), so it gets what a kernel gets, plus its
 * model folder read-only and an empty working directory of its own. With `memoryBudgetMb`,
 * `modelDir` is a folder of model folders (a multi-model endpoint), loaded on demand.
 */
export function modelServerLaunch({ port, modelDir, workspace, env, memoryBudgetMb }) {
  const where = memoryBudgetMb === undefined ? ["--dir", modelDir] : ["--models-root", modelDir, "--memory-budget-mb", String(memoryBudgetMb)];
  const args = ["-m", "studio.serving", ...where, "--port", String(port), "--host", "127.0.0.1"];
  return sandboxed(venvBin("python"), args, { env: { ...env, PYTHONUNBUFFERED: "1" }, workspace, databaseUrl: env.DATABASE_URL, exposed: [modelDir] });
}

/**
 * A batch transform (python -m studio.batch_transform) in the kernel sandbox, like a model server:
 * its model folder and input file read-only, its working directory (parts and checkpoint, kept
 * across worker restarts so it can resume) writable.
 */
export function batchTransformLaunch({ modelDir, input, workspace, config, env }) {
  const args = ["-m", "studio.batch_transform", "--model-dir", modelDir, "--input", input, "--workdir", workspace, "--config", JSON.stringify(config)];
  return sandboxed(venvBin("python"), args, { env: { ...env, PYTHONUNBUFFERED: "1" }, workspace, databaseUrl: env.DATABASE_URL, exposed: [modelDir, input] });
}

/** The local compute host: a Jupyter Kernel Gateway on loopback with a fresh random token. */
export async function startGateway(tag, env) {
  const port = await freePort();
  const token = randomBytes(32).toString("base64url");
  // data/ must exist before the sandbox hides it. Kernels start in data/work, the one part of data/
  // they see, so notebooks' files land neither in the source tree nor next to the secrets.
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const workspace = env.STUDIO_KERNEL_ROOT_DIR ?? path.join(dataDir, "work");
  const gateway = gatewayLaunch({ port, token, env, workspace });
  launch(tag, "gateway", gateway.command, gateway.args, gateway.env);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/api`, { headers: { Authorization: `token ${token}` }, timeoutMs: 60_000, what: "The local kernel gateway" });
  return { url, token };
}

export function onShutdownSignals(tag) {
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => void stopAll(tag, 0));
}
