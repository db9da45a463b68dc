// Endpoints end to end on both databases: a scikit-learn model trained by kernels/.venv's Python
// (in the kernel sandbox), registered from a run, deployed; the worker's pass starts real model
// servers (python -m studio.serving, sandboxed) and the web process's router answers
// /endpoints/{name}/invocations and /v2/models/{name}/infer with the model's own predictions.
// Bad input, auth, unknown variants, weights, a killed server and deletion are covered too.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { setupTestDb } from "@/test/db";
import { expectAppError, makePrincipal } from "@/test/fixtures";
import { exportNow, registerModelFolder, runPythonInSandbox, startExportHost } from "@/test/models";
import { LocalArtifactStore } from "@/server/artifacts/artifact-store";
import { createProject } from "@/server/projects/create-project";
import { setProjectMember } from "@/server/projects/set-project-member";
import { setModelApproval } from "@/server/models/update-model";
import { createApiToken } from "@/server/tokens/create-api-token";
import { createEndpointInput, updateEndpointInput } from "@/server/endpoints/endpoint-schemas";
import { createEndpoint, deleteEndpoint, getEndpoint, getEndpointLogs, updateEndpoint } from "@/server/endpoints/manage-endpoints";
import { stopAllReplicas, tickEndpoints } from "@/server/endpoints/run-endpoints";
import { createInvocationRouter, pickVariant } from "@/server/endpoints/route-invocations";
import { getEndpointStats } from "@/server/endpoints/invocation-stats";
import { addEndpointModel, endpointModelCache, removeEndpointModel } from "@/server/endpoints/multi-model";
import { autoscaleEndpoints, decideScaling, setVariantAutoscaling } from "@/server/endpoints/autoscaling";
import { autoscalingPolicy } from "@/lib/endpoints";
import { ONNX_EXPORT_PATH } from "@/server/models/onnx-export-runtime";
import type { Principal } from "@/server/auth/principal";
// @ts-expect-error -- plain JavaScript (scripts/ run before node_modules exist).
import { dataDir } from "../../scripts/lib/setup.mjs";

const db = setupTestDb();
const storeRoot = mkdtempSync(path.join(os.tmpdir(), "endpoints-test-"));
const store = new LocalArtifactStore(storeRoot);
// Training runs kernels/.venv's Python, so inside the sandbox, writing only to its workspace.
const work = path.join(dataDir as string, `test-endpoints-${process.pid}`);
let trained: { dir: string; fastDir: string; rows: (string | number)[][]; labels: number[]; probabilities: number[][] };

const TRAIN = `
import json, numpy as np, pandas as pd, studio
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
rng = np.random.default_rng(7)
n = 300
x = pd.DataFrame({"tenure": rng.integers(0, 72, n), "spend": rng.normal(50, 20, n).round(2), "plan": rng.choice(["basic", "plus", "pro"], n)})
y = ((x["spend"] > 55) ^ (x["plan"] == "pro")).astype(int)
pre = ColumnTransformer([("num", StandardScaler(), ["tenure", "spend"]), ("cat", OneHotEncoder(handle_unknown="ignore"), ["plan"])])
model = make_pipeline(pre, LogisticRegression(max_iter=500)).fit(x, y)
studio.save_model(model, "model", input_example=x, metrics={"validation:accuracy": float((model.predict(x) == y).mean())})
from sklearn.linear_model import LinearRegression
studio.save_model(LinearRegression().fit(x[["tenure", "spend"]], x["spend"] * 2), "fast", input_example=x[["tenure", "spend"]])
sample = x.head(20)
json.dump({"rows": sample.values.tolist(), "labels": model.predict(sample).tolist(), "probabilities": model.predict_proba(sample).tolist()}, open("expected.json", "w"))
`;

beforeAll(() => {
  mkdirSync(work, { recursive: true });
  runPythonInSandbox(TRAIN, work);
  trained = { dir: path.join(work, "model"), fastDir: path.join(work, "fast"), ...JSON.parse(readFileSync(path.join(work, "expected.json"), "utf8")) };
}, 150_000);

afterEach(async () => {
  await stopAllReplicas();
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(storeRoot, { recursive: true, force: true });
});

function registeredVersion(principal: Principal, projectId: string, dir = trained.dir) {
  return registerModelFolder(db, store, principal, projectId, dir, path.basename(dir));
}

async function setup() {
  const { principal } = await makePrincipal(db, "data_scientist");
  const project = await createProject(db, { name: `E ${Math.random().toString(36).slice(2, 8)}`, description: "" }, principal);
  const version = await registeredVersion(principal, project.id);
  const { token } = await createApiToken(db, { name: "app" }, principal);
  return { principal, project, version, token };
}

/** Worker passes until the endpoint is InService (or Failed). */
async function untilInService(endpointId: string, principal: Principal, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await tickEndpoints(db, store);
    const view = await getEndpoint(db, endpointId, principal);
    if (view.status === "InService" || view.status === "Failed") return view;
    if (Date.now() > deadline) throw new Error(`endpoint still ${view.status}: ${view.statusReason}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

let server: http.Server | null = null;
let router: ReturnType<typeof createInvocationRouter> | null = null;
let base: Promise<string> | null = null;
/** The web process's router on a port of its own (started once, shared by the tests). */
function studioBase(): Promise<string> {
  base ??= new Promise((resolve) => {
    const r = (router = createInvocationRouter(db, { store: () => store }));
    server = http.createServer((req, res) => void r.handle(req, res));
    server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server!.address() as AddressInfo).port}`));
  });
  return base;
}
afterAll(async () => {
  await router?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(null)));
});

