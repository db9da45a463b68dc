// Starts a real Jupyter Kernel Gateway (kernels/.venv) on a free loopback port for integration and e2e
// tests, and stops it again together with everything it spawned (its process group).
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
// @ts-expect-error -- plain JavaScript (scripts/ run before node_modules exist); typed below.
import { gatewayLaunch as untypedGatewayLaunch } from "../scripts/lib/processes.mjs";

const repoRoot = path.resolve(import.meta.dirname, "..");
export const JUPYTER = path.join(repoRoot, "kernels/.venv/bin/jupyter");
/** Jupyter Enterprise Gateway needs jupyter-server<2, so it has a venv of its own (kernels/requirements-eg.txt). */
export const EG_JUPYTER = path.join(repoRoot, "kernels/.venv-eg/bin/jupyter");

export interface SandboxedCommand {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** false only with STUDIO_UNSANDBOXED_KERNELS=1 */
  sandboxed: boolean;
}

/** The local gateway's launch command exactly as `npm start` builds it (scripts/lib/processes.mjs): in the kernel sandbox. */
export const gatewayLaunch = untypedGatewayLaunch as (options: {
  port: number;
  token: string;
  env: NodeJS.ProcessEnv;
  workspace: string;
  readOnly?: string[];
}) => SandboxedCommand;

// Runs the gateway and stops it when its stdin closes: when stop() ends the pipe, and also when
// the test worker dies without cleaning up (Ctrl-C, a crash, a killed worker). Stopping sends
// SIGTERM to the whole process group, as `npm start` does: the sandbox (bwrap) ignores it and waits
// while the gateway inside shuts its kernels down. The system python3 runs this, never
// kernels/.venv: kernels can write that venv, so it runs only inside their sandbox.
const WATCHDOG = `
import os, signal, subprocess, sys, threading
gateway = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL)
threading.Thread(target=lambda: os._exit(gateway.wait()), daemon=True).start()
sys.stdin.buffer.read()
signal.signal(signal.SIGTERM, signal.SIG_IGN)
os.killpg(0, signal.SIGTERM)
try:
    gateway.wait(10)
except subprocess.TimeoutExpired:
    gateway.kill()
`;

/** A port that was free a moment ago (nothing listens on it when this returns). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface RunningGateway {
  url: string;
  token: string;
  /** The watchdog process that started the gateway (its parent; the leader of its process group). */
  pid: number;
  /** Kernels' working directory: a fresh temporary directory, removed by stop(). Kernel Gateway only. */
  workspace?: string;
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once("exit", () => r()));
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // Already gone.
  }
}

export interface GatewayOptions {
  timeoutMs?: number;
  /** "enterprise": Jupyter Enterprise Gateway with its defaults (local kernels, kernel listing off,
   * root not allowed to start kernels without KERNEL_USERNAME). */
  flavor?: "kernel" | "enterprise";
  /**
   * There is no GPU on the test machines, so a GPU host is simulated with a stand-in `nvidia-smi`
   * on the gateway's PATH that prints these lines exactly as the real one answers the probe's query
   * (`--query-gpu=index,name,uuid,memory.total,memory.used,utilization.gpu,temperature.gpu
   * --format=csv,noheader,nounits`). Everything else — gateway, probe kernel, parsing — is real.
   */
  fakeGpus?: string[];
}

/** Starts Jupyter Kernel Gateway with the studio's config (or Enterprise Gateway) for tests (vitest and Playwright). */
export async function startGateway({ timeoutMs = 60_000, flavor = "kernel", fakeGpus }: GatewayOptions = {}): Promise<RunningGateway> {
  const jupyter = flavor === "kernel" ? JUPYTER : EG_JUPYTER;
  if (!existsSync(jupyter)) {
    throw new Error(`${jupyter} is missing: run \`npm test\` once (it creates kernels/.venv and kernels/.venv-eg).`);
  }
  const port = await freePort();
  const token = randomBytes(24).toString("base64url");
  const url = `http://127.0.0.1:${port}`;
  let pathPrefix = "";
  let bin: string | undefined;
  if (fakeGpus) {
    bin = mkdtempSync(path.join(os.tmpdir(), "fake-nvidia-smi-"));
    writeFileSync(path.join(bin, "nvidia-smi"), `#!/bin/sh\ncat <<'EOF'\n${fakeGpus.join("\n")}\nEOF\n`, { mode: 0o755 });
    pathPrefix = `${bin}:`;
  }
  const env = { ...process.env, PATH: pathPrefix + (process.env.PATH ?? ""), STUDIO_LOG_LEVEL: "WARN" };
  let workspace: string | undefined;
  let launch: { command: string; args: string[]; env: NodeJS.ProcessEnv };
  if (flavor === "kernel") {
    // The same sandboxed command line as `npm start`; the stand-in nvidia-smi lives in the host's
    // /tmp, which the sandbox replaces, so it is shown read-only.
    workspace = mkdtempSync(path.join(os.tmpdir(), "studio-kernels-"));
    try {
      launch = gatewayLaunch({ port, token, env, workspace, readOnly: fakeGpus ? [pathPrefix.slice(0, -1)] : [] });
    } catch (error) {
      for (const dir of [workspace, bin]) if (dir) rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  } else {
    launch = { command: jupyter, args: ["enterprisegateway", "--ip=127.0.0.1", `--port=${port}`, "--port_retries=0"], env: { ...env, EG_AUTH_TOKEN: token } };
  }
  // detached: the watchdog leads its own process group, so stop() can also signal the whole group.
  const child = spawn("python3", ["-c", WATCHDOG, launch.command, ...launch.args], {
    cwd: repoRoot,
    env: launch.env,
    detached: true,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let log = "";
  child.stdout!.on("data", (d) => (log += d));
  child.stderr!.on("data", (d) => (log += d));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const done = exited(child);
      child.stdin!.end();
      const timer = setTimeout(() => killGroup(child, "SIGKILL"), 15_000);
      await done;
      clearTimeout(timer);
    }
    // Nothing of the group may outlive the test.
    killGroup(child, "SIGKILL");
    for (const dir of [workspace, bin]) if (dir) rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(`The kernel gateway exited (${child.exitCode ?? child.signalCode}) before answering:\n${log}`);
    }
    try {
      const res = await fetch(`${url}/api`, { headers: { Authorization: `token ${token}` }, signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return { url, token, pid: child.pid!, workspace, stop };
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await stop();
  throw new Error(`The kernel gateway did not answer GET /api within ${timeoutMs / 1000} s:\n${log}`);
}
