import "server-only";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { Db } from "@/server/db";
import { can, type Role } from "@/lib/roles";
import { authenticateRequest, type Caller } from "@/server/auth/request-principal";
import { InvocationStats } from "@/server/endpoints/invocation-stats";
import { CaptureWriter, captureRecord } from "@/server/endpoints/data-capture";
import { jsonValue } from "@/server/db-driver";
import { artifactStore, type ArtifactStore } from "@/server/artifacts/artifact-store";
import { dataCaptureConfig, type DataCaptureConfig } from "@/lib/endpoints";

// The web process's side of endpoints: requests to /endpoints/{name}/invocations (SageMaker's
// runtime API) and /v2/models/{name}/… (Open Inference Protocol) are authenticated, routed to a
// variant (by weight, or the X-Amzn-SageMaker-Target-Variant header) and proxied to one of its
// ready model servers over kept-alive loopback connections. Served before Next.js, from caches
// refreshed every second, so routing adds little to a model's own time.

export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024; // SageMaker's limit for real-time endpoints
const CACHE_MS = 1_000;
const CALLER_CACHE_MS = 5_000;
const TIMEOUT_MS = 60_000; // the container contract: answer within 60 s

interface RoutingVariant {
  name: string;
  weight: number;
  ports: number[];
}

interface Routing {
  endpointId: string;
  name: string;
  projectId: string;
  capture: DataCaptureConfig | null;
  status: string;
  variants: RoutingVariant[];
}

const ENDPOINT_PATH = /^\/endpoints\/([A-Za-z0-9-]{1,63})\/(invocations|ping)$/;
const V2_MODEL_PATH = /^\/v2\/models\/([A-Za-z0-9-]{1,63})(\/versions\/[^/]+)?(\/infer|\/ready)?$/;

function send(res: ServerResponse, status: number, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) }).end(body);
}

/** Picks a variant: the one the header names, else at random by weight among those with a ready server. */
export function pickVariant(variants: RoutingVariant[], target: string | undefined, random = Math.random): RoutingVariant | { error: "unknown" | "none_ready" } {
  if (target) {
    const named = variants.find((v) => v.name === target);
    return named ?? { error: "unknown" };
  }
  const candidates = variants.filter((v) => v.weight > 0 && v.ports.length > 0);
  const total = candidates.reduce((sum, v) => sum + v.weight, 0);
  if (total <= 0) return { error: "none_ready" };
  let r = random() * total;
  for (const v of candidates) {
    r -= v.weight;
    if (r < 0) return v;
  }
  return candidates[candidates.length - 1];
}

const STATS_FLUSH_MS = 5_000;

