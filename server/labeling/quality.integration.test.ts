// Agreement on a multi-label job, on both databases: every (item, label) pair is a yes/no rating,
// so labelers who tick the same labels agree perfectly and one who ticks the opposite stands out.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { setupTestDb } from "@/test/db";
import { labelingProject, uploadDataset } from "@/test/labeling";
import { LocalArtifactStore } from "@/server/artifacts/artifact-store";
import { createLabelingJobInput } from "@/lib/labeling/tasks";
import { createLabelingJob } from "@/server/labeling/manage-jobs";
import { prepareLabelingJobs } from "@/server/labeling/prepare-items";
import { claimNext, submitAnswer } from "@/server/labeling/queue";
import { jobQuality } from "@/server/labeling/quality";

const db = setupTestDb();
const storeRoot = mkdtempSync(path.join(os.tmpdir(), "labeling-quality-test-"));
const store = new LocalArtifactStore(storeRoot);
afterAll(() => rmSync(storeRoot, { recursive: true, force: true }));

describe("agreement on a multi-label job", () => {
  it("rates each item and label yes/no: agreeing labelers score 1, a contrarian below 0", async () => {
    const { manager, project, workers } = await labelingProject(db, 4);
    const version = await uploadDataset(db, store, manager, project.id, "posts.csv", Buffer.from(`id,post\n${Array.from({ length: 6 }, (_, i) => `${i},post ${i}`).join("\n")}\n`));
    const job = await createLabelingJob(
      db,
      project.id,
      createLabelingJobInput.parse({ name: "topics", taskType: "text-classification-multilabel", datasetVersionId: version.id, textField: "post", labels: [{ name: "sport" }, { name: "money" }, { name: "food" }], workersPerItem: 3, workerIds: workers.slice(0, 3).map((w) => w.id) }),
      manager,
    );
    await prepareLabelingJobs(db, store);
    const truth = (seq: number) => [0, 1, 2].filter((c) => (seq + c) % 3 !== 0);
    for (let n = 0; n < 6; n++) {
      for (const worker of workers.slice(0, 3)) {
        const item = (await claimNext(db, job.id, worker)).item!;
        await submitAnswer(db, job.id, item.assignmentId, { labels: truth(item.seq) }, worker);
      }
    }
    const agreeing = await jobQuality(db, job.id, manager);
    expect(agreeing.agreementReason).toBeNull();
    expect(agreeing.agreement).toMatchObject({ fleissKappa: 1, krippendorffAlpha: 1, pairwiseAgreement: 1 });
    for (const labeler of agreeing.labelers) expect(labeler.kappaVsOthers).toBe(1);

    // A second job where the third labeler ticks exactly the labels the others leave out.
    const contrary = await createLabelingJob(
      db,
      project.id,
      createLabelingJobInput.parse({ name: "topics-2", taskType: "text-classification-multilabel", datasetVersionId: version.id, textField: "post", labels: [{ name: "sport" }, { name: "money" }, { name: "food" }], workersPerItem: 3, workerIds: [workers[0].id, workers[1].id, workers[3].id] }),
      manager,
    );
    await prepareLabelingJobs(db, store);
    for (let n = 0; n < 6; n++) {
      for (const [w, worker] of [workers[0], workers[1], workers[3]].entries()) {
        const item = (await claimNext(db, contrary.id, worker)).item!;
        const labels = truth(item.seq);
        await submitAnswer(db, contrary.id, item.assignmentId, { labels: w === 2 ? [0, 1, 2].filter((c) => !labels.includes(c)) : labels }, worker);
      }
    }
    const quality = await jobQuality(db, contrary.id, manager);
    expect(quality.agreement!.fleissKappa!).toBeLessThan(0.5);
    const contrarian = quality.labelers.find((l) => l.id === workers[3].id)!;
    expect(contrarian.kappaVsOthers!).toBeLessThan(0);
    expect(contrarian.pairwiseAgreement).toBe(0);
    // (The others' "majority" is a tie of one honest labeler and the contrarian: no kappa for them.)
    for (const honest of quality.labelers.filter((l) => l.id !== workers[3].id)) expect(honest.pairwiseAgreement).toBe(0.5);
  }, 60_000);
});