async function invoke(name: string, token: string | null, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${await studioBase()}/endpoints/${name}/invocations`, {
    method: "POST",
    headers: { "Content-Type": "text/csv", ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers },
    body,
  });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

const csv = (rows: (string | number)[][]) => rows.map((r) => r.join(",")).join("\n");

/** Three callers invoking the endpoint non-stop until stop(); what did not answer 200, and which variants answered. */
function steadyLoad(name: string, token: string, body: string) {
  let running = true;
  const failures: string[] = [];
  const answeredBy: Record<string, number> = {};
  const callers = Promise.all(
    Array.from({ length: 3 }, async () => {
      while (running) {
        const answer = await invoke(name, token, body);
        if (answer.status !== 200) failures.push(`${answer.status} ${answer.body}`);
        const variant = answer.headers.get("x-amzn-invoked-production-variant") ?? "?";
        answeredBy[variant] = (answeredBy[variant] ?? 0) + 1;
      }
    }),
  );
  return {
    failures,
    answeredBy,
    stop: async () => {
      running = false;
      await callers;
    },
  };
}

/** Worker passes until `done`. */
async function tickUntil(done: () => Promise<boolean>, what: string, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await tickEndpoints(db, store);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("a real-time endpoint", () => {
  it("serves the model's own predictions through /invocations and the V2 protocol; bad input is 400 naming the schema", async () => {
    const { principal, project, version, token } = await setup();
    const name = `churn-${Math.random().toString(36).slice(2, 8)}`;
    const created = await createEndpoint(db, project.id, createEndpointInput.parse({ name, variants: [{ modelVersionId: version.id }] }), principal);
    expect(created.status).toBe("Creating");
    const ready = await untilInService(created.id, principal);
    expect(ready.status, ready.statusReason ?? "").toBe("InService");
    expect(ready.variants[0]).toMatchObject({ name: "AllTraffic", readyReplicas: 1, share: 1 });

    const answer = await invoke(name, token, csv(trained.rows));
    expect(answer.status, answer.body).toBe(200);
    expect(answer.headers.get("x-amzn-invoked-production-variant")).toBe("AllTraffic");
    // The model's share of the latency, for the caller (W3C Server-Timing).
    expect(answer.headers.get("server-timing")).toMatch(/^model;dur=\d+\.\d{3}$/);
    const predictions = JSON.parse(answer.body).predictions as { predicted_label: number; probabilities: number[] }[];
    expect(predictions.map((p) => p.predicted_label)).toEqual(trained.labels);
    predictions.forEach((p, i) => p.probabilities.forEach((q, j) => expect(Math.abs(q - trained.probabilities[i][j])).toBeLessThan(1e-5)));

    const asCsv = await invoke(name, token, csv(trained.rows.slice(0, 2)), { Accept: "text/csv" });
    expect(asCsv.body.trim().split("\n").map((l) => Number(l.split(",")[0]))).toEqual(trained.labels.slice(0, 2));

    const v2 = await fetch(`${await studioBase()}/v2/models/${name}/infer`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: JSON.stringify({ inputs: [{ name: "input-0", shape: [2, 3], datatype: "BYTES", data: trained.rows.slice(0, 2) }] }),
    });
    const v2Body = await v2.json();
    expect(v2.status).toBe(200);
    expect(v2Body.outputs.find((o: { name: string }) => o.name === "predicted_label").data).toEqual(trained.labels.slice(0, 2));

    const bad = await invoke(name, token, "1,2");
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error.message).toContain("the model takes 3 columns: tenure (integer), spend (float), plan (string)");
    expect((await invoke(name, null, "1,2,pro")).status).toBe(401);
    expect((await invoke(`${name}-nope`, token, "1,2,pro")).status).toBe(404);
    const unknownVariant = await invoke(name, token, "1,2,pro", { "X-Amzn-SageMaker-Target-Variant": "Canary" });
    expect(unknownVariant.status).toBe(404);
    expect(JSON.parse(unknownVariant.body).error.message).toContain("it has AllTraffic");
    const huge = await fetch(`${await studioBase()}/endpoints/${name}/invocations`, { method: "POST", headers: { "Content-Type": "text/csv", Authorization: `Bearer ${token}` }, body: "1,2.5,pro\n".repeat(700_000) });
    expect(huge.status).toBe(413);

    // The router counted what it routed: per variant and minute, with latency and errors.
    await router!.flush();
    const stats = await getEndpointStats(db, created.id, principal, 5);
    expect(stats.last5Minutes.count).toBe(5); // 3 answered, 1 bad input, 1 unknown variant (the 401/404/413 never reached it)
    expect(stats.last5Minutes.clientErrorRate).toBeCloseTo(2 / 5);
    expect(stats.variants).toMatchObject([{ variant: "AllTraffic", count: 4 }]);
    expect(stats.last5Minutes.p50Ms).toBeGreaterThan(0);
    expect(stats.series).toHaveLength(5);
    expect(stats.series.at(-1)!.count).toBe(5);
    // The router's overhead (latency minus the model server's answer time) over the 4 answers a
    // model computed (bad input is the model server's 400; the unknown variant never reached one).
    expect(stats.last5Minutes.overhead).toMatchObject({ count: 4 });
    expect(stats.last5Minutes.overhead!.meanMs).toBeGreaterThan(0);
    expect(stats.last5Minutes.overhead!.meanMs * 4).toBeLessThan(stats.last5Minutes.meanMs! * 5);
    expect(stats.last5Minutes.overhead!.p99Ms!).toBeLessThanOrEqual(stats.last5Minutes.p99Ms!);
    // A later flush adds to the minute's row (the histograms merge).
    expect((await invoke(name, token, csv(trained.rows.slice(0, 1)))).status).toBe(200);
    await router!.flush();
    const again = await getEndpointStats(db, created.id, principal, 5);
    expect(again.last5Minutes.count).toBe(6);
    expect(again.last5Minutes.overhead).toMatchObject({ count: 5 });

    // Someone outside the project gets 404, as if it did not exist.
    const stranger = await makePrincipal(db, "data_scientist");
    const { token: strangerToken } = await createApiToken(db, { name: "other" }, stranger.principal);
    expect((await invoke(name, strangerToken, "1,2,pro")).status).toBe(404);
  }, 120_000);

  it("restarts a model server that dies, and stops them all when the endpoint is deleted", async () => {
    const { principal, project, version, token } = await setup();
    const name = `churn-${Math.random().toString(36).slice(2, 8)}`;
    const created = await createEndpoint(db, project.id, createEndpointInput.parse({ name, variants: [{ modelVersionId: version.id }] }), principal);
    await untilInService(created.id, principal);
    const replica = await db.endpointReplica.findFirstOrThrow({ where: { variant: { endpointId: created.id } } });
    process.kill(-replica.pid!, "SIGKILL");
    await new Promise((r) => setTimeout(r, 300));
    const deadline = Date.now() + 60_000;
    let answer = await invoke(name, token, "5,60.5,pro");
    while (answer.status !== 200 && Date.now() < deadline) {
      expect(answer.status).toBe(503); // said so, never hangs
      await tickEndpoints(db, store);
      await new Promise((r) => setTimeout(r, 300));
      answer = await invoke(name, token, "5,60.5,pro");
    }
    expect(answer.status, answer.body).toBe(200);
    const again = await db.endpointReplica.findFirstOrThrow({ where: { variant: { endpointId: created.id } } });
    expect(again.id).not.toBe(replica.id);
    // The log tells the story: started, ready, exited, started again (and what the server printed).
    const logs = (await getEndpointLogs(db, created.id, principal, { limit: 100 })).map((l) => l.line);
    expect(logs.some((l) => l.startsWith("serving model"))).toBe(true);
    expect(logs.filter((l) => l.startsWith("Starting a model server")).length).toBeGreaterThanOrEqual(2);
    expect(logs.some((l) => /exited \(SIGKILL|exited \(code/.test(l))).toBe(true);
    expect(logs.filter((l) => l.endsWith("ready")).length).toBeGreaterThanOrEqual(2);

    await deleteEndpoint(db, created.id, principal);
    await tickEndpoints(db, store);
    expect(await db.endpoint.findUnique({ where: { id: created.id } })).toBeNull();
    expect(() => process.kill(again.pid!, 0)).toThrow();
  }, 120_000);

  it("splits traffic by weight, honours the target-variant header, and takes only approved versions for production", async () => {
    const { principal, project, token } = await setup();
    const version = await registeredVersion(principal, project.id, trained.fastDir);
    const refused = await expectAppError(createEndpoint(db, project.id, createEndpointInput.parse({ name: "prod-x", production: true, variants: [{ modelVersionId: version.id }] }), principal), "validation_failed");
    expect(refused.issues?.[0]).toMatchObject({ path: "variants.0.modelVersionId" });
    expect(refused.message).toContain("PendingManualApproval");
    await setModelApproval(db, version.id, { status: "Approved", comment: "ok" }, principal);
    const name = `prod-${Math.random().toString(36).slice(2, 8)}`;
    const created = await createEndpoint(
      db,
      project.id,
      createEndpointInput.parse({ name, production: true, variants: [{ name: "Blue", modelVersionId: version.id, weight: 70 }, { name: "Green", modelVersionId: version.id, weight: 30 }] }),
      principal,
    );
    expect(created.variants.map((v) => v.share)).toEqual([0.7, 0.3]);
    await untilInService(created.id, principal);
    const counts: Record<string, number> = {};
    let sent = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (sent < 2_000) {
          sent++;
          const answer = await invoke(name, token, "5,60.5");
          expect(answer.status, answer.body).toBe(200);
          const variant = answer.headers.get("x-amzn-invoked-production-variant")!;
          counts[variant] = (counts[variant] ?? 0) + 1;
        }
      }),
    );
    expect(counts.Blue + counts.Green).toBe(2_000);
    expect(Math.abs(counts.Blue / 2_000 - 0.7)).toBeLessThan(0.05);
    const targeted = await invoke(name, token, "5,60.5", { "X-Amzn-SageMaker-Target-Variant": "Green" });
    expect(targeted.headers.get("x-amzn-invoked-production-variant")).toBe("Green");
    // A viewer of the project may call it too; not change it.
    const viewer = await makePrincipal(db, "viewer");
    await setProjectMember(db, project.id, { userId: viewer.user.id, role: "viewer" }, principal);
    await expectAppError(deleteEndpoint(db, created.id, viewer.principal), "forbidden");
  }, 180_000);

  it("captures a sampled share of requests and answers as SageMaker capture JSON Lines, by variant and hour", async () => {
    const { principal, project, token } = await setup();
    const version = await registeredVersion(principal, project.id, trained.fastDir);
    const name = `cap-${Math.random().toString(36).slice(2, 8)}`;
    const created = await createEndpoint(db, project.id, createEndpointInput.parse({ name, dataCapture: { samplingPercentage: 100 }, variants: [{ modelVersionId: version.id }] }), principal);
    expect(created.dataCapture).toMatchObject({ samplingPercentage: 100, captureInput: true, captureOutput: true });
    await untilInService(created.id, principal);
    expect((await invoke(name, token, "5,60.5", { "X-Amzn-SageMaker-Inference-Id": "order-17" })).status).toBe(200);
    const json = await fetch(`${await studioBase()}/endpoints/${name}/invocations`, { method: "POST", headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` }, body: '{"instances": [[1, 2.5]]}' });
    expect(json.status).toBe(200);
    await router!.flush();
    const now = new Date();
    const hourDir = path.join(storeRoot, "objects", "capture", name, "AllTraffic", String(now.getUTCFullYear()), String(now.getUTCMonth() + 1).padStart(2, "0"), String(now.getUTCDate()).padStart(2, "0"));
    const hours = readdirSync(hourDir);
    const lines = hours.flatMap((h) => readdirSync(path.join(hourDir, h)).flatMap((f) => readFileSync(path.join(hourDir, h, f), "utf8").trim().split("\n"))).map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    const csvLine = lines.find((l) => l.captureData.endpointInput.encoding === "CSV")!;
    expect(csvLine).toMatchObject({
      captureData: {
        endpointInput: { observedContentType: "text/csv", mode: "INPUT", data: "5,60.5", encoding: "CSV" },
        endpointOutput: { observedContentType: "application/json", mode: "OUTPUT", encoding: "JSON" },
      },
      eventMetadata: { inferenceId: "order-17" },
      eventVersion: "0",
    });
    expect(JSON.parse(csvLine.captureData.endpointOutput.data).predictions).toHaveLength(1);
    expect(csvLine.eventMetadata.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(csvLine.eventMetadata.inferenceTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    const jsonLine = lines.find((l) => l.captureData.endpointInput.encoding === "JSON")!;
    expect(jsonLine.captureData.endpointInput.data).toBe('{"instances": [[1, 2.5]]}');
    expect(jsonLine.eventMetadata.inferenceId).toBeUndefined();
    expect(createEndpointInput.safeParse({ name: "x", dataCapture: { samplingPercentage: 101 }, variants: [{ modelVersionId: "v" }] }).success).toBe(false);
    expect(createEndpointInput.safeParse({ name: "x", dataCapture: { captureInput: false, captureOutput: false }, variants: [{ modelVersionId: "v" }] }).success).toBe(false);
  }, 120_000);

  it("refuses invalid weights and duplicate names", () => {
    expect(createEndpointInput.safeParse({ name: "a", variants: [{ modelVersionId: "v", weight: -1 }] }).success).toBe(false);
    expect(createEndpointInput.safeParse({ name: "a", variants: [{ modelVersionId: "v", weight: 0 }] }).error?.issues[0].message).toContain("weight above 0");
    expect(createEndpointInput.safeParse({ name: "a", variants: [{ name: "x", modelVersionId: "v" }, { name: "x", modelVersionId: "w" }] }).success).toBe(false);
    expect(createEndpointInput.safeParse({ name: "bad_name", variants: [{ modelVersionId: "v" }] }).success).toBe(false);
    expect(pickVariant([{ name: "a", weight: 1, ports: [], inProcess: null }], undefined)).toEqual({ error: "none_ready" });
  });

  it("serves a version's ONNX export in-process, answering exactly as the Python model server does", async () => {
    const { principal, project, version, token } = await setup();
    expect(version.onnxStatus).toBe("pending");
    // Asked for before the export ran: refused, naming the field and why.
    const early = await expectAppError(createEndpoint(db, project.id, createEndpointInput.parse({ name: "too-early", variants: [{ modelVersionId: version.id, runtime: "onnx" }] }), principal), "validation_failed");
    expect(early.issues?.[0]).toMatchObject({ path: "variants.0.runtime" });
    expect(early.message).toContain("still being exported to ONNX");

    // Exported in a kernel on a real gateway (the local host), as the worker does.
    const exporter = await startExportHost(db, store);
    await exporter.addLocalHost();
    const exported = await exportNow(db, version.id, exporter.api).finally(() => exporter.stop());
    const report = exported.report;
    expect(exported.onnxStatus, report.reason).toBe("converted");
    expect(report).toMatchObject({ converter: "skl2onnx", file: ONNX_EXPORT_PATH });
    expect(report.maxDifference).toBeLessThanOrEqual(1e-5);
    expect(exported.files.map((f) => f.path)).toContain(ONNX_EXPORT_PATH);

    const name = `onnx-${Math.random().toString(36).slice(2, 8)}`;
    const created = await createEndpoint(
      db,
      project.id,
      createEndpointInput.parse({ name, dataCapture: { samplingPercentage: 100 }, variants: [{ name: "Onnx", modelVersionId: version.id }, { name: "Python", modelVersionId: version.id, weight: 0, runtime: "python" }] }),
      principal,
    );
    expect(created.variants.map((v) => v.runtime)).toEqual(["onnx", "python"]); // "auto" took the export
    const ready = await untilInService(created.id, principal);
    expect(ready.status, ready.statusReason ?? "").toBe("InService");
    expect(ready.variants[0].replicaStates).toEqual([]); // no process: the web server answers

    const both = async (body: string, headers: Record<string, string> = {}) => {
      const onnx = await invoke(name, token, body, headers);
      const python = await invoke(name, token, body, { ...headers, "X-Amzn-SageMaker-Target-Variant": "Python" });
      expect(onnx.headers.get("x-amzn-invoked-production-variant")).toBe("Onnx");
      expect(python.headers.get("x-amzn-invoked-production-variant")).toBe("Python");
      return { onnx, python };
    };
    const { onnx, python } = await both(csv(trained.rows));
    expect(onnx.status, onnx.body).toBe(200);
    expect(onnx.headers.get("server-timing")).toMatch(/^model;dur=\d+\.\d{3}$/); // the graph's own time
    const fromOnnx = JSON.parse(onnx.body).predictions as { predicted_label: number; probability: number; probabilities: number[] }[];
    const fromPython = JSON.parse(python.body).predictions as typeof fromOnnx;
    expect(fromOnnx.map((p) => p.predicted_label)).toEqual(trained.labels);
    fromOnnx.forEach((p, i) => {
      p.probabilities.forEach((q, j) => expect(Math.abs(q - trained.probabilities[i][j])).toBeLessThan(1e-5));
      expect(Math.abs(p.probability - fromPython[i].probability)).toBeLessThan(1e-5);
    });
    // Missing values, JSON records by name, CSV answers and bad input: the same as the Python server's.
    // (This pipeline has no imputer, so only missing text; the built-in pipelines' imputing is in kernels/tests/test_onnx_export.py.)
    const missing = await both('[{"tenure": 5, "spend": 70, "plan": "pro"}, {"tenure": 0, "spend": 12.5, "plan": null}, [3, "4.5", "plus"]]', { "Content-Type": "application/json" });
    expect(missing.onnx.status, missing.onnx.body).toBe(200);
    expect(missing.python.status, missing.python.body).toBe(200);
    const [a, b] = [JSON.parse(missing.onnx.body).predictions, JSON.parse(missing.python.body).predictions];
    expect(a.map((p: { predicted_label: number }) => p.predicted_label)).toEqual(b.map((p: { predicted_label: number }) => p.predicted_label));
    a.forEach((p: { probability: number }, i: number) => expect(Math.abs(p.probability - b[i].probability)).toBeLessThan(1e-5));
    const asCsv = await both(csv(trained.rows.slice(0, 3)), { Accept: "text/csv" });
    const cells = (text: string) => text.trim().split("\n").map((l) => l.split(",").map(Number));
    cells(asCsv.onnx.body).forEach((row, i) => {
      expect(row[0]).toBe(cells(asCsv.python.body)[i][0]);
      expect(Math.abs(row[1] - cells(asCsv.python.body)[i][1])).toBeLessThan(1e-5);
    });
    for (const bad of ["1,2", "x,2.5,pro", '{"instances": [{"tenure": 1}]}', "not json"]) {
      const contentType = bad.startsWith("{") || bad === "not json" ? "application/json" : "text/csv";
      const answers = await both(bad, { "Content-Type": contentType });
      expect(answers.onnx.status, bad).toBe(400);
      expect(answers.python.status, bad).toBe(400);
      if (bad !== "not json") expect(JSON.parse(answers.onnx.body).error.message).toBe(JSON.parse(answers.python.body).error.message);
    }
    const v2 = await fetch(`${await studioBase()}/v2/models/${name}/infer`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: JSON.stringify({ id: "r1", inputs: [{ name: "tenure", shape: [2], datatype: "INT64", data: [trained.rows[0][0], trained.rows[1][0]] }, { name: "spend", shape: [2], datatype: "FP64", data: [trained.rows[0][1], trained.rows[1][1]] }, { name: "plan", shape: [2], datatype: "BYTES", data: [trained.rows[0][2], trained.rows[1][2]] }] }),
    });
    const v2Body = await v2.json();
    expect(v2.status, JSON.stringify(v2Body)).toBe(200);
    expect(v2Body).toMatchObject({ model_name: "model", id: "r1" });
    expect(v2Body.outputs.find((o: { name: string }) => o.name === "predicted_label")).toMatchObject({ datatype: "INT64", shape: [2], data: trained.labels.slice(0, 2) });

    // Counted and captured like proxied requests.
    await router!.flush();
    const stats = await getEndpointStats(db, created.id, principal, 5);
    expect(stats.variants.find((v) => v.variant === "Onnx")).toMatchObject({ count: 8, overhead: { count: 8 } });
    const now = new Date();
    const dayDir = path.join(storeRoot, "objects", "capture", name, "Onnx", String(now.getUTCFullYear()), String(now.getUTCMonth() + 1).padStart(2, "0"), String(now.getUTCDate()).padStart(2, "0"));
    const captured = readdirSync(dayDir).flatMap((h) => readdirSync(path.join(dayDir, h)).flatMap((f) => readFileSync(path.join(dayDir, h, f), "utf8").trim().split("\n")));
    expect(captured.length).toBe(4); // the four answered requests (V2 included); bad input is not captured
  }, 180_000);

  it("updates versions and weights without dropping a request, rolls back a version that fails its health checks, and mirrors to a shadow", async () => {
    const { principal, project, token } = await setup();
    const first = await registeredVersion(principal, project.id, trained.fastDir);
    const second = await registeredVersion(principal, project.id, trained.fastDir);
    // A version whose model file is not a model: its servers die on start.
    const brokenDir = path.join(work, "broken");
    mkdirSync(brokenDir, { recursive: true });
    copyFileSync(path.join(trained.fastDir, "studio-model.json"), path.join(brokenDir, "studio-model.json"));
    writeFileSync(path.join(brokenDir, "model.joblib"), "not a pickle");
    const broken = await registeredVersion(principal, project.id, brokenDir);
    const name = `upd-${Math.random().toString(36).slice(2, 8)}`;
    const python = (modelVersionId: string, extra: Record<string, unknown> = {}) => ({ name: "Blue", modelVersionId, runtime: "python", ...extra });
    const created = await createEndpoint(db, project.id, createEndpointInput.parse({ name, variants: [python(first.id)] }), principal);
    await untilInService(created.id, principal);

    // Requests keep coming the whole time; every one must be answered.
    const load = steadyLoad(name, token, "5,60.5");
    const { failures, answeredBy } = load;
    const variantsNow = () => db.endpointVariant.findMany({ where: { endpointId: created.id }, orderBy: { createdAt: "asc" } });
    try {
      // A new version: started beside the old one, switched in one step, the old one drained.
      const updating = await updateEndpoint(db, created.id, updateEndpointInput.parse({ variants: [python(second.id)] }), principal);
      expect(updating.status).toBe("Updating");
      expect(updating.variants.map((v) => v.state)).toEqual(["superseded", "pending"]);
      await expectAppError(updateEndpoint(db, created.id, updateEndpointInput.parse({ variants: [python(first.id)] }), principal), "conflict");
      await tickUntil(async () => (await variantsNow()).every((v) => v.state === "active"), "the switch and the drain");
      expect((await variantsNow()).map((v) => v.modelVersionId)).toEqual([second.id]);
      expect((await getEndpoint(db, created.id, principal)).status).toBe("InService");

      // Weights only: applied in place, no new servers.
      const replicaBefore = await db.endpointReplica.findFirstOrThrow({ where: { variant: { endpointId: created.id } } });
      const weighted = await updateEndpoint(db, created.id, updateEndpointInput.parse({ variants: [python(second.id, { weight: 3 })] }), principal);
      expect(weighted.status).toBe("InService");
      expect(weighted.variants).toMatchObject([{ weight: 3, state: "active" }]);
      expect((await db.endpointReplica.findFirstOrThrow({ where: { variant: { endpointId: created.id } } })).id).toBe(replicaBefore.id);

      // A version that never starts: rolled back, the current one keeps serving.
      await updateEndpoint(db, created.id, updateEndpointInput.parse({ variants: [python(broken.id)] }), principal);
      await tickUntil(async () => (await getEndpoint(db, created.id, principal)).status !== "Updating", "the rollback");
      const rolledBack = await getEndpoint(db, created.id, principal);
      expect(rolledBack.status).toBe("InService");
      expect(rolledBack.statusReason).toContain("Update rolled back: variant Blue failed its health checks");
      expect(rolledBack.variants.map((v) => [v.modelVersion?.id, v.state])).toEqual([[second.id, "active"]]);

      // A shadow gets copies; the caller only ever sees Blue's answers.
      await updateEndpoint(db, created.id, updateEndpointInput.parse({ variants: [python(second.id), { name: "Shadow", modelVersionId: first.id, runtime: "python", shadow: true, shadowSamplingPercent: 100 }] }), principal);
      await tickUntil(async () => (await variantsNow()).every((v) => v.state === "active"), "the shadow to start");
      await new Promise((r) => setTimeout(r, 1_500)); // the router's routing cache
    } finally {
      await load.stop();
    }
    expect(failures).toEqual([]);
    expect(Object.keys(answeredBy)).toEqual(["Blue"]);
    for (let i = 0; i < 5; i++) expect((await invoke(name, token, "5,60.5", { "X-Amzn-SageMaker-Inference-Id": `s-${i}` })).headers.get("x-amzn-invoked-production-variant")).toBe("Blue");
    await new Promise((r) => setTimeout(r, 300)); // the shadow answers after the caller got its own
    await router!.flush();
    const now = new Date();
    const dayDir = path.join(storeRoot, "objects", "shadow", name, "Shadow", String(now.getUTCFullYear()), String(now.getUTCMonth() + 1).padStart(2, "0"), String(now.getUTCDate()).padStart(2, "0"));
    const lines = readdirSync(dayDir).flatMap((h) => readdirSync(path.join(dayDir, h)).flatMap((f) => readFileSync(path.join(dayDir, h, f), "utf8").trim().split("\n"))).map((l) => JSON.parse(l));
    const tagged = lines.filter((l) => String(l.eventMetadata.inferenceId ?? "").startsWith("s-"));
    expect(tagged).toHaveLength(5);
    expect(tagged[0]).toMatchObject({ endpointInput: { observedContentType: "text/csv", data: "5,60.5" }, production: { variant: "Blue", status: 200, encoding: "JSON" }, shadow: { variant: "Shadow", status: 200 } });
    expect(JSON.parse(tagged[0].shadow.data).predictions).toEqual(JSON.parse(tagged[0].production.data).predictions); // same model both sides
    expect(tagged[0].shadow.latencyMs).toBeGreaterThan(0);
    const stats = await getEndpointStats(db, created.id, principal, 5);
    expect(stats.variants.find((v) => v.variant === "Shadow")?.count).toBeGreaterThanOrEqual(5);

    // Invalid weights are refused at update, naming what is wrong.
    expect(updateEndpointInput.safeParse({ variants: [{ modelVersionId: "v", weight: -1 }] }).error?.issues[0]).toMatchObject({ path: ["variants", 0, "weight"], message: "must be 0 or more" });
    expect(updateEndpointInput.safeParse({ variants: [{ modelVersionId: "v", weight: 0 }] }).error?.issues[0].message).toContain("weight above 0");
    expect(updateEndpointInput.safeParse({ variants: [{ modelVersionId: "v", shadow: true }] }).error?.issues[0].message).toContain("weight above 0");
  }, 240_000);
});

