// When the worker consolidates, on both databases: at once for a job's last items or a 1% batch;
// otherwise a big job under steady labeling is refitted at most every REFIT_INTERVAL_MS.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { setupTestDb } from "@/test/db";
import { labelingProject, uploadDataset } from "@/test/labeling";
import { LocalArtifactStore } from "@/server/artifacts/artifact-store";
import { createLabelingJobInput } from "@/lib/labeling/tasks";
import { createLabelingJob, getLabelingJob } from "@/server/labeling/manage-jobs";
import { prepareLabelingJobs } from "@/server/labeling/prepare-items";
import { claimNext, submitAnswer } from "@/server/labeling/queue";
import { consolidateLabeledItems, REFIT_INTERVAL_MS } from "@/server/labeling/consolidate";

const db = setupTestDb();
const storeRoot = mkdtempSync(path.join(os.tmpdir(), "labeling-consolidate-test-"));
const store = new LocalArtifactStore(storeRoot);
afterAll(() => rmSync(storeRoot, { recursive: true, force: true }));

describe("the worker's consolidation pass", () => {
  it("refits a big job at most every REFIT_INTERVAL_MS, but a 1% batch at once", async () => {
    const { manager, project, workers } = await labelingProject(db, 1);
    const version = await uploadDataset(db, store, manager, project.id, "many.csv", Buffer.from(`id,t\n${Array.from({ length: 300 }, (_, i) => `${i},text ${i}`).join("\n")}\n`));
    const job = await createLabelingJob(db, project.id, createLabelingJobInput.parse({ name: "many", taskType: "text-classification", datasetVersionId: version.id, textField: "t", labels: [{ name: "a" }, { name: "b" }], workersPerItem: 1, workerIds: [workers[0].id] }), manager);
    await prepareLabelingJobs(db, store);
    const label = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const item = (await claimNext(db, job.id, workers[0])).item!;
        await submitAnswer(db, job.id, item.assignmentId, { label: i % 2 }, workers[0]);
      }
    };
    const consolidated = async () => (await getLabelingJob(db, job.id, manager)).counts.consolidated;
    const t0 = Date.now() + 10 * REFIT_INTERVAL_MS; // past any earlier test's pass
    await label(1);
    await consolidateLabeledItems(db, t0);
    expect(await consolidated()).toBe(1);
    await label(1);
    await consolidateLabeledItems(db, t0 + 1_000);
    expect(await consolidated()).toBe(1); // one new item of 300, moments later: waits
    await consolidateLabeledItems(db, t0 + REFIT_INTERVAL_MS);
    expect(await consolidated()).toBe(2);
    await label(3); // 1% of 300
    await consolidateLabeledItems(db, t0 + REFIT_INTERVAL_MS + 1_000);
    expect(await consolidated()).toBe(5);
  }, 60_000);
});
