// The kernel sandbox (bubblewrap, scripts/lib/setup.mjs `sandboxed`): code in a kernel of the local
// gateway that `npm start` launched — the e2e studio's own — tries to reach the studio's secrets,
// processes and source; all of it must fail, while the kernels' workspace, /tmp, the network and
// `%pip install` keep working. Then: the sandbox dies with its launcher, and without bwrap the
// studio refuses to start kernels unless STUDIO_UNSANDBOXED_KERNELS=1.
import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import WebSocket from "ws";
import { expect, test } from "@playwright/test";
import { alive, descendants, processTable } from "../fixtures/processes";
import { baseURL } from "../fixtures/studio";
import { gatewayLaunch, startGateway } from "../../test/gateway";

const repo = path.resolve(".");

interface Gateway {
  url: string;
  token: string;
}

/** A kernel on a gateway, driven over its WebSocket like the studio does (token in a header). */
async function openKernel(gateway: Gateway) {
  const headers = { Authorization: `token ${gateway.token}`, "Content-Type": "application/json" };
  const created = await fetch(`${gateway.url}/api/kernels`, { method: "POST", headers, body: JSON.stringify({ name: "python3" }) });
  expect(created.status).toBe(201);
  const { id } = (await created.json()) as { id: string };
  const ws = new WebSocket(`${gateway.url.replace(/^http/, "ws")}/api/kernels/${id}/channels`, { headers });
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  return {
    /** Runs a cell; resolves with everything it printed (errors as `Name: value`). */
    run(code: string): Promise<string> {
      const msgId = randomUUID();
      let output = "";
      return new Promise((resolve) => {
        const onMessage = (raw: WebSocket.RawData) => {
          const msg = JSON.parse(raw.toString());
          if (msg.parent_header?.msg_id !== msgId) return;
          if (msg.msg_type === "stream") output += msg.content.text;
          if (msg.msg_type === "error") output += `${msg.content.ename}: ${msg.content.evalue}\n`;
          if (msg.msg_type === "status" && msg.content.execution_state === "idle") {
            ws.off("message", onMessage);
            resolve(output);
          }
        };
        ws.on("message", onMessage);
        const header = { msg_id: msgId, msg_type: "execute_request", username: "e2e", session: "kernel-sandbox", version: "5.3", date: new Date().toISOString() };
        const content = { code, silent: false, store_history: false, user_expressions: {}, allow_stdin: false, stop_on_error: true };
        ws.send(JSON.stringify({ channel: "shell", header, parent_header: {}, metadata: {}, content, buffers: [] }));
      });
    },
    async close() {
      ws.close();
      await fetch(`${gateway.url}/api/kernels/${id}`, { method: "DELETE", headers });
    },
  };
}

/** The e2e studio's processes, from the pid file its launcher (scripts/start.mjs) keeps. */
function e2eStudio() {
  const record = JSON.parse(readFileSync(path.join(repo, "data/run/e2e.pids"), "utf8")) as { processes: { pid: number }[] };
  const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  const find = (what: string) => {
    const pid = record.processes.map((p) => p.pid).find((p) => cmdline(p).includes(what));
    expect(pid, what).toBeDefined();
    return pid!;
  };
  const gatewayPid = find("kernelgateway");
  // The gateway's port and token live only in its environment (the sandbox's outer bwrap here).
  const environ = Object.fromEntries(
    readFileSync(`/proc/${gatewayPid}/environ`, "utf8")
      .split("\0")
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
  );
  return {
    gateway: { url: `http://127.0.0.1:${environ.KG_PORT}`, token: environ.KG_AUTH_TOKEN },
    workspace: environ.STUDIO_KERNEL_ROOT_DIR,
    webPid: find("server/web/main.ts"),
    workerPid: find("server/worker/main.ts"),
  };
}