describe("a multi-model endpoint", () => {
  it("serves three models behind one endpoint by the target-model header, loading each on its first call; models come and go while it serves", async () => {
    const { principal, project, version: churn, token } = await setup();
    const fast = await registeredVersion(principal, project.id, trained.fastDir);
    const churnAgain = await registeredVersion(principal, project.id);
    const name = `mme-${Math.random().toString(36).slice(2, 8)}`;
    const created = await createEndpoint(
      db,
      project.id,
      createEndpointInput.parse({ name, multiModel: { memoryBudgetMb: 512, models: [{ modelVersionId: churn.id, name: "churn" }, { modelVersionId: fast.id }] } }),
      principal,
    );
    expect(created.multiModel?.models.map((m) => m.name)).toEqual(["churn", "fast-v1"]);
    expect(created.variants).toMatchObject([{ name: "AllTraffic", modelVersion: null }]);
    expect((await untilInService(created.id, principal)).status).toBe("InService");

    const first = await invoke(name, token, csv(trained.rows), { "X-Amzn-SageMaker-Target-Model": "churn" });
    expect(first.status, first.body).toBe(200);
    expect(first.headers.get("x-studio-model-cache")).toBe("miss");
    expect(Number(first.headers.get("x-studio-model-load-ms"))).toBeGreaterThan(0);
    expect((JSON.parse(first.body).predictions as { predicted_label: number }[]).map((p) => p.predicted_label)).toEqual(trained.labels);
    const again = await invoke(name, token, csv(trained.rows), { "X-Amzn-SageMaker-Target-Model": "churn" });
    expect(again.headers.get("x-studio-model-cache")).toBe("hit");
    const regression = await invoke(name, token, "10,40", { "X-Amzn-SageMaker-Target-Model": "fast-v1" });
    expect(regression.status, regression.body).toBe(200);
    expect(JSON.parse(regression.body).predictions[0].prediction).toBeCloseTo(80, 5); // spend × 2

    // Which model: said when missing or unknown, naming the ones it has.
    const missing = await invoke(name, token, "10,40");
    expect(missing.status).toBe(400);
    expect(JSON.parse(missing.body).error.message).toContain("X-Amzn-SageMaker-Target-Model header (it has churn, fast-v1)");
    expect((await invoke(name, token, "10,40", { "X-Amzn-SageMaker-Target-Model": "nope" })).status).toBe(404);
    // Each model checks its own schema.
    expect(JSON.parse((await invoke(name, token, "10,40", { "X-Amzn-SageMaker-Target-Model": "churn" })).body).error.message).toContain("the model takes 3 columns");

    // A third model, added while it serves: answers within the router's refresh, without a restart.
    await addEndpointModel(db, created.id, { modelVersionId: churnAgain.id, name: "churn-b" }, principal);
    expect((await expectAppError(addEndpointModel(db, created.id, { modelVersionId: churnAgain.id }, principal), "validation_failed")).message).toContain("already on the endpoint, as churn-b");
    await expectAppError(addEndpointModel(db, created.id, { modelVersionId: fast.id, name: "churn" }, principal), "validation_failed");
    await new Promise((r) => setTimeout(r, 1_100));
    const third = await invoke(name, token, csv(trained.rows.slice(0, 3)), { "X-Amzn-SageMaker-Target-Model": "churn-b" });
    expect(third.status, third.body).toBe(200);
    expect((JSON.parse(third.body).predictions as { predicted_label: number }[]).map((p) => p.predicted_label)).toEqual(trained.labels.slice(0, 3));

    // The servers' cache, per model: loaded, calls, hits, load time.
    const cache = await endpointModelCache(db, created.id, principal);
    expect(cache.replicas).toBe(1);
    expect(cache.replicaUsage[0].loadedCount).toBe(3);
    const churnStats = cache.models.find((m) => m.name === "churn")!;
    expect(churnStats).toMatchObject({ loadedOn: 1, invocations: 3, hits: 2, loads: 1, unloads: 0 });
    expect(churnStats.lastLoadMs).toBeGreaterThan(0);
    expect(churnStats.sizeBytes).toBeGreaterThan(0);
    expect(cache.models.find((m) => m.name === "churn-b")).toMatchObject({ invocations: 1, hits: 0, loads: 1 });

    // Removed: 404 for callers, unloaded from memory.
    await removeEndpointModel(db, created.id, "fast-v1", principal);
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await invoke(name, token, "10,40", { "X-Amzn-SageMaker-Target-Model": "fast-v1" })).status).toBe(404);
    expect((await endpointModelCache(db, created.id, principal)).replicaUsage[0].loadedCount).toBe(2);

    // One variant of its own: variants are not updated, and KServe export says it does not apply.
    expect((await expectAppError(updateEndpoint(db, created.id, updateEndpointInput.parse({ variants: [{ modelVersionId: churn.id }] }), principal), "conflict")).message).toContain("multi-model endpoint");
    // Someone else's model version cannot be added.
    const other = await setup();
    expect((await expectAppError(addEndpointModel(db, created.id, { modelVersionId: other.version.id }, principal), "validation_failed")).message).toContain("names no model version of this project");
    expect(createEndpointInput.safeParse({ name: "x" }).error?.issues[0].message).toContain("name at least one variant, or make it a multi-model endpoint");
  }, 180_000);
});

