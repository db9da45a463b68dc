// ONNX exports run in kernels on compute hosts: the worker's pass starts a kernel on a real Kernel
// Gateway, where studio.onnx_export.run_for_studio (kernels/sdk) downloads the version's files
// with a token for that export only, converts and checks the export, and sends the graph and the
// report back (test/studio-api.ts serves the domain functions). Also: the producing job's host is
// preferred, no usable host → pending with the reason and exported once one is back, the time
// limit, and what an export's token may reach.
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setupTestDb } from "@/test/db";
import { expectAppError, makePrincipal } from "@/test/fixtures";
import { exportNow, registerModelFolder, runPythonInSandbox, startExportHost } from "@/test/models";
import { LocalArtifactStore } from "@/server/artifacts/artifact-store";
import { createProject } from "@/server/projects/create-project";
import { sealSecret } from "@/server/crypto/secret-box";
import { authenticateApiToken } from "@/server/tokens/authenticate-api-token";
import { createScopedToken } from "@/server/tokens/scoped-tokens";
import { exportPendingVersions, exportsSettled } from "@/server/models/export-onnx";
import { getOnnxExportFile, getOnnxExportSpec, ONNX_EXPORT_PATH, reportOnnxExport } from "@/server/models/onnx-export-runtime";
import { getModelVersion } from "@/server/models/list-models";
import { jsonValue } from "@/server/db-driver";
// @ts-expect-error -- plain JavaScript (scripts/ run before node_modules exist).
import { dataDir } from "../../scripts/lib/setup.mjs";

const db = setupTestDb();
const storeRoot = path.join(os.tmpdir(), `exports-test-${process.pid}`);
const store = new LocalArtifactStore(storeRoot);
const work = path.join(dataDir as string, `test-exports-${process.pid}`);
let exporter: Awaited<ReturnType<typeof startExportHost>>;

const TRAIN = `
import numpy as np, pandas as pd, studio
from sklearn.linear_model import LogisticRegression
rng = np.random.default_rng(3)
x = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)})
studio.save_model(LogisticRegression().fit(x, (x["a"] > x["b"]).astype(int)), "model", input_example=x)
`;

beforeAll(async () => {
  mkdirSync(work, { recursive: true });
  runPythonInSandbox(TRAIN, work);
  exporter = await startExportHost(db, store);
}, 150_000);

afterAll(async () => {
  await exporter?.stop();
  rmSync(work, { recursive: true, force: true });
  rmSync(storeRoot, { recursive: true, force: true });
}, 30_000);

async function setup() {
  const host = await exporter.addLocalHost();
  const { user, principal } = await makePrincipal(db, "data_scientist");
  const project = await createProject(db, { name: `X ${Math.random().toString(36).slice(2, 8)}`, description: "" }, principal);
  const version = await registerModelFolder(db, store, principal, project.id, path.join(work, "model"), "churn");
  return { user, principal, project, version, host };
}

/** The kernels running on the test gateway (an export shuts its kernel down when it ends). */
async function kernelsOnGateway(): Promise<unknown[]> {
  const res = await fetch(`${exporter.gateway.url}/api/kernels`, { headers: { Authorization: `token ${exporter.gateway.token}` } });
  return (await res.json()) as unknown[];
}