export function createInvocationRouter(db: Db, options: { store?: () => ArtifactStore } = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512, keepAliveMsecs: 10_000 });
  const stats = new InvocationStats();
  const captured = new CaptureWriter(options.store ?? artifactStore);
  const flushAll = () =>
    Promise.all([
      stats.flush(db).catch((error: unknown) => console.error("[web] saving endpoint stats failed:", error)),
      captured.flush().catch((error: unknown) => console.error("[web] writing captured data failed:", error)),
    ]);
  const flushing = setInterval(() => void flushAll(), STATS_FLUSH_MS);
  flushing.unref();
  const routes = new Map<string, { at: number; routing: Routing | null }>();
  const callers = new Map<string, { at: number; caller: Caller | null }>();
  const roles = new Map<string, { at: number; role: Role | null }>();
  let turn = 0;

  async function routingFor(name: string): Promise<Routing | null> {
    const cached = routes.get(name);
    if (cached && Date.now() - cached.at < CACHE_MS) return cached.routing;
    const row = await db.endpoint.findUnique({
      where: { name },
      select: { id: true, name: true, projectId: true, status: true, dataCapture: true, variants: { select: { name: true, weight: true, replicaRows: { where: { status: "ready" }, select: { port: true } } } } },
    });
    const capture = row?.dataCapture ? dataCaptureConfig.safeParse(jsonValue(row.dataCapture, null)) : null;
    const routing = row ? { endpointId: row.id, name: row.name, capture: capture?.success && capture.data.samplingPercentage > 0 ? capture.data : null, projectId: row.projectId, status: row.status, variants: row.variants.map((v) => ({ name: v.name, weight: v.weight, ports: v.replicaRows.map((r) => r.port) })) } : null;
    routes.set(name, { at: Date.now(), routing });
    return routing;
  }

  async function callerOf(req: IncomingMessage): Promise<Caller | null> {
    // Tokens are cached by their own value (a revoked token stops working within 5 s); sessions are not.
    const key = req.headers.authorization;
    if (!key) return authenticateRequest(db, req);
    const cached = callers.get(key);
    if (cached && Date.now() - cached.at < CALLER_CACHE_MS) return cached.caller;
    const caller = await authenticateRequest(db, req);
    if (callers.size > 10_000) callers.clear();
    callers.set(key, { at: Date.now(), caller });
    return caller;
  }

  async function roleIn(caller: Caller, projectId: string): Promise<Role | null> {
    if (caller.principal.role === "admin") return "admin";
    const key = `${caller.principal.id}:${projectId}`;
    const cached = roles.get(key);
    if (cached && Date.now() - cached.at < CALLER_CACHE_MS) return cached.role;
    const member = await db.projectMember.findUnique({ where: { projectId_userId: { projectId, userId: caller.principal.id } }, select: { role: true } });
    const role = (member?.role as Role | undefined) ?? null;
    roles.set(key, { at: Date.now(), role });
    return role;
  }

  function proxy(req: IncomingMessage, res: ServerResponse, routing: Routing, variant: RoutingVariant, upstreamPath: string, attempt = 0): void {
    const port = variant.ports[turn++ % variant.ports.length];
    // Sampled for data capture: the bodies are kept (at most 6 MB each) while they stream through.
    const capture = routing.capture && attempt === 0 && Math.random() * 100 < routing.capture.samplingPercentage ? routing.capture : null;
    const input: Buffer[] = [];
    if (capture) req.on("data", (chunk: Buffer) => input.push(chunk));
    const headers: Record<string, string> = {};
    for (const name of ["content-type", "accept", "content-length", "x-amzn-sagemaker-custom-attributes", "x-amzn-sagemaker-inference-id"]) {
      const value = req.headers[name];
      if (typeof value === "string") headers[name] = value;
    }
    const upstream = http.request({ host: "127.0.0.1", port, path: upstreamPath, method: req.method, headers, agent, timeout: TIMEOUT_MS }, (answer) => {
      const out: Record<string, string | number> = { "X-Amzn-Invoked-Production-Variant": variant.name };
      for (const name of ["content-type", "content-length", "x-amzn-sagemaker-custom-attributes"]) {
        const value = answer.headers[name];
        if (typeof value === "string") out[name] = value;
      }
      res.writeHead(answer.statusCode ?? 502, out);
      if (capture) {
        const output: Buffer[] = [];
        answer.on("data", (chunk: Buffer) => output.push(chunk));
        answer.once("end", () => {
          const at = new Date();
          const inferenceId = req.headers["x-amzn-sagemaker-inference-id"];
          const record = captureRecord(
            capture,
            { contentType: req.headers["content-type"] ?? "application/octet-stream", body: Buffer.concat(input) },
            { contentType: answer.headers["content-type"] ?? "application/octet-stream", body: Buffer.concat(output) },
            at,
            typeof inferenceId === "string" ? inferenceId.slice(0, 256) : undefined,
          );
          captured.add(routing.name, variant.name, record, at);
        });
      }
      answer.pipe(res);
    });
    // Headers and body may leave as separate writes: Nagle's algorithm must not hold the second.
    upstream.setNoDelay(true);
    upstream.on("timeout", () => upstream.destroy(new Error("timeout")));
    upstream.on("error", (error: NodeJS.ErrnoException) => {
      if (res.headersSent) return void res.destroy();
      // A server that died a moment ago: another ready one takes the request (the body was not read yet).
      if (error.code === "ECONNREFUSED" && attempt + 1 < variant.ports.length) return proxy(req, res, routing, variant, upstreamPath, attempt + 1);
      if (error.message === "timeout") return send(res, 504, "timeout", `The model did not answer within ${TIMEOUT_MS / 1000} s.`);
      send(res, 503, "unavailable", "The endpoint's model server is restarting; try again in a few seconds.");
    });
    req.pipe(upstream);
  }

  return {
    /** Whether the request is for an endpoint (then `handle` answers it). */
    matches(url: string | undefined): boolean {
      const path = (url ?? "").split("?")[0];
      return ENDPOINT_PATH.test(path) || path.startsWith("/v2/");
    },

    async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const started = performance.now();
      const path = (req.url ?? "").split("?")[0];
      if (path === "/v2/health/live" || path === "/v2/health/ready" || path === "/v2") {
        res.writeHead(200, { "Content-Type": "application/json" }).end('{"live":true}');
        return;
      }
      const sagemaker = ENDPOINT_PATH.exec(path);
      const v2 = sagemaker ? null : V2_MODEL_PATH.exec(path);
      if (!sagemaker && !v2) return send(res, 404, "not_found", `No such path: ${path}`);
      const name = (sagemaker ?? v2)![1];
      const action = sagemaker ? sagemaker[2] : (v2![3] ?? "").slice(1) || "metadata";
      const wantsPost = action === "invocations" || action === "infer";
      if ((wantsPost && req.method !== "POST") || (!wantsPost && req.method !== "GET")) {
        res.setHeader("Allow", wantsPost ? "POST" : "GET");
        return send(res, 405, "method_not_allowed", `Use ${wantsPost ? "POST" : "GET"} for ${path}.`);
      }
      const length = Number(req.headers["content-length"] ?? 0);
      if (length > MAX_PAYLOAD_BYTES) return send(res, 413, "payload_too_large", `The request body is ${length} bytes; an endpoint takes at most ${MAX_PAYLOAD_BYTES} (6 MB).`);

      const caller = await callerOf(req);
      if (!caller) return send(res, 401, "unauthorized", "Send a personal API token as `Authorization: Bearer sst_…` (Settings → API tokens).");
      const routing = await routingFor(name);
      const role = routing ? await roleIn(caller, routing.projectId) : null;
      if (!routing || !role || !can(role, "models:read")) return send(res, 404, "not_found", `No endpoint named ${name}.`);

      // Counted from here: the endpoint is known and the caller may use it.
      let counted = "(none)";
      res.once("finish", () => stats.record(routing.endpointId, counted, res.statusCode, performance.now() - started));
      const target = req.headers["x-amzn-sagemaker-target-variant"];
      const variant = pickVariant(routing.variants, typeof target === "string" ? target : undefined);
      if ("error" in variant) {
        if (variant.error === "unknown") return send(res, 404, "unknown_variant", `Endpoint ${name} has no variant named ${String(target)} (it has ${routing.variants.map((v) => v.name).join(", ")}).`);
        return send(res, 503, "unavailable", `Endpoint ${name} has no model server ready yet (status ${routing.status}).`);
      }
      counted = variant.name;
      if (variant.ports.length === 0) return send(res, 503, "unavailable", `Variant ${variant.name} of ${name} has no model server ready yet.`);
      const upstreamPath = action === "invocations" ? "/invocations" : action === "ping" ? "/ping" : action === "infer" ? "/v2/models/model/infer" : action === "ready" ? "/v2/models/model/ready" : "/v2/models/model";
      proxy(req, res, routing, variant, upstreamPath);
    },

    /** Writes the counts and captured data gathered so far (both flush on their own every 5 s). */
    async flush(): Promise<void> {
      await flushAll();
    },

    async close(): Promise<void> {
      clearInterval(flushing);
      await flushAll();
      agent.destroy();
    },
  };
}