// Runs in the kernel: every attempt reports {ok, value} or {ok: false, error}.
const ATTEMPTS = String.raw`
import ctypes, json, os, subprocess, urllib.request
P = json.loads(PARAMS)

def attempt(fn):
    try:
        return {"ok": True, "value": fn()}
    except Exception as e:
        return {"ok": False, "error": f"{type(e).__name__}: {e}"}

def read(path):
    with open(path, "rb") as f:
        return f.read().decode(errors="replace")

def create(path):
    with open(path, "x") as f:
        f.write("written from a kernel")
    return path

def umount(path, flags):
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.umount2(path.encode(), flags) != 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    return "unmounted"

def remount_root_rw():
    if subprocess.run(["mount", "-o", "remount,rw", "/"], capture_output=True).returncode != 0:
        raise OSError("mount failed")
    return "remounted"

def processes():
    out = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        out.append({"pid": int(pid), "cmd": attempt(lambda: read(f"/proc/{pid}/cmdline").replace("\0", " ")),
                    "environ": attempt(lambda: read(f"/proc/{pid}/environ"))})
    return out

repo, data, rnd = P["repo"], P["repo"] + "/data", P["rnd"]
cwd = os.getcwd()
attempts = {
    # (a) the studio's state
    "secrets": attempt(lambda: read(data + "/secrets.json")),
    "database": attempt(lambda: read(P["database"])),
    "data_listing": attempt(lambda: sorted(os.listdir(data))),
    "home_marker": attempt(lambda: read(P["homeMarker"])),
    "host_tmp_marker": attempt(lambda: read(P["tmpMarker"])),
    # (b) the studio's processes
    "web_environ": attempt(lambda: read(f"/proc/{P['webPid']}/environ")),
    "worker_environ": attempt(lambda: read(f"/proc/{P['workerPid']}/environ")),
    # (c) the source tree
    "write_root": attempt(lambda: create(f"{repo}/sandbox-{rnd}.txt")),
    "write_server": attempt(lambda: create(f"{repo}/server/sandbox-{rnd}.ts")),
    "write_scripts": attempt(lambda: create(f"{repo}/scripts/lib/sandbox-{rnd}.mjs")),
    "write_node_modules": attempt(lambda: create(f"{repo}/node_modules/sandbox-{rnd}.js")),
    "append_package_json": attempt(lambda: os.close(os.open(f"{repo}/package.json", os.O_WRONLY | os.O_APPEND))),
    "write_gateway_config": attempt(lambda: os.close(os.open(f"{repo}/kernels/gateway_config.py", os.O_WRONLY | os.O_APPEND))),
    # (d) no way to lift the cover off data/
    "umount_data": attempt(lambda: umount(data, 0)),
    "umount_data_lazy": attempt(lambda: umount(data, 2)),
    "remount_root_rw": attempt(remount_root_rw),
    "secrets_after_umount": attempt(lambda: read(data + "/secrets.json")),
    # what must keep working
    "write_workspace": attempt(lambda: create(f"{cwd}/sandbox-{rnd}.txt")),
    "write_tmp": attempt(lambda: create(f"/tmp/sandbox-{rnd}.txt")),
    "network": attempt(lambda: urllib.request.urlopen(P["health"], timeout=10).status),
}
result = {
    "cwd": cwd,
    "caps": [l for l in read("/proc/self/status").splitlines() if l.startswith(("CapEff", "NoNewPrivs"))],
    "processes": processes(),
    "attempts": attempts,
}
print("SANDBOX_JSON:" + json.dumps(result))
`;

// A wheel built by hand in the kernel (no network, no build backend), then installed with %pip.
const BUILD_WHEEL = String.raw`
import base64, hashlib, zipfile
files = {
    "studio_sandbox_probe.py": b"VALUE = 42\n",
    "studio_sandbox_probe-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: studio-sandbox-probe\nVersion: 1.0\n",
    "studio_sandbox_probe-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: studio-e2e\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
}
def digest(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
record = "".join(f"{name},{digest(data)},{len(data)}\n" for name, data in files.items()) + "studio_sandbox_probe-1.0.dist-info/RECORD,,\n"
wheel = "/tmp/studio_sandbox_probe-1.0-py3-none-any.whl"
with zipfile.ZipFile(wheel, "w") as z:
    for name, data in files.items():
        z.writestr(name, data)
    z.writestr("studio_sandbox_probe-1.0.dist-info/RECORD", record)
print("built", wheel)
`;

type Attempt = { ok: true; value: unknown } | { ok: false; error: string };

