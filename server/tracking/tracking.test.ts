// Experiment tracking in the domain layer, on both databases: runs, batches of metrics/params/tags
// (de-duplicated by source + seq, all-or-nothing), NaN/infinity kept, summaries for the runs
// table, server-side downsampling, artifacts, scoped tokens and access by project role.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { setupTestDb } from "@/test/db";
import { expectAppError, makePrincipal } from "@/test/fixtures";
import { createProject } from "@/server/projects/create-project";
import { setProjectMember } from "@/server/projects/set-project-member";
import { LocalArtifactStore } from "@/server/artifacts/artifact-store";
import { createRun } from "@/server/tracking/create-run";
import { ingestRunBatch } from "@/server/tracking/ingest-run-batch";
import { runBatchInput } from "@/server/tracking/tracking-schemas";
import { compareRuns, getRun, listExperiments, listRuns } from "@/server/tracking/list-runs";
import { getMetricHistory } from "@/server/tracking/metric-history";
import { endRun } from "@/server/tracking/end-run";
import { putRunArtifact } from "@/server/tracking/run-artifacts";
import { createScopedToken } from "@/server/tokens/scoped-tokens";
import { authenticateApiToken } from "@/server/tokens/authenticate-api-token";

const db = setupTestDb();
const root = mkdtempSync(path.join(os.tmpdir(), "tracking-test-"));
const store = new LocalArtifactStore(root);
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function setup() {
  const { user, principal } = await makePrincipal(db, "data_scientist");
  const project = await createProject(db, { name: `T ${Math.random().toString(36).slice(2, 8)}`, description: "" }, principal);
  const run = await createRun(db, project.id, { experiment: "baseline", source: "sdk" }, principal);
  return { user, principal, project, run };
}

const batch = (input: unknown) => runBatchInput.parse(input);

describe("metric ingest", () => {
  it("stores metrics, params and tags, and acknowledges a re-sent batch without storing it twice", async () => {
    const { principal, run } = await setup();
    const points = Array.from({ length: 1000 }, (_, i) => ({ key: i % 2 ? "loss" : "validation:auc", value: i / 1000, step: Math.floor(i / 2), timestamp: 1_700_000_000_000 + i }));
    const input = batch({ source: "proc-1", seq: 0, metrics: points, params: [{ key: "lr", value: "0.1" }], tags: [{ key: "team", value: "a" }] });
    expect(await ingestRunBatch(db, run.id, input, principal)).toEqual({ duplicate: false });
    expect(await ingestRunBatch(db, run.id, input, principal)).toEqual({ duplicate: true });
    const view = await getRun(db, run.id, principal);
    expect(view.params).toEqual({ lr: "0.1" });
    expect(view.tags).toEqual({ team: "a" });
    expect(view.metrics.loss).toEqual({ latest: 0.999, latestStep: 499, min: 0.001, max: 0.999, count: 500 });
    expect(view.metrics["validation:auc"].count).toBe(500);
    const history = await getMetricHistory(db, run.id, { key: "loss", maxPoints: 5000 }, principal);
    expect(history.total).toBe(500);
    expect(history.points[10]).toEqual([10, 0.021, 1_700_000_000_021]);
  });

  it("keeps NaN and infinities as values, out of min/max, and shows them by name", async () => {
    const { principal, run } = await setup();
    await ingestRunBatch(db, run.id, batch({ source: "s", seq: 0, metrics: [
      { key: "loss", value: 1, step: 0, timestamp: 1 },
      { key: "loss", value: "NaN", step: 1, timestamp: 2 },
      { key: "loss", value: "Infinity", step: 2, timestamp: 3 },
      { key: "loss", value: "-Infinity", step: 3, timestamp: 4 },
      { key: "loss", value: "NaN", step: 4, timestamp: 5 },
    ] }), principal);
    const view = await getRun(db, run.id, principal);
    expect(view.metrics.loss).toEqual({ latest: "NaN", latestStep: 4, min: "-Infinity", max: "Infinity", count: 5 });
    const history = await getMetricHistory(db, run.id, { key: "loss" }, principal);
    expect(history.points.map((p) => p[1])).toEqual([1, "NaN", "Infinity", "-Infinity", "NaN"]);
  });

  it("refuses a param logged again with another value, and writes nothing of that batch", async () => {
    const { principal, run } = await setup();
    await ingestRunBatch(db, run.id, batch({ source: "s", seq: 0, params: [{ key: "lr", value: "0.1" }] }), principal);
    const error = await expectAppError(
      ingestRunBatch(db, run.id, batch({ source: "s", seq: 1, params: [{ key: "lr", value: "0.2" }], metrics: [{ key: "m", value: 1, step: 0, timestamp: 1 }] }), principal),
      "conflict",
    );
    expect(error.message).toContain('"lr"');
    const view = await getRun(db, run.id, principal);
    expect(view.metrics).toEqual({});
    // Nothing of the refused batch was kept, so it can be fixed and re-sent with the same seq.
    expect(await ingestRunBatch(db, run.id, batch({ source: "s", seq: 1, params: [{ key: "lr", value: "0.1" }] }), principal)).toEqual({ duplicate: false });
  });

  it("merges summaries across batches and downsamples long curves with LTTB, full resolution on a narrow range", async () => {
    const { principal, run } = await setup();
    for (let b = 0; b < 20; b++) {
      const metrics = Array.from({ length: 1000 }, (_, i) => {
        const step = b * 1000 + i;
        return { key: "loss", value: step === 12_345 ? 50 : Math.sin(step / 500), step, timestamp: step };
      });
      await ingestRunBatch(db, run.id, batch({ source: "s", seq: b, metrics }), principal);
    }
    const view = await getRun(db, run.id, principal);
    expect(view.metrics.loss).toMatchObject({ latestStep: 19_999, max: 50, count: 20_000 });
    const overview = await getMetricHistory(db, run.id, { key: "loss", maxPoints: 500 }, principal);
    expect(overview.points).toHaveLength(500);
    expect(overview.downsampled).toBe(true);
    // The spike survives downsampling.
    expect(overview.points.some((p) => p[0] === 12_345 && p[1] === 50)).toBe(true);
    const zoom = await getMetricHistory(db, run.id, { key: "loss", minStep: 5000, maxStep: 5400, maxPoints: 500 }, principal);
    expect(zoom.points).toHaveLength(401);
    expect(zoom.downsampled).toBe(false);
    const compared = await compareRuns(db, run.experimentId, { runIds: [run.id], keys: ["loss"], maxPoints: 100 }, principal);
    expect(compared[0].points).toHaveLength(100);
  });

  it("lists experiments and runs, ends runs, and keeps artifacts", async () => {
    const { principal, project, run } = await setup();
    await ingestRunBatch(db, run.id, batch({ source: "s", seq: 0, metrics: [{ key: "acc", value: 0.9, step: 0, timestamp: 1 }] }), principal);
    const experiments = await listExperiments(db, principal, project.id);
    expect(experiments).toMatchObject([{ name: "baseline", runCount: 1 }]);
    const { runs } = await listRuns(db, run.experimentId, principal);
    expect(runs[0].metrics.acc.latest).toBe(0.9);
    await putRunArtifact(db, store, run.id, "model/model.joblib", Readable.from([Buffer.from("abc")]), principal);
    await putRunArtifact(db, store, run.id, "model/model.joblib", Readable.from([Buffer.from("abcd")]), principal);
    await expectAppError(putRunArtifact(db, store, run.id, "../etc/passwd", Readable.from([Buffer.from("x")]), principal), "validation_failed");
    expect((await getRun(db, run.id, principal)).artifacts).toMatchObject([{ path: "model/model.joblib", sizeBytes: 4 }]);
    expect(await endRun(db, run.id, "completed", principal)).toEqual({ status: "completed" });
    expect(await endRun(db, run.id, "failed", principal)).toEqual({ status: "completed" });
  });
});