describe("autoscaling", () => {
  it("scales a variant's model servers out on its invocation rate and back in after the cooldown, draining without a failed request", async () => {
    const { principal, project, token } = await setup();
    const version = await registeredVersion(principal, project.id, trained.fastDir);
    const name = `auto-${Math.random().toString(36).slice(2, 8)}`;
    const created = await createEndpoint(db, project.id, createEndpointInput.parse({ name, variants: [{ modelVersionId: version.id, runtime: "python" }] }), principal);
    await untilInService(created.id, principal);
    const logs: string[] = [];
    const log = (_endpointId: string, _variant: string, line: string) => void logs.push(line);
    const policy = { minReplicas: 1, maxReplicas: 3, targetInvocationsPerReplicaPerMinute: 60, scaleOutCooldownSeconds: 300, scaleInCooldownSeconds: 0 };
    await setVariantAutoscaling(db, created.id, "AllTraffic", policy, principal);

    // ~400 calls in well under a minute: over 200 a minute against 60 per replica → the maximum, 3.
    await Promise.all(Array.from({ length: 400 }, () => invoke(name, token, "5,60.5")));
    await router!.flush();
    const scaledAt = Date.now();
    await autoscaleEndpoints(db, log, scaledAt);
    let view = await getEndpoint(db, created.id, principal);
    expect(view.variants[0]).toMatchObject({ replicas: 3, autoscaling: policy });
    expect(view.scalingEvents[0]).toMatchObject({ variant: "AllTraffic", fromReplicas: 1, toReplicas: 3 });
    expect(view.scalingEvents[0].reason).toMatch(/^scale out: \d+\.\d invocations per replica per minute against a target of 60$/);
    expect(logs[0]).toContain("Autoscaling: 1 → 3 replicas");
    await tickUntil(async () => (await getEndpoint(db, created.id, principal)).variants[0].readyReplicas === 3, "3 ready replicas");

    // A second pass moments later (the same traffic: pinned to the first pass's minute, however long
    // the servers took to start on a busy machine) changes nothing: at the maximum and on target.
    await autoscaleEndpoints(db, log, scaledAt + 1_000);
    expect((await getEndpoint(db, created.id, principal)).variants[0].replicas).toBe(3);

    // Minutes later, no traffic: back to the minimum, the two extra servers drained while callers keep calling.
    const load = steadyLoad(name, token, "5,60.5");
    try {
      await autoscaleEndpoints(db, log, Date.now() + 5 * 60_000);
      view = await getEndpoint(db, created.id, principal);
      expect(view.variants[0].replicas).toBe(1);
      expect(view.scalingEvents[0]).toMatchObject({ fromReplicas: 3, toReplicas: 1 });
      expect(view.scalingEvents[0].reason).toContain("scale in:");
      await tickEndpoints(db, store);
      expect((await getEndpoint(db, created.id, principal)).variants[0].replicaStates.map((r) => r.status).sort()).toEqual(["draining", "draining", "ready"]);
      await tickUntil(async () => (await getEndpoint(db, created.id, principal)).variants[0].replicaStates.length === 1, "the drained servers to stop", 30_000);
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await load.stop();
    }
    expect(load.failures).toEqual([]);
    expect((await getEndpointLogs(db, created.id, principal, { limit: 200 })).map((l) => l.line).join("\n")).toContain("Scaling in: the model server on port");

    // A policy out of the current count moves it at once; an ONNX in-process variant has nothing to scale; bad policies say what is wrong.
    view = await setVariantAutoscaling(db, created.id, "AllTraffic", { ...policy, minReplicas: 2 }, principal);
    expect(view.variants[0].replicas).toBe(2);
    // (the scale-in above was dated five minutes ahead, so this one is not the newest)
    expect(view.scalingEvents.find((e) => e.toReplicas === 2)).toMatchObject({ fromReplicas: 1, reason: "the new policy keeps 2–3 replicas" });
    view = await setVariantAutoscaling(db, created.id, "AllTraffic", null, principal);
    expect(view.variants[0]).toMatchObject({ autoscaling: null, replicas: 2 });
    expect(autoscalingPolicy.safeParse({ ...policy, minReplicas: 3, maxReplicas: 2 }).error?.issues[0]).toMatchObject({ path: ["maxReplicas"], message: "must be at least minReplicas" });
    await expectAppError(setVariantAutoscaling(db, created.id, "Nope", policy, principal), "not_found");
    const onnx = await createEndpoint(db, project.id, createEndpointInput.parse({ name: `${name}-onnx`, variants: [{ modelVersionId: version.id, runtime: "python" }] }), principal);
    await db.endpointVariant.updateMany({ where: { endpointId: onnx.id }, data: { runtime: "onnx" } });
    expect((await expectAppError(setVariantAutoscaling(db, onnx.id, "AllTraffic", policy, principal), "validation_failed")).message).toContain("no model server replicas to scale");
    await deleteEndpoint(db, onnx.id, principal);
  }, 180_000);

  it("decides by target tracking: ceil(rate / target) within min..max, after the cooldowns", () => {
    const policy = { minReplicas: 1, maxReplicas: 4, targetInvocationsPerReplicaPerMinute: 100, scaleOutCooldownSeconds: 300, scaleInCooldownSeconds: 300 };
    const never = { scaleOutAt: null, scaleInAt: null };
    const now = 10_000_000;
    expect(decideScaling(policy, 1, 250, never, now)?.desired).toBe(3);
    expect(decideScaling(policy, 1, 1_000, never, now)?.desired).toBe(4);
    expect(decideScaling(policy, 2, 200, never, now)).toBeNull(); // on target
    expect(decideScaling(policy, 2, 150, never, now)).toBeNull(); // ceil(1.5) = 2
    expect(decideScaling(policy, 3, 0, never, now)?.desired).toBe(1);
    expect(decideScaling(policy, 1, 250, { scaleOutAt: now - 299_000, scaleInAt: null }, now)).toBeNull();
    expect(decideScaling(policy, 1, 250, { scaleOutAt: now - 300_000, scaleInAt: null }, now)?.desired).toBe(3);
    // Scale-in waits its cooldown after any change, a scale-out included.
    expect(decideScaling(policy, 3, 0, { scaleOutAt: now - 200_000, scaleInAt: null }, now)).toBeNull();
    expect(decideScaling(policy, 3, 0, { scaleOutAt: now - 400_000, scaleInAt: now - 100_000 }, now)).toBeNull();
    expect(decideScaling(policy, 3, 0, { scaleOutAt: now - 400_000, scaleInAt: now - 301_000 }, now)?.desired).toBe(1);
    // Outside the range (a policy just changed): moved into it at once, whatever the cooldowns.
    expect(decideScaling(policy, 6, 0, { scaleOutAt: now, scaleInAt: now }, now)).toMatchObject({ desired: 1, reason: "the policy keeps 1–4 replicas" });
  });
});