test("code in a kernel of the local gateway cannot reach the studio's secrets, processes or source", async () => {
  test.setTimeout(120_000);
  const studio = e2eStudio();
  const rnd = randomBytes(6).toString("hex");
  const secrets = JSON.parse(readFileSync(path.join(repo, "data/secrets.json"), "utf8")) as Record<string, string>;
  const webEnviron = readFileSync(`/proc/${studio.webPid}/environ`, "utf8");
  expect(webEnviron).toContain("NEXTAUTH_SECRET=");
  // Files only the host can see: in the studio user's home and in the host's /tmp.
  const homeMarker = path.join(os.homedir(), `.studio-sandbox-${rnd}`);
  const tmpMarker = `/tmp/studio-sandbox-host-${rnd}`;
  // What a kernel must not manage to write (removed at the end should it have).
  const sourceFiles = [`sandbox-${rnd}.txt`, `server/sandbox-${rnd}.ts`, `scripts/lib/sandbox-${rnd}.mjs`, `node_modules/sandbox-${rnd}.js`].map((f) => path.join(repo, f));
  writeFileSync(homeMarker, "host home");
  writeFileSync(tmpMarker, "host tmp");
  const kernel = await openKernel(studio.gateway);
  try {
    const params = {
      repo,
      rnd,
      database: path.join(repo, "data/e2e/studio.db"),
      homeMarker,
      tmpMarker,
      webPid: studio.webPid,
      workerPid: studio.workerPid,
      health: `${baseURL().replace("localhost", "127.0.0.1")}/api/health`,
    };
    const output = await kernel.run(`PARAMS = ${JSON.stringify(JSON.stringify(params))}\n${ATTEMPTS}`);
    const line = output.split("\n").find((l) => l.startsWith("SANDBOX_JSON:"));
    expect(line, output).toBeDefined();
    const { cwd, caps, processes, attempts: r } = JSON.parse(line!.slice("SANDBOX_JSON:".length)) as {
      cwd: string;
      caps: string[];
      processes: { pid: number; cmd: Attempt; environ: Attempt }[];
      attempts: Record<string, Attempt>;
    };
    const failed = (a: Attempt, pattern: RegExp) => {
      // What a successful attempt read stays out of the report: it may be the studio's secrets.
      expect(a.ok, a.ok ? `succeeded (${JSON.stringify(a.value ?? null).length} characters of result)` : a.error).toBe(false);
      expect(a.ok ? "" : a.error).toMatch(pattern);
    };

    // (a) data/ is an empty tmpfs but for the path to the kernels' workspace; no secrets, no database.
    failed(r.secrets, /FileNotFoundError/);
    failed(r.database, /FileNotFoundError/);
    expect(r.data_listing).toEqual({ ok: true, value: ["e2e"] });
    failed(r.home_marker, /FileNotFoundError/);
    failed(r.host_tmp_marker, /FileNotFoundError/);

    // (b) its own PID namespace: only the sandbox's processes, none of the studio's, no secrets anywhere.
    failed(r.web_environ, /FileNotFoundError|ProcessLookupError/);
    failed(r.worker_environ, /FileNotFoundError|ProcessLookupError/);
    const visible = processes.map((p) => (p.cmd.ok ? String(p.cmd.value) : ""));
    expect(visible.some((cmd) => cmd.includes("ipykernel"))).toBe(true);
    expect(visible.filter((cmd) => /server\/(web|worker)\/main\.ts|node /.test(cmd))).toEqual([]);
    expect(processes.every((p) => p.pid < 1000)).toBe(true);
    // (Checked without printing what the kernel saw: on failure that would be the secrets.)
    const seen = JSON.stringify({ processes, r });
    for (const [name, value] of Object.entries(secrets)) expect(seen.includes(value), `${name} reached the kernel`).toBe(false);
    for (const name of ["NEXTAUTH_SECRET=", "STUDIO_SECRET_KEY=", "DATABASE_URL="]) expect(seen.includes(name), `${name} reached the kernel`).toBe(false);

    // (c) the source tree and node_modules are read-only.
    for (const key of ["write_root", "write_server", "write_scripts", "write_node_modules", "append_package_json", "write_gateway_config"]) {
      failed(r[key], /Read-only file system/);
    }
    for (const file of sourceFiles) expect(existsSync(file), file).toBe(false);

    // (d) no capabilities: the cover over data/ stays.
    expect(caps).toEqual(["CapEff:\t0000000000000000", "NoNewPrivs:\t1"]);
    failed(r.umount_data, /Operation not permitted/);
    failed(r.umount_data_lazy, /Operation not permitted/);
    failed(r.remount_root_rw, /mount failed/);
    failed(r.secrets_after_umount, /FileNotFoundError/);

    // What keeps working: the workspace is the kernels' cwd and writable (the host sees the file),
    // /tmp is writable but private, and the network (loopback included) is there.
    expect(cwd).toBe(studio.workspace);
    expect(r.write_workspace.ok, JSON.stringify(r.write_workspace)).toBe(true);
    expect(readFileSync(path.join(studio.workspace, `sandbox-${rnd}.txt`), "utf8")).toBe("written from a kernel");
    expect(r.write_tmp.ok, JSON.stringify(r.write_tmp)).toBe(true);
    expect(existsSync(`/tmp/sandbox-${rnd}.txt`)).toBe(false);
    expect(r.network).toEqual({ ok: true, value: 200 });

    // %pip install goes into kernels/.venv, which stays writable inside the sandbox.
    expect(await kernel.run(BUILD_WHEEL)).toContain("built");
    const installed = await kernel.run("%pip install --no-index --no-deps --force-reinstall /tmp/studio_sandbox_probe-1.0-py3-none-any.whl");
    expect(installed).toContain("Successfully installed studio-sandbox-probe-1.0");
    expect(await kernel.run("import studio_sandbox_probe, sys; print(studio_sandbox_probe.VALUE, studio_sandbox_probe.__file__.startswith(sys.prefix))")).toBe("42 True\n");
    const pythonVersion = (await kernel.run("import sys; print(f'python{sys.version_info[0]}.{sys.version_info[1]}')")).trim();
    expect(existsSync(path.join(repo, "kernels/.venv/lib", pythonVersion, "site-packages/studio_sandbox_probe.py"))).toBe(true);
    expect(await kernel.run("%pip uninstall -y studio-sandbox-probe")).toContain("Successfully uninstalled");
  } finally {
    await kernel.close();
    for (const file of [homeMarker, tmpMarker, `/tmp/sandbox-${rnd}.txt`, path.join(studio.workspace, `sandbox-${rnd}.txt`), ...sourceFiles]) {
      rmSync(file, { force: true });
    }
  }
});