describe("ONNX export in a kernel", () => {
  it("runs on the local host's gateway: the kernel fetches the files, sends graph and report, and leaves nothing behind", async () => {
    const { principal, version } = await setup();
    const hits = exporter.api.hits.length;
    const exported = await exportNow(db, version.id, exporter.api);
    expect(exported.onnxStatus, exported.report.reason).toBe("converted");
    expect(exported.report).toMatchObject({ converter: "skl2onnx", file: ONNX_EXPORT_PATH });
    expect(exported.report.checkedRows).toBeGreaterThan(64);
    expect(exported.report.maxDifference).toBeLessThanOrEqual(1e-5);
    // The graph is a file of the version, in the artifact store.
    const graph = exported.files.find((f) => f.path === ONNX_EXPORT_PATH)!;
    expect(readFileSync(store.localPath(graph.storageKey)!).length).toBe(Number(graph.sizeBytes));
    // Everything came over HTTP from the kernel, with the export's own token.
    const calls = exporter.api.hits.slice(hits);
    expect(calls).toEqual(
      expect.arrayContaining([`GET /api/model-versions/${version.id}/onnx/export`, `GET /api/model-versions/${version.id}/onnx/export/files`, `PUT /api/model-versions/${version.id}/onnx/export`, `POST /api/model-versions/${version.id}/onnx/export`]),
    );
    const tokens = await db.apiToken.findMany({ where: { jobId: version.id } });
    expect(tokens.map((t) => [t.kind, t.revokedAt !== null])).toEqual([["export", true]]);
    expect(await kernelsOnGateway()).toEqual([]);
    // What the version page shows.
    const view = await getModelVersion(db, version.id, principal);
    expect(view.onnx).toMatchObject({ converter: "skl2onnx", reason: null });
  }, 240_000);

  it("prefers the host the producing job ran on, waits (saying why) while no host can be used, and exports once one is back", async () => {
    const { principal, project, version, host } = await setup();
    // The job's host is the real gateway; the local host now points at a closed port.
    const jobHost = await db.computeHost.create({ data: { name: `gpu-${Math.random().toString(36).slice(2, 6)}`, kind: "remote", url: exporter.gateway.url, tokenCiphertext: sealSecret(exporter.gateway.token), status: "healthy" } });
    await db.computeHost.update({ where: { id: host.id }, data: { url: "http://127.0.0.1:9" } });
    const run = await db.run.findUniqueOrThrow({ where: { id: version.runId! } });
    const job = await db.trainingJob.create({
      data: { projectId: project.id, name: "trained-it", status: "completed", sourceType: "script", hyperparameters: {}, inputs: [], metricDefinitions: [], hostId: jobHost.id, maxRuntimeSeconds: 600, experimentId: run.experimentId, createdById: principal.id },
    });
    await db.modelVersion.update({ where: { id: version.id }, data: { jobId: job.id } });
    // Both hosts down: the version waits, naming each host and why.
    await db.computeHost.updateMany({ where: { id: { in: [jobHost.id, host.id] } }, data: { status: "unreachable", statusReason: "Connection refused by the host." } });
    await exportPendingVersions(db, { studioUrlFor: () => exporter.api.url });
    await exportsSettled();
    const waiting = await getModelVersion(db, version.id, principal);
    expect(waiting.onnxStatus).toBe("pending");
    expect(waiting.onnx?.reason).toContain("Waiting for a compute host");
    expect(waiting.onnx?.reason).toContain(`host ${jobHost.name}: Connection refused by the host.`);
    expect(waiting.onnx?.reason).toContain(`host ${host.name}: Connection refused by the host.`);
    // Both back: the job's host is picked (the local host's row points at a closed port, so an
    // export tried there would only wait for it).
    await db.computeHost.updateMany({ where: { id: { in: [jobHost.id, host.id] } }, data: { status: "healthy", statusReason: null } });
    const exported = await exportNow(db, version.id, exporter.api);
    expect(exported.onnxStatus, exported.report.reason).toBe("converted");
  }, 240_000);

  it("a host that cannot start the kernel: the version waits and says why; an export over its time limit fails and its kernel is shut", async () => {
    const { principal, version, host } = await setup();
    await db.computeHost.update({ where: { id: host.id }, data: { url: "http://127.0.0.1:9" } });
    await exportPendingVersions(db, { studioUrlFor: () => exporter.api.url });
    await exportsSettled();
    const waiting = await getModelVersion(db, version.id, principal);
    expect(waiting.onnxStatus).toBe("pending");
    expect(waiting.onnx?.reason).toMatch(/^Waiting for host .*: could not start a "python3" kernel: Could not reach 127\.0\.0\.1:9.*Trying again in 30 s\.$/);
    // Another version (a fresh local host on the gateway), exported with a time limit it cannot meet.
    const again = await setup();
    const failed = await exportNow(db, again.version.id, exporter.api, { timeoutMs: 300 });
    expect(failed.onnxStatus).toBe("failed");
    expect(failed.report.reason).toMatch(/^The export took longer than 0\.3 s on host .* and was stopped\.$/);
    expect(await kernelsOnGateway()).toEqual([]);
    expect(await db.apiToken.count({ where: { jobId: again.version.id, revokedAt: null } })).toBe(0);
  }, 240_000);

  it("gives an export's token its own version only, and takes a report only while the export is pending", async () => {
    const { user, project, version } = await setup();
    const other = await setup();
    const token = await createScopedToken(db, { kind: "export", userId: user.id, projectId: project.id, jobId: version.id, name: "export", ttlMs: 60_000 });
    const exportPrincipal = (await authenticateApiToken(db, token))!;
    expect((await getOnnxExportSpec(db, version.id, exportPrincipal)).files.map((f) => f.path).sort()).toEqual(["model.joblib", "studio-model.json"]);
    expect((await getOnnxExportFile(db, version.id, "model.joblib", exportPrincipal)).filename).toBe("model.joblib");
    await expectAppError(getOnnxExportFile(db, other.version.id, "studio-model.json", exportPrincipal), "not_found");
    await expectAppError(getOnnxExportSpec(db, version.id, other.principal), "forbidden"); // not an export's token
    // Reported converted without the graph: refused, naming what is missing.
    const serving = { layout: "matrix" as const, inputs: [{ name: "input", type: "double" as const }], outputs: { label: "label" } };
    const early = await expectAppError(reportOnnxExport(db, version.id, { status: "converted", file: ONNX_EXPORT_PATH, serving }, exportPrincipal), "conflict");
    expect(early.message).toContain("Send the graph");
    expect(await reportOnnxExport(db, version.id, { status: "unsupported", reason: "no converter" }, exportPrincipal)).toEqual({ accepted: true });
    expect(await reportOnnxExport(db, version.id, { status: "failed", reason: "sent again later" }, exportPrincipal)).toEqual({ accepted: false });
    const row = await db.modelVersion.findUniqueOrThrow({ where: { id: version.id } });
    expect([row.onnxStatus, jsonValue<{ reason: string }>(row.onnx, { reason: "" }).reason]).toEqual(["unsupported", "no converter"]);
  }, 60_000);
});
