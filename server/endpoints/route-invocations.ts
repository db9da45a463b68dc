import "server-only";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { Db } from "@/server/db";
import { can, type Role } from "@/lib/roles";
import type { Caller } from "@/server/auth/request-principal";
import { originMatchesHost } from "@/server/http/same-origin";
import { InvocationStats } from "@/server/endpoints/invocation-stats";
import { CaptureWriter, captureRecord, shadowRecord } from "@/server/endpoints/data-capture";
import { databaseUrlOf, jsonValue } from "@/server/db-driver";
import { artifactStore, type ArtifactStore } from "@/server/artifacts/artifact-store";
import { dataCaptureConfig, type DataCaptureConfig } from "@/lib/endpoints";
import { signatureSchema, type Task } from "@/lib/model-registry";
import { modelFolderOf } from "@/server/endpoints/manage-endpoints";
import { BadInput, formatPredictions, InProcessModel, parseBody, servedOnnx, v2Metadata, v2Records, v2Response, type InProcessSpec } from "@/server/endpoints/onnx-model";
import { randomUUID } from "node:crypto";
import { RouterDatabase, type RoutingRow } from "@/server/endpoints/router-database";

// The web process's side of endpoints: requests to /endpoints/{name}/invocations (SageMaker's
// runtime API) and /v2/models/{name}/… (Open Inference Protocol) are authenticated, routed to a
// variant (by weight, or the X-Amzn-SageMaker-Target-Variant header) and proxied to one of its
// ready model servers over kept-alive loopback connections, or answered right here by an exported
// ONNX graph (onnx-model.ts). Served before Next.js, from caches re-read in the background on a
// thread of their own (router-database.ts: a warm request never waits for the database, nor for
// a query that runs meanwhile), so routing adds little to a model's own time.

export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024; // SageMaker's limit for real-time endpoints
/** Routing tables: re-read every second (in the background); one older than 2.5 s is not used. */
const ROUTING_CACHE = { refreshMs: 1_000, maxAgeMs: 2_500 };
/** Callers (by token or session cookies) and their project roles: re-read every 5 s; never used when older than 10 s. */
const CALLER_CACHE = { refreshMs: 5_000, maxAgeMs: 10_000 };
const TIMEOUT_MS = 60_000; // the container contract: answer within 60 s

interface RoutingVariant {
  name: string;
  weight: number;
  ports: number[];
  /** An ONNX variant, answered in this process (ports unused). */
  inProcess: InProcessSpec | null;
}

const isReady = (v: RoutingVariant) => v.inProcess !== null || v.ports.length > 0;

interface Answer {
  status: number;
  contentType: string;
  body: Buffer;
}

interface Mirror {
  shadow: RoutingVariant & { samplingPercent: number };
  upstreamPath: string;
  action: string;
}

interface Routing {
  endpointId: string;
  /** The shadow variant: gets copies of production requests, answers nobody. */
  shadow: (RoutingVariant & { samplingPercent: number }) | null;
  name: string;
  projectId: string;
  capture: DataCaptureConfig | null;
  status: string;
  variants: RoutingVariant[];
  /** A multi-model endpoint: its models by target-model name → their folders on the model servers. */
  models: Map<string, string> | null;
}

/** The model's share of one request's latency, once known (the rest is the router's overhead). */
interface Timing {
  modelMs: number | null;
}

/**
 * The model's time, for the caller (W3C Server-Timing; browsers' developer tools show it): from
 * the request leaving the router to the model server's answer (loopback hop included), or the
 * in-process model's whole answer. Latency seen by the caller minus this is the router's overhead.
 */
const serverTiming = (modelMs: number) => `model;dur=${modelMs.toFixed(3)}`;

/** What a multi-model server says about the model's cache for this call (passed on to the caller). */
const MODEL_CACHE_HEADERS = ["x-studio-model-cache", "x-studio-model-load-ms", "x-studio-model-wait-ms"];

