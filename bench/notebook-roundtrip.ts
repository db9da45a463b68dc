// What the studio adds to running a cell: the round trip of `1+1` through the studio's notebook
// socket (permission check per message, live session, output bookkeeping, saving) next to the same
// request sent straight to the kernel gateway's WebSocket, interleaved in one run on one gateway.
// Target (issue #3): the studio adds ≤ 2 ms at p50 and ≤ 5 ms at p99.
//   npm run bench -- notebook-roundtrip [iterations=300]
import { spawnSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import WebSocket from "ws";
import { emit, percentile } from "./lib";
import { startGateway } from "@/test/gateway";

const n = Number(process.argv[2] ?? 300);
// @jupyterlab/services announces every kernel socket on stdout; this output is JSON lines only.
const log = console.log;
console.log = (...args: unknown[]) => {
  if (typeof args[0] === "string" && args[0].startsWith("Starting WebSocket")) return;
  log(...args);
};
const warmup = 30;

const dir = mkdtempSync(path.join(os.tmpdir(), "bench-roundtrip-"));
const databaseUrl = `file:${path.join(dir, "studio.db")}`;
Object.assign(process.env, { DATABASE_URL: databaseUrl, STUDIO_SECRET_KEY: randomBytes(32).toString("base64"), NEXTAUTH_SECRET: randomBytes(32).toString("base64") });
const migrated = spawnSync("npx", ["prisma", "migrate", "deploy"], { env: process.env, encoding: "utf8" });
if (migrated.status !== 0) throw new Error(`migrate deploy failed: ${migrated.stderr}`);

// Imported after the environment is set: the domain layer reads it once.
const { createDb } = await import("@/server/db");
const { sealSecret } = await import("@/server/crypto/secret-box");
const { generateToken, hashToken, TOKEN_PREFIX } = await import("@/server/tokens/token-hash");
const { emptyNotebook } = await import("@/lib/nbformat");
const { createNotebookSocketHandler } = await import("@/server/notebooks/live/notebook-socket");
const { persistAllLiveNotebooks } = await import("@/server/notebooks/live/live-notebook");

const gateway = await startGateway();
const db = createDb(databaseUrl);
const server = http.createServer();
try {
  const user = await db.user.create({ data: { email: "bench@studio.test", name: "Bench", passwordHash: "-", role: "data_scientist" } });
  const token = generateToken();
  await db.apiToken.create({ data: { userId: user.id, name: "bench", prefix: token.slice(0, TOKEN_PREFIX.length + 4), tokenHash: hashToken(token) } });
  const project = await db.project.create({ data: { slug: "bench", name: "Bench", members: { create: { userId: user.id, role: "data_scientist" } } } });
  await db.computeHost.create({ data: { name: "local", kind: "local", url: gateway.url, tokenCiphertext: sealSecret(gateway.token), status: "healthy" } });
  const content = emptyNotebook();
  const cellId = content.cells[0].id;
  content.cells[0].source = "1+1";
  const notebook = await db.notebook.create({ data: { projectId: project.id, name: "bench", content: content as object } });

  const sockets = createNotebookSocketHandler(db);
  server.on("upgrade", (req, socket, head) => {
    if (!sockets.handleUpgrade(req, socket, head)) socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  // ——— through the studio ———
  const studio = new WebSocket(`ws://127.0.0.1:${port}/api/notebooks/${notebook.id}/socket`, { headers: { Authorization: `Bearer ${token}` } });
  let onStudioMessage: (m: { type: string; [k: string]: unknown }) => void = () => undefined;
  studio.on("message", (data) => onStudioMessage(JSON.parse(data.toString())));
  await new Promise<void>((resolve, reject) => {
    onStudioMessage = (m) => m.type === "snapshot" && resolve();
    studio.once("error", reject);
  });
  const viaStudio = () =>
    new Promise<number>((resolve, reject) => {
      let result = false;
      let queued = false;
      const t0 = performance.now();
      onStudioMessage = (m) => {
        if (m.type === "error") reject(new Error(String(m.message)));
        if (m.type === "outputs" && JSON.stringify(m.outputs).includes('"2"')) result = true;
        if (m.type === "runs") {
          const runs = m.runs as Record<string, unknown>;
          if (runs[cellId]) queued = true;
          else if (queued && result) resolve(performance.now() - t0);
        }
      };
      studio.send(JSON.stringify({ type: "execute", cellIds: [cellId] }));
    });
  // The first run starts the kernel.
  await viaStudio();

  // ——— straight to the gateway (its own kernel, same host) ———
  const headers = { Authorization: `token ${gateway.token}` };
  const started = await fetch(`${gateway.url}/api/kernels`, { method: "POST", headers: { ...headers, "Content-Type": "application/json" }, body: JSON.stringify({ name: "python3" }) });
  const kernel = (await started.json()) as { id: string };
  const direct = new WebSocket(`${gateway.url.replace(/^http/, "ws")}/api/kernels/${kernel.id}/channels`, { headers });
  await new Promise((resolve, reject) => direct.once("open", resolve).once("error", reject));
  const session = randomUUID();
  let onDirectMessage: (m: { channel: string; header: { msg_type: string }; parent_header: { msg_id?: string }; content: Record<string, unknown> }) => void = () => undefined;
  direct.on("message", (data) => onDirectMessage(JSON.parse(data.toString())));
  const viaGateway = () =>
    new Promise<number>((resolve) => {
      const msgId = randomUUID();
      let reply = false;
      let idle = false;
      const t0 = performance.now();
      onDirectMessage = (m) => {
        if (m.parent_header?.msg_id !== msgId) return;
        if (m.header.msg_type === "execute_reply") reply = true;
        if (m.header.msg_type === "status" && m.content.execution_state === "idle") idle = true;
        if (reply && idle) resolve(performance.now() - t0);
      };
      direct.send(
        JSON.stringify({
          channel: "shell",
          header: { msg_id: msgId, msg_type: "execute_request", username: "bench", session, date: new Date().toISOString(), version: "5.3" },
          parent_header: {},
          metadata: {},
          content: { code: "1+1", silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true },
          buffers: [],
        }),
      );
    });

  for (let i = 0; i < warmup; i++) {
    await viaStudio();
    await viaGateway();
  }
  const ours: number[] = [];
  const peer: number[] = [];
  // Interleaved, so the shared machine's noise hits both alike.
  for (let i = 0; i < n; i++) {
    ours.push(await viaStudio());
    peer.push(await viaGateway());
  }
  for (const p of [50, 99]) {
    const value = percentile(ours, p);
    const peerValue = percentile(peer, p);
    emit({ bench: "notebook-roundtrip", metric: `execute_1plus1_p${p}`, value: +value.toFixed(2), unit: "ms", peer: "kernel-gateway-direct", peer_value: +peerValue.toFixed(2), n });
    emit({ bench: "notebook-roundtrip", metric: `studio_added_p${p}`, value: +(value - peerValue).toFixed(2), unit: "ms", n });
  }
  direct.close();
  studio.close();
  await fetch(`${gateway.url}/api/kernels/${kernel.id}`, { method: "DELETE", headers });
  await persistAllLiveNotebooks();
  sockets.close();
} finally {
  server.close();
  await db.$disconnect();
  await gateway.stop();
  rmSync(dir, { recursive: true, force: true });
}
// The live session keeps its kernel attached; nothing else should hold the process open.
process.exit(0);