test("the sandbox dies with the process that launched it, kernels included", async () => {
  test.setTimeout(60_000);
  const gateway = await startGateway();
  try {
    const kernel = await openKernel(gateway);
    expect(await kernel.run("print('up')")).toBe("up\n");
    const tree = processTable();
    const below = new Set(descendants(gateway.pid, tree));
    const sandbox = tree.filter((p) => below.has(p.pid) && p.pid !== gateway.pid);
    expect(sandbox.some((p) => p.cmd.includes("bwrap"))).toBe(true);
    expect(sandbox.some((p) => p.cmd.includes("ipykernel"))).toBe(true);
    // Only the launcher (the test watchdog) is killed, with no chance to clean up; no group signal.
    process.kill(gateway.pid, "SIGKILL");
    await expect.poll(() => sandbox.filter((p) => alive(p.pid)).map((p) => p.cmd), { timeout: 10_000 }).toEqual([]);
  } finally {
    await gateway.stop();
  }
});

test("without bwrap the studio refuses to start kernels, unless STUDIO_UNSANDBOXED_KERNELS=1", async () => {
  // npm start: the launcher stops before any process starts and names the fix.
  const launcher = spawn(process.execPath, ["scripts/start.mjs", "--no-setup"], {
    env: { ...process.env, PATH: "/nonexistent", STUDIO_INSTANCE: "sandbox-refusal", PORT: "1", STUDIO_UNSANDBOXED_KERNELS: undefined },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  launcher.stdout.on("data", (c) => (output += c));
  launcher.stderr.on("data", (c) => (output += c));
  const code = await new Promise<number | null>((resolve) => launcher.on("exit", resolve));
  expect(code, output).toBe(1);
  expect(output).toContain("bubblewrap (`bwrap`) is not installed");
  expect(output).toContain("apt-get install bubblewrap");
  expect(output).toContain("STUDIO_UNSANDBOXED_KERNELS=1");
  expect(output).not.toContain("Studio ready");

  // The explicit opt-out runs the gateway unconfined, still without the studio's secrets.
  const warn = console.warn;
  const warnings: string[] = [];
  console.warn = (message: string) => warnings.push(message);
  try {
    const env = { ...process.env, PATH: "/nonexistent", STUDIO_UNSANDBOXED_KERNELS: "1", NEXTAUTH_SECRET: "do-not-pass" };
    const launch = gatewayLaunch({ port: 1, token: "t".repeat(32), env, workspace: path.join(repo, "data/e2e/unsandboxed-work") });
    expect(launch.sandboxed).toBe(false);
    expect(launch.command).toBe(path.join(repo, "kernels/.venv/bin/jupyter"));
    expect(launch.env.NEXTAUTH_SECRET).toBeUndefined();
    expect(warnings.join("\n")).toMatch(/WARNING: STUDIO_UNSANDBOXED_KERNELS=1: kernels .* run WITHOUT a sandbox/);
  } finally {
    console.warn = warn;
    rmSync(path.join(repo, "data/e2e/unsandboxed-work"), { recursive: true, force: true });
  }
  // A working directory that would expose the studio is refused either way.
  expect(() => gatewayLaunch({ port: 1, token: "t".repeat(32), env: process.env, workspace: repo })).toThrow(/cannot be the kernels' working directory/);
  expect(() => gatewayLaunch({ port: 1, token: "t".repeat(32), env: process.env, workspace: path.join(repo, "data") })).toThrow(/cannot be the kernels' working directory/);
});