describe("access", () => {
  it("viewers read but cannot log; non-members see nothing", async () => {
    const { principal, project, run } = await setup();
    const viewer = await makePrincipal(db, "viewer");
    const stranger = await makePrincipal(db, "data_scientist");
    await setProjectMember(db, project.id, { userId: viewer.user.id, role: "viewer" }, principal);
    await getRun(db, run.id, viewer.principal);
    await expectAppError(ingestRunBatch(db, run.id, batch({ source: "s", seq: 0 }), viewer.principal), "forbidden");
    await expectAppError(getRun(db, run.id, stranger.principal), "not_found");
    await expectAppError(createRun(db, project.id, { experiment: "x", source: "sdk" }, stranger.principal), "not_found");
  });

  it("a kernel token works only inside its project", async () => {
    const { user, principal, project, run } = await setup();
    const other = await createProject(db, { name: `O ${Math.random().toString(36).slice(2, 8)}`, description: "" }, principal);
    const otherRun = await createRun(db, other.id, { experiment: "e", source: "sdk" }, principal);
    const token = await createScopedToken(db, { kind: "kernel", userId: user.id, projectId: project.id, name: "kernel", ttlMs: 60_000 });
    const scoped = await authenticateApiToken(db, token);
    expect(scoped?.scope).toEqual({ kind: "kernel", projectId: project.id });
    await ingestRunBatch(db, run.id, batch({ source: "k", seq: 0, metrics: [{ key: "a", value: 1, step: 0, timestamp: 1 }] }), scoped!);
    await expectAppError(ingestRunBatch(db, otherRun.id, batch({ source: "k", seq: 0 }), scoped!), "not_found");
    await expectAppError(createRun(db, other.id, { experiment: "e", source: "sdk" }, scoped!), "not_found");
    expect(await listExperiments(db, scoped!)).toHaveLength(1);
  });
});
