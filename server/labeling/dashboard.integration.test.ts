// The labeling dashboard on both databases: progress and agreement per job from counters and the
// agreement stored at consolidation, answers per hour per labeler, each labeler's pace; only the
// projects the caller may read, even when another project's id is asked for.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { setupTestDb } from "@/test/db";
import { makePrincipal } from "@/test/fixtures";
import { labelingProject, uploadDataset } from "@/test/labeling";
import { LocalArtifactStore } from "@/server/artifacts/artifact-store";
import { createLabelingJobInput } from "@/lib/labeling/tasks";
import { createLabelingJob } from "@/server/labeling/manage-jobs";
import { prepareLabelingJobs } from "@/server/labeling/prepare-items";
import { claimNext, submitAnswer } from "@/server/labeling/queue";
import { consolidateLabeledItems } from "@/server/labeling/consolidate";
import { labelingDashboard } from "@/server/labeling/dashboard";

const db = setupTestDb();
const storeRoot = mkdtempSync(path.join(os.tmpdir(), "labeling-dashboard-test-"));
const store = new LocalArtifactStore(storeRoot);
afterAll(() => rmSync(storeRoot, { recursive: true, force: true }));

describe("the labeling dashboard", () => {
  it("shows each job's progress and stored agreement, answers per hour and each labeler's pace, for readable projects only", async () => {
    const { manager, project, workers } = await labelingProject(db, 2);
    const version = await uploadDataset(db, store, manager, project.id, "t.csv", Buffer.from(`id,t\n${Array.from({ length: 4 }, (_, i) => `${i},text ${i}`).join("\n")}\n`));
    const job = await createLabelingJob(db, project.id, createLabelingJobInput.parse({ name: "dash", taskType: "text-classification", datasetVersionId: version.id, textField: "t", labels: [{ name: "a" }, { name: "b" }], workersPerItem: 2, workerIds: workers.map((w) => w.id) }), manager);
    await prepareLabelingJobs(db, store);
    const start = new Date(Date.now() - 3 * 3_600_000);
    for (const [w, worker] of workers.entries()) {
      for (let n = 0; n < (w === 0 ? 4 : 2); n++) {
        // The first labeler works three hours ago; the second now, 4 s per item.
        const at = w === 0 ? new Date(start.getTime() + n * 10_000) : new Date(Date.now() + n * 10_000);
        const item = (await claimNext(db, job.id, worker, at)).item!;
        await submitAnswer(db, job.id, item.assignmentId, { label: item.seq % 2 }, worker, new Date(at.getTime() + (w === 0 ? 2_000 : 4_000)));
      }
    }
    await consolidateLabeledItems(db);
    const dashboard = await labelingDashboard(db, manager, { hours: 48 });
    expect(dashboard.jobs).toEqual([expect.objectContaining({ name: "dash", items: 4, labeled: 2, consolidated: 2, responses: 6, responsesNeeded: 8, fleissKappa: 1, krippendorffAlpha: 1 })]);
    expect(dashboard.totals).toMatchObject({ answers: 6, skips: 0, labelers: 2 });
    const { reviewPendingCount } = await db.labelingJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(dashboard.jobs[0]).toMatchObject({ reviewBacklog: reviewPendingCount, reviewed: 0 });
    expect(dashboard.reviewBacklog).toBe(reviewPendingCount);
    expect(dashboard.labelers.map((l) => [l.answers, l.meanSecondsPerItem, l.itemsPerHour])).toEqual([
      [4, 2, 1800],
      [2, 4, 900],
    ]);
    expect(dashboard.series).toEqual(dashboard.labelers.map((l) => l.name));
    const busy = dashboard.perHour.filter((h) => h.answers > 0);
    expect(busy.map((h) => h.byLabeler)).toEqual([{ [dashboard.labelers[0].name]: 4 }, { [dashboard.labelers[1].name]: 2 }]);
    // A 1-hour window leaves the first labeler's work out.
    expect((await labelingDashboard(db, manager, { hours: 1 })).totals.answers).toBe(2);

    // Someone from another project sees nothing of it, even asking for it by id.
    const other = await labelingProject(db, 0);
    expect((await labelingDashboard(db, other.manager, { hours: 48 })).jobs).toEqual([]);
    expect((await labelingDashboard(db, other.manager, { hours: 48, projectId: project.id })).jobs).toEqual([]);
    const { principal: admin } = await makePrincipal(db, "admin");
    expect((await labelingDashboard(db, admin, { hours: 48, projectId: project.id })).jobs.map((j) => j.name)).toEqual(["dash"]);
  }, 60_000);
});