const ENDPOINT_PATH = /^\/endpoints\/([A-Za-z0-9-]{1,63})\/(invocations|ping)$/;
const V2_MODEL_PATH = /^\/v2\/models\/([A-Za-z0-9-]{1,63})(\/versions\/[^/]+)?(\/infer|\/ready)?$/;

function send(res: ServerResponse, status: number, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) }).end(body);
}

/** Picks a variant: the one the header names, else at random by weight among those with a ready server. */
/** The request body, or null past MAX_PAYLOAD_BYTES (a body without Content-Length is counted as it comes). */
function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_PAYLOAD_BYTES) chunks.push(chunk);
    });
    req.once("end", () => resolve(size > MAX_PAYLOAD_BYTES ? null : Buffer.concat(chunks)));
    req.once("error", reject);
  });
}

export function pickVariant(variants: RoutingVariant[], target: string | undefined, random = Math.random): RoutingVariant | { error: "unknown" | "none_ready" } {
  if (target) {
    const named = variants.find((v) => v.name === target);
    return named ?? { error: "unknown" };
  }
  const candidates = variants.filter((v) => v.weight > 0 && isReady(v));
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

/**
 * Values read from the database, per key, kept fresh in the background: every `refreshMs` the
 * entries used in the last minute are read again, one by one. A request reads what is cached;
 * only a key never asked for, or one older than `maxAgeMs` (unused for a while, or refreshes
 * falling behind), is loaded while it waits — once per key, however many requests ask meanwhile.
 */
export class RefreshingCache<V> {
  private entries = new Map<string, { at: number; usedAt: number; value: V; load: () => Promise<V> }>();
  private loading = new Map<string, Promise<V>>();
  private readonly timer: NodeJS.Timeout;
  private refreshing = false;

  constructor(private readonly options: { refreshMs: number; maxAgeMs: number; keepMs?: number; maxEntries?: number }) {
    this.timer = setInterval(() => void this.refresh(), options.refreshMs);
    this.timer.unref();
  }

  get(key: string, load: () => Promise<V>): V | Promise<V> {
    const entry = this.entries.get(key);
    const now = Date.now();
    if (entry && now - entry.at < this.options.maxAgeMs) {
      entry.usedAt = now;
      return entry.value;
    }
    return this.load(key, load);
  }

  close(): void {
    clearInterval(this.timer);
  }

  private load(key: string, load: () => Promise<V>): Promise<V> {
    let pending = this.loading.get(key);
    if (!pending) {
      const started = Date.now();
      pending = load()
        .then((value) => {
          if (!this.entries.has(key) && this.entries.size >= (this.options.maxEntries ?? 10_000)) this.entries.clear();
          const usedAt = this.entries.get(key)?.usedAt ?? started;
          this.entries.set(key, { at: started, usedAt, value, load });
          return value;
        })
        .finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    return pending;
  }

  private async refresh(): Promise<void> {
    if (this.refreshing) return;
    this.refreshing = true;
    try {
      for (const [key, entry] of [...this.entries]) {
        if (Date.now() - entry.usedAt > (this.options.keepMs ?? 60_000)) {
          this.entries.delete(key);
          continue;
        }
        await this.load(key, entry.load).catch((error: unknown) => console.error("[web] refreshing the endpoint router's cache failed:", error));
      }
    } finally {
      this.refreshing = false;
    }
  }
}

export function createInvocationRouter(db: Db, options: { store?: () => ArtifactStore } = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512, keepAliveMsecs: 10_000 });
  const database = new RouterDatabase(databaseUrlOf(db));
  const stats = new InvocationStats();
  const captured = new CaptureWriter(options.store ?? artifactStore);
  const saveStats = async () => {
    const entries = stats.take();
    if (entries.length === 0) return;
    stats.restore(await database.call("saveStats", entries).catch((error: unknown) => {
      console.error("[web] saving endpoint stats failed:", error);
      return entries;
    }));
  };
  const flushAll = () => Promise.all([saveStats(), captured.flush().catch((error: unknown) => console.error("[web] writing captured data failed:", error))]);
  const flushing = setInterval(() => void flushAll(), STATS_FLUSH_MS);
  flushing.unref();
  const routes = new RefreshingCache<Routing | null>(ROUTING_CACHE);
  const callers = new RefreshingCache<Caller | null>(CALLER_CACHE);
  const roles = new RefreshingCache<Role | null>(CALLER_CACHE);
  const models = new Map<string, Promise<InProcessModel>>();
  const store = options.store ?? artifactStore;
  let turn = 0;

  async function loadRouting(name: string): Promise<Routing | null> {
    const row = await database.call("routing", name);
    if (!row) return null;
    const toRouting = (v: RoutingRow["variants"][number]): RoutingVariant => ({ name: v.name, weight: v.weight, ports: v.replicaRows.map((r) => r.port), inProcess: v.runtime === "onnx" && v.modelVersion ? inProcessSpec(v.modelVersion) : null });
    const capture = row.dataCapture ? dataCaptureConfig.safeParse(jsonValue(row.dataCapture, null)) : null;
    return {
      endpointId: row.id,
      name: row.name,
      capture: capture?.success && capture.data.samplingPercentage > 0 ? capture.data : null,
      projectId: row.projectId,
      status: row.status,
      variants: row.variants.filter((v) => !v.shadow).map(toRouting),
      shadow: row.variants.filter((v) => v.shadow).map((v) => ({ ...toRouting(v), samplingPercent: v.shadowSamplingPercent }))[0] ?? null,
      models: row.multiModel ? new Map(row.models.flatMap((m) => { const folder = modelFolderOf(row.projectId, m.modelVersion.files[0]?.storageKey); return folder ? [[m.name, folder] as const] : []; })) : null,
    };
  }

  function inProcessSpec(version: { id: string; onnx: unknown; signature: unknown; task: string | null; framework: string; model: { name: string }; files: { path: string; storageKey: string }[] }): InProcessSpec | null {
    const served = servedOnnx(version, store());
    if (!served) return null;
    const signature = signatureSchema.safeParse(jsonValue(version.signature, null));
    return { key: version.id, path: served.path, serving: served.serving, columns: signature.success ? signature.data.inputs : [], task: version.task as Task | null, name: version.model.name, framework: version.framework };
  }

  /** The loaded graph of a version (loaded once per web process, on its first request). */
  function modelFor(spec: InProcessSpec): Promise<InProcessModel> {
    let loading = models.get(spec.key);
    if (!loading) {
      loading = InProcessModel.load(spec);
      models.set(spec.key, loading);
      loading.catch(() => models.delete(spec.key));
    }
    return loading;
  }

  function callerOf(req: IncomingMessage): Caller | null | Promise<Caller | null> {
    // Cached by the token (a revoked token stops working within 5 s), or by the cookies of a
    // signed-in browser (the test console; a password change ends its session here within 5 s).
    const key = req.headers.authorization;
    if (key) return callers.get(key, () => database.call("caller", key));
    // A cookie counts only with an Origin naming this host: another site's page cannot use a signed-in browser.
    const cookies = req.headers.cookie;
    if (!cookies || !originMatchesHost(req.headers.origin, req.headers.host)) return null;
    return callers.get(`cookie:${cookies}`, () => database.call("session", cookies));
  }

  function roleIn(caller: Caller, projectId: string): Role | null | Promise<Role | null> {
    if (caller.principal.role === "admin") return "admin";
    const userId = caller.principal.id;
    return roles.get(`${userId}:${projectId}`, () => database.call("role", projectId, userId));
  }

  function keep(capture: DataCaptureConfig, req: IncomingMessage, routing: Routing, variant: RoutingVariant, input: Buffer, outputType: string | undefined, output: Buffer): void {
    const at = new Date();
    const inferenceId = req.headers["x-amzn-sagemaker-inference-id"];
    const record = captureRecord(
      capture,
      { contentType: req.headers["content-type"] ?? "application/octet-stream", body: input },
      { contentType: outputType ?? "application/octet-stream", body: output },
      at,
      typeof inferenceId === "string" ? inferenceId.slice(0, 256) : undefined,
    );
    captured.add(routing.name, variant.name, record, at);
  }

  function sampled(routing: Routing): DataCaptureConfig | null {
    return routing.capture && Math.random() * 100 < routing.capture.samplingPercentage ? routing.capture : null;
  }

  /** The exported graph's answer to one request, computed in this process. */
  async function inProcessAnswer(routing: Routing, variant: RoutingVariant, spec: InProcessSpec, action: string, body: Buffer, contentType: string, accept: string): Promise<Answer> {
    const json = (status: number, value: unknown): Answer => ({ status, contentType: "application/json", body: Buffer.from(JSON.stringify(value)) });
    let model: InProcessModel;
    try {
      model = await modelFor(spec);
    } catch (error) {
      console.error(`[web] loading the ONNX model of ${routing.name}/${variant.name} failed:`, error);
      return json(503, { error: { code: "unavailable", message: `Variant ${variant.name} of ${routing.name} could not load its ONNX model: ${(error as Error).message}` } });
    }
    try {
      if (action === "ping") return json(200, { status: "ok" });
      if (action === "ready") return json(200, { name: spec.name, ready: true });
      if (action === "metadata") return json(200, v2Metadata(model));
      if (action === "infer") {
        let request: unknown;
        try {
          request = JSON.parse(body.toString("utf8") || "{}");
        } catch (error) {
          throw new BadInput(`the body is not valid JSON (${(error as Error).message})`);
        }
        const predictions = await model.predict(model.rows(v2Records(model, request)));
        const id = request !== null && typeof request === "object" ? (request as { id?: unknown }).id : undefined;
        return json(200, v2Response(model, predictions, typeof id === "string" ? id : undefined, randomUUID));
      }
      const predictions = await model.predict(model.rows(parseBody(body, contentType)));
      const out = formatPredictions(predictions, accept);
      return { status: 200, contentType: out.contentType, body: Buffer.from(out.body) };
    } catch (error) {
      if (error instanceof BadInput) return json(400, { error: { code: "bad_request", message: error.message } });
      const errorId = randomUUID();
      console.error(`[web] [error ${errorId}] the ONNX model of ${routing.name}/${variant.name} raised:`, error);
      return json(500, { error: { code: "model_error", message: "the model raised an error while predicting (see the endpoint's log)", errorId } });
    }
  }

  /** Answers with the variant's exported graph, in this process. */
  async function answerInProcess(req: IncomingMessage, res: ServerResponse, routing: Routing, variant: RoutingVariant, spec: InProcessSpec, action: string, mirror: Mirror | null, timing: Timing): Promise<void> {
    const body = await readBody(req);
    if (body === null) return send(res, 413, "payload_too_large", `The request body is over ${MAX_PAYLOAD_BYTES} bytes (6 MB), the most an endpoint takes.`);
    const began = performance.now();
    const answer = await inProcessAnswer(routing, variant, spec, action, body, req.headers["content-type"] ?? "text/csv", req.headers.accept ?? "application/json");
    timing.modelMs = performance.now() - began;
    const headers: Record<string, string | number> = { "X-Amzn-Invoked-Production-Variant": variant.name, "Content-Type": answer.contentType, "Content-Length": answer.body.length, "Server-Timing": serverTiming(timing.modelMs) };
    const attributes = req.headers["x-amzn-sagemaker-custom-attributes"];
    if (typeof attributes === "string") headers["X-Amzn-SageMaker-Custom-Attributes"] = attributes;
    res.writeHead(answer.status, headers).end(answer.body);
    const capture = answer.status === 200 ? sampled(routing) : null;
    if (capture) keep(capture, req, routing, variant, body, answer.contentType, answer.body);
    if (mirror) shadowCall(req, routing, mirror, body, { variant: variant.name, ...answer });
  }

  /**
   * The shadow variant's answer to a copy of a request the production variant already answered:
   * counted under the shadow's name and written beside the production answer (shadow/… in the
   * artifact store) for comparison; never returned to the caller.
   */
  function shadowCall(req: IncomingMessage, routing: Routing, mirror: Mirror, input: Buffer, production: Answer & { variant: string }): void {
    const { shadow, upstreamPath, action } = mirror;
    const started = performance.now();
    const contentType = req.headers["content-type"] ?? "text/csv";
    const accept = req.headers.accept ?? "application/json";
    const done = (answer: Answer) => {
      const ms = performance.now() - started;
      stats.record(routing.endpointId, shadow.name, answer.status, ms);
      const at = new Date();
      const inferenceId = req.headers["x-amzn-sagemaker-inference-id"];
      captured.add(
        routing.name,
        shadow.name,
        shadowRecord({ contentType, body: input }, production, { variant: shadow.name, ...answer }, ms, at, typeof inferenceId === "string" ? inferenceId.slice(0, 256) : undefined),
        at,
        "shadow",
      );
    };
    if (shadow.inProcess) {
      void inProcessAnswer(routing, shadow, shadow.inProcess, action, input, contentType, accept).then(done);
      return;
    }
    if (shadow.ports.length === 0) return done({ status: 503, contentType: "application/json", body: Buffer.from('{"error":{"code":"unavailable","message":"the shadow variant has no model server ready"}}') });
    const port = shadow.ports[turn++ % shadow.ports.length];
    const upstream = http.request(
      { host: "127.0.0.1", port, path: upstreamPath, method: "POST", headers: { "content-type": contentType, accept, "content-length": input.length }, agent, timeout: TIMEOUT_MS },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on("data", (chunk: Buffer) => chunks.push(chunk));
        answer.once("end", () => done({ status: answer.statusCode ?? 502, contentType: answer.headers["content-type"] ?? "application/octet-stream", body: Buffer.concat(chunks) }));
      },
    );
    upstream.setNoDelay(true);
    upstream.on("timeout", () => upstream.destroy(new Error("timeout")));
    upstream.on("error", (error) => done({ status: error.message === "timeout" ? 504 : 503, contentType: "application/json", body: Buffer.from(JSON.stringify({ error: { code: "unavailable", message: error.message } })) }));
    upstream.end(input);
  }

  function proxy(req: IncomingMessage, res: ServerResponse, routing: Routing, variant: RoutingVariant, upstreamPath: string, mirror: Mirror | null, timing: Timing, attempt = 0): void {
    const port = variant.ports[turn++ % variant.ports.length];
    // Sampled for data capture, or mirrored to a shadow: the bodies are kept (at most 6 MB each)
    // while they stream through.
    const capture = attempt === 0 ? sampled(routing) : null;
    const keepBodies = capture !== null || mirror !== null;
    const input: Buffer[] = [];
    if (keepBodies) req.on("data", (chunk: Buffer) => input.push(chunk));
    const headers: Record<string, string> = {};
    for (const name of ["content-type", "accept", "content-length", "x-amzn-sagemaker-custom-attributes", "x-amzn-sagemaker-inference-id"]) {
      const value = req.headers[name];
      if (typeof value === "string") headers[name] = value;
    }
    const sentAt = performance.now();
    const upstream = http.request({ host: "127.0.0.1", port, path: upstreamPath, method: req.method, headers, agent, timeout: TIMEOUT_MS }, (answer) => {
      const out: Record<string, string | number> = { "X-Amzn-Invoked-Production-Variant": variant.name, "Server-Timing": serverTiming(performance.now() - sentAt) };
      answer.once("end", () => (timing.modelMs = performance.now() - sentAt));
      for (const name of ["content-type", "content-length", "x-amzn-sagemaker-custom-attributes", ...MODEL_CACHE_HEADERS]) {
        const value = answer.headers[name];
        if (typeof value === "string") out[name] = value;
      }
      res.writeHead(answer.statusCode ?? 502, out);
      if (keepBodies) {
        const output: Buffer[] = [];
        answer.on("data", (chunk: Buffer) => output.push(chunk));
        answer.once("end", () => {
          const body = Buffer.concat(input);
          if (capture) keep(capture, req, routing, variant, body, answer.headers["content-type"], Buffer.concat(output));
          if (mirror) shadowCall(req, routing, mirror, body, { variant: variant.name, status: answer.statusCode ?? 502, contentType: answer.headers["content-type"] ?? "application/octet-stream", body: Buffer.concat(output) });
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
      if (error.code === "ECONNREFUSED" && attempt + 1 < variant.ports.length) return proxy(req, res, routing, variant, upstreamPath, mirror, timing, attempt + 1);
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
      const routing = await routes.get(name, () => loadRouting(name));
      const role = routing ? await roleIn(caller, routing.projectId) : null;
      if (!routing || !role || !can(role, "models:read")) return send(res, 404, "not_found", `No endpoint named ${name}.`);

      // Counted from here: the endpoint is known and the caller may use it.
      let counted = "(none)";
      const timing: Timing = { modelMs: null };
      res.once("finish", () => stats.record(routing.endpointId, counted, res.statusCode, performance.now() - started, timing.modelMs));
      const target = req.headers["x-amzn-sagemaker-target-variant"];
      const named = typeof target === "string" ? target : undefined;
      const variant = named && routing.shadow?.name === named ? routing.shadow : pickVariant(routing.variants, named);
      if ("error" in variant) {
        const all = [...routing.variants, ...(routing.shadow ? [routing.shadow] : [])];
        if (variant.error === "unknown") return send(res, 404, "unknown_variant", `Endpoint ${name} has no variant named ${String(target)} (it has ${all.map((v) => v.name).join(", ")}).`);
        return send(res, 503, "unavailable", `Endpoint ${name} has no model server ready yet (status ${routing.status}).`);
      }
      counted = variant.name;
      let upstreamPath = action === "invocations" ? "/invocations" : action === "ping" ? "/ping" : action === "infer" ? "/v2/models/model/infer" : action === "ready" ? "/v2/models/model/ready" : "/v2/models/model";
      if (routing.models && action !== "ping") {
        // A multi-model endpoint: the target-model header picks the model its servers load on demand.
        const header = req.headers["x-amzn-sagemaker-target-model"];
        const names = [...routing.models.keys()];
        const listed = names.length ? `it has ${names.slice(0, 20).join(", ")}${names.length > 20 ? ", …" : ""}` : "it has no models yet";
        if (typeof header !== "string" || !header) return send(res, 400, "target_model_required", `Endpoint ${name} is a multi-model endpoint: name the model with the X-Amzn-SageMaker-Target-Model header (${listed}).`);
        const folder = routing.models.get(header);
        if (!folder) return send(res, 404, "unknown_model", `Endpoint ${name} has no model named ${header} (${listed}).`);
        upstreamPath = `/models/${folder}${upstreamPath === "/invocations" ? "/invocations" : upstreamPath.replace("/v2/models/model", "/v2")}?name=${encodeURIComponent(header)}`;
      }
      // A copy for the shadow variant (a sampled share of what production answers; never when the
      // caller named a variant).
      const shadow = routing.shadow;
      const mirror = shadow && wantsPost && !target && Math.random() * 100 < shadow.samplingPercent ? { shadow, upstreamPath, action } : null;
      if (variant.inProcess) return answerInProcess(req, res, routing, variant, variant.inProcess, action, mirror, timing);
      if (variant.ports.length === 0) return send(res, 503, "unavailable", `Variant ${variant.name} of ${name} has no model server ready yet.`);
      proxy(req, res, routing, variant, upstreamPath, mirror, timing);
    },

    /** Writes the counts and captured data gathered so far (both flush on their own every 5 s). */
    async flush(): Promise<void> {
      await flushAll();
    },

    async close(): Promise<void> {
      clearInterval(flushing);
      for (const cache of [routes, callers, roles]) cache.close();
      await flushAll();
      await database.close();
      agent.destroy();
    },
  };
}
