// Labels in and out, on both databases: the review queue fed by consolidation (disagreements and
// low confidence; accept and correct, counters, who and when), the CSV / JSON Lines / Ground Truth
// exports field by field, saving them as dataset versions in the worker (validated and profiled
// like uploads), importing them back and exporting again to the same bytes, a SageMaker manifest
// imported and written back unchanged, and a 50,000-item job exported in pages.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { setupTestDb } from "@/test/db";
import { labelingProject, uploadDataset } from "@/test/labeling";
import { expectAppError } from "@/test/fixtures";
import { LocalArtifactStore } from "@/server/artifacts/artifact-store";
import { driverOf } from "@/server/db-driver";
import { processPendingDatasetVersions } from "@/server/datasets/process-dataset-versions";
import { createLabelingJobInput } from "@/lib/labeling/tasks";
import { createLabelingJob, getLabelingJob, listJobItems } from "@/server/labeling/manage-jobs";
import { prepareLabelingJobs } from "@/server/labeling/prepare-items";
import { claimNext, submitAnswer } from "@/server/labeling/queue";
import { consolidateLabeledItems } from "@/server/labeling/consolidate";
import { decideReview, reviewState } from "@/server/labeling/review";
import { exportStream } from "@/server/labeling/export-formats";
import { createImportJob, importPendingLabels } from "@/server/labeling/import-labels";
import { listExports, runLabelingExports, saveExport } from "@/server/labeling/save-export";
import { importLabelsInput } from "@/server/labeling/exchange-schemas";
import type { ExportFormat } from "@/lib/labeling/exchange";
import type { Principal } from "@/server/auth/principal";

const db = setupTestDb();
const storeRoot = mkdtempSync(path.join(os.tmpdir(), "labeling-exchange-test-"));
const store = new LocalArtifactStore(storeRoot);
afterAll(() => rmSync(storeRoot, { recursive: true, force: true }));

const setup = (labelers: number) => labelingProject(db, labelers);

const upload = (manager: Principal, projectId: string, filename: string, body: string | Buffer) => uploadDataset(db, store, manager, projectId, filename, body);

async function text(jobId: string, principal: Principal, format: ExportFormat): Promise<string> {
  return new Response((await exportStream(db, jobId, principal, format)).stream).text();
}

/** Every labeler answers every item they are given with `answer(seq, worker index)`. */
async function labelAll(jobId: string, workers: Principal[], answer: (seq: number, k: number) => unknown) {
  for (const [k, w] of workers.entries()) {
    for (;;) {
      const { item } = await claimNext(db, jobId, w);
      if (!item) break;
      await submitAnswer(db, jobId, item.assignmentId, answer(item.seq, k), w);
    }
  }
}

/** Saves an export as a dataset version (the worker's pass, then its profiling) and imports it back as a new job. */
async function saveAndImport(jobId: string, manager: Principal, projectId: string, format: ExportFormat, name: string) {
  const saved = await saveExport(db, jobId, { format, datasetName: `${name}-data` }, manager);
  expect(saved).toMatchObject({ status: "pending", datasetName: `${name}-data`, version: null });
  await runLabelingExports(db, store);
  const [done] = (await listExports(db, jobId, manager)).filter((e) => e.id === saved.id);
  expect(done).toMatchObject({ status: "completed", statusReason: null, version: { status: "processing", version: 1 } });
  expect(done.itemsDone).toBe(done.itemsTotal);
  await processPendingDatasetVersions(db, store, 10);
  const version = await db.datasetVersion.findUniqueOrThrow({ where: { id: done.version!.id } });
  expect(version).toMatchObject({ status: "ready", format: format === "csv" ? "csv" : "jsonl", rowCount: done.itemsTotal });
  const job = await createImportJob(db, store, projectId, importLabelsInput.parse({ name, datasetVersionId: version.id }), manager);
  expect(job).toMatchObject({ status: "preparing", importFormat: format, workersPerItem: 0 });
  await importPendingLabels(db, store);
  return getLabelingJob(db, job.id, manager);
}

const reviews = ["Great product", "Awful, broke", "Great value", 'Awful "support", <script>alert(1)</script>', "Great,\nwould buy again", "  Mixed: fine  "];

describe("labels in and out", () => {
  it("sends disagreements to review, takes a reviewer's corrections, and exports, saves, imports and re-exports them unchanged", async () => {
    const { manager, project, workers } = await setup(3);
    const version = await upload(manager, project.id, "reviews.csv", `id,review\n${reviews.map((r, i) => `${i},"${r.replace(/"/g, '""')}"`).join("\n")}\n`);
    const job = await createLabelingJob(
      db,
      project.id,
      createLabelingJobInput.parse({ name: "sentiment", taskType: "text-classification", datasetVersionId: version.id, textField: "review", labels: [{ name: "great" }, { name: "awful" }], workersPerItem: 3, workerIds: workers.map((w) => w.id) }),
      manager,
    );
    expect(job.review).toEqual({ threshold: 0.7, pending: 0, reviewed: 0 });
    await prepareLabelingJobs(db, store);
    // Items 0–3 unanimous; on item 4 the third labeler says awful; item 5 splits 2:1 the other way.
    await labelAll(job.id, workers, (seq, k) => ({ label: seq === 4 ? (k === 2 ? 1 : 0) : seq === 5 ? (k === 0 ? 0 : 1) : reviews[seq].startsWith("Great") ? 0 : 1 }));
    await consolidateLabeledItems(db);
    const consolidated = await getLabelingJob(db, job.id, manager);
    expect(consolidated).toMatchObject({ status: "completed", review: { pending: 2, reviewed: 0 } });
    expect((await listJobItems(db, job.id, manager, { limit: 10 })).map((i) => i.review)).toEqual([null, null, null, null, "pending", "pending"]);

    // The reviewer's screen: the first pending item, each worker's answer, why it is here.
    const first = await reviewState(db, job.id, manager);
    expect(first).toMatchObject({ pending: 2, reviewed: 0, item: { seq: 4, text: "Great,\nwould buy again", labels: [0], majority: [0], humanAnnotated: true } });
    expect(first.item!.reasons).toContain("the workers disagreed");
    expect(first.item!.answers.map((a) => [a.workerEmail, a.labels])).toEqual(workers.map((w, k) => [w.email, [k === 2 ? 1 : 0]]));
    // Forward and back wrap around the backlog.
    expect((await reviewState(db, job.id, manager, { after: 4 })).item!.seq).toBe(5);
    expect((await reviewState(db, job.id, manager, { after: 5 })).item!.seq).toBe(4);
    expect((await reviewState(db, job.id, manager, { before: 4 })).item!.seq).toBe(5);
    // Labelers and viewers do not review.
    await expectAppError(reviewState(db, job.id, workers[0]), "forbidden");
    await expectAppError(decideReview(db, job.id, first.item!.itemId, { decision: "accept" }, workers[0]), "forbidden");

    // The reviewer corrects item 4 (awful after all) and accepts item 5.
    const at = new Date("2026-03-04T05:06:07.089Z");
    expect(await decideReview(db, job.id, first.item!.itemId, { decision: "correct", answer: { label: 1 } }, manager, at)).toEqual({ status: "corrected" });
    expect((await expectAppError(decideReview(db, job.id, first.item!.itemId, { decision: "accept" }, manager), "conflict")).message).toContain(`corrected by ${manager.email} at 2026-03-04T05:06:07.089Z`);
    expect((await expectAppError(decideReview(db, job.id, (await reviewState(db, job.id, manager)).item!.itemId, { decision: "correct", answer: { label: 7 } }, manager), "validation_failed")).message).toContain("label 7 does not exist");
    const second = (await reviewState(db, job.id, manager)).item!;
    expect(second.seq).toBe(5);
    expect(await decideReview(db, job.id, second.itemId, { decision: "correct", answer: { label: second.labels[0] } }, manager, at)).toEqual({ status: "accepted" });
    expect(await reviewState(db, job.id, manager)).toMatchObject({ item: null, pending: 0, reviewed: 2 });
    expect((await getLabelingJob(db, job.id, manager)).review).toEqual({ threshold: 0.7, pending: 0, reviewed: 2 });
    const corrected = await db.labelingItem.findUniqueOrThrow({ where: { id: first.item!.itemId } });
    expect(corrected).toMatchObject({ reviewStatus: "corrected", confidence: 1, humanAnnotated: true, reviewedById: manager.id, reviewerEmail: manager.email, reviewedAt: at });
    expect(JSON.parse(corrected.label!)).toEqual({ label: 1, majority: { label: 0, voteShare: 2 / 3, tied: false }, workers: 3 });
    const audit = await db.auditEvent.findFirstOrThrow({ where: { action: "labeling.review", targetId: first.item!.itemId } });
    expect(audit.detail).toEqual({ job: "sentiment", item: 5, decision: "corrected", from: ["great"], to: ["awful"] });

    // CSV, field by field.
    const csv = await text(job.id, manager, "csv");
    const csvLines = csv.split("\n");
    expect(csvLines[0]).toBe("text,label,confidence,human_annotated,majority_vote,vote_share,tied,workers,review,reviewed_by,reviewed_at");
    expect(csvLines[1]).toMatch(/^Great product,great,(0\.\d+|1),yes,great,1,no,3,,,$/);
    expect(csvLines[4]).toMatch(/^"Awful ""support"", <script>alert\(1\)<\/script>",awful,[\d.]+,yes,awful,1,no,3,,,$/);
    expect(csv).toContain(`"Great,\nwould buy again",awful,1,yes,great,0.6666666666666666,no,3,corrected,${manager.email},2026-03-04T05:06:07.089Z\n`);
    expect(csv.endsWith(`"  Mixed: fine  ",awful,1,yes,awful,0.6666666666666666,no,3,accepted,${manager.email},2026-03-04T05:06:07.089Z\n`)).toBe(true);
    // JSON Lines, field by field.
    const jsonl = (await text(job.id, manager, "jsonl")).trim().split("\n").map((l) => JSON.parse(l));
    expect(jsonl).toHaveLength(6);
    expect(Object.keys(jsonl[0])).toEqual(["text", "label", "confidence", "human_annotated", "majority_vote", "vote_share", "tied", "workers", "review", "reviewed_by", "reviewed_at"]);
    expect(jsonl[4]).toEqual({ text: "Great,\nwould buy again", label: "awful", confidence: 1, human_annotated: "yes", majority_vote: "great", vote_share: 2 / 3, tied: false, workers: 3, review: "corrected", reviewed_by: manager.email, reviewed_at: "2026-03-04T05:06:07.089Z" });
    expect(jsonl[0]).toMatchObject({ text: "Great product", label: "great", human_annotated: "yes", majority_vote: "great", vote_share: 1, tied: false, workers: 3, review: null, reviewed_by: null, reviewed_at: null });
    expect(jsonl[0].confidence).toBeGreaterThan(0.7);
    // The Ground Truth manifest: the reviewed labels, as SageMaker's adjustment jobs write them.
    const manifest = (await text(job.id, manager, "groundtruth-manifest")).trim().split("\n").map((l) => JSON.parse(l));
    expect(manifest[4]).toEqual({
      source: "Great,\nwould buy again",
      sentiment: 1,
      "sentiment-metadata": { "class-name": "awful", confidence: 1, type: "groundtruth/text-classification", "job-name": "labeling-job/sentiment", "human-annotated": "yes", "creation-date": expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/), "adjustment-status": "adjusted" },
    });
    expect(manifest[5]["sentiment-metadata"]["adjustment-status"]).toBe("unadjusted");
    expect(manifest[0]["sentiment-metadata"]).not.toHaveProperty("adjustment-status");

    // Each export saved as a dataset version (in the worker), imported back, exported again: the same bytes.
    for (const format of ["csv", "jsonl", "groundtruth-manifest"] as const) {
      const original = await text(job.id, manager, format);
      const imported = await saveAndImport(job.id, manager, project.id, format, `back-${format === "groundtruth-manifest" ? "manifest" : format}`);
      expect(imported).toMatchObject({ status: "completed", taskType: "text-classification", labels: [{ name: "great" }, { name: "awful" }], counts: { items: 6, consolidated: 6 } });
      expect(imported.statusReason).toContain("Imported 6 labels");
      if (format === "groundtruth-manifest") expect(imported.labelAttributeName).toBe("sentiment");
      // The CSV / JSON Lines keep the review state too (the manifest only whether a label was adjusted).
      if (format !== "groundtruth-manifest") expect(imported.review).toEqual({ threshold: 0.7, pending: 0, reviewed: 2 });
      expect(await text(imported.id, manager, format)).toBe(original);
    }
    // A reviewer named in an imported CSV is this studio's user when the email is known.
    const back = await db.labelingJob.findFirstOrThrow({ where: { projectId: project.id, name: "back-csv" } });
    expect(await db.labelingItem.findFirstOrThrow({ where: { jobId: back.id, reviewStatus: "corrected" } })).toMatchObject({ reviewedById: manager.id, reviewerEmail: manager.email, reviewedAt: at });
    // Nothing to export yet, or a wrong dataset: said so.
    expect((await expectAppError(saveExport(db, job.id, { format: "csv", datasetName: "x" }, workers[0]), "forbidden")).message).toContain("does not allow");
  }, 120_000);

  it("reviews a multi-label item and round-trips multi-label CSV", async () => {
    const { manager, project, workers } = await setup(2);
    const version = await upload(manager, project.id, "tags.jsonl", ['{"t":"red and round"}', '{"t":"blue"}'].join("\n"));
    const job = await createLabelingJob(
      db,
      project.id,
      createLabelingJobInput.parse({ name: "tags", taskType: "text-classification-multilabel", datasetVersionId: version.id, textField: "t", labels: [{ name: "red" }, { name: "blue" }, { name: "round" }], workersPerItem: 2, workerIds: workers.map((w) => w.id), reviewThreshold: 0 }),
      manager,
    );
    await prepareLabelingJobs(db, store);
    await labelAll(job.id, workers, (seq, k) => ({ labels: seq === 0 ? (k === 0 ? [0, 2] : [0]) : [1] }));
    await consolidateLabeledItems(db);
    // Threshold 0: only the disagreement waits.
    const state = await reviewState(db, job.id, manager);
    expect(state).toMatchObject({ pending: 1, item: { seq: 0 } });
    expect(state.item!.answers.map((a) => a.labels).sort()).toEqual([[0], [0, 2]]);
    await decideReview(db, job.id, state.item!.itemId, { decision: "correct", answer: { labels: [2, 0] } }, manager);
    const row = await db.labelingItem.findUniqueOrThrow({ where: { id: state.item!.itemId } });
    expect(JSON.parse(row.label!)).toMatchObject({ labels: [0, 2], confidenceMap: { "0": 1, "2": 1 } });
    const csv = await text(job.id, manager, "csv");
    expect(csv.split("\n")[0]).toBe("text,labels,confidence,confidence_map,human_annotated,majority_vote,workers,review,reviewed_by,reviewed_at");
    expect(csv.split("\n")[1]).toMatch(/^red and round,"\[""red"",""round""\]",1,"\{""red"":1,""round"":1\}",yes,/);
    const imported = await saveAndImport(job.id, manager, project.id, "csv", "tags-back");
    expect(imported.taskType).toBe("text-classification-multilabel");
    expect(await text(imported.id, manager, "csv")).toBe(csv);
    const manifest = await text(job.id, manager, "groundtruth-manifest");
    expect(JSON.parse(manifest.split("\n")[0])).toMatchObject({ tags: [0, 2], "tags-metadata": { "class-map": { "0": "red", "2": "round" }, "confidence-map": { "0": 1, "2": 1 }, "adjustment-status": "adjusted" } });
  }, 120_000);

  it("imports a SageMaker Ground Truth output manifest and writes it back unchanged; refuses what it cannot read, naming the line", async () => {
    const { manager, project } = await setup(0);
    const gt = [
      { source: "the delivery was late", "review-sentiment": 1, "review-sentiment-metadata": { "class-name": "negative", confidence: 0.93, type: "groundtruth/text-classification", "job-name": "labeling-job/gt-sentiment", "human-annotated": "yes", "creation-date": "2025-11-02T19:24:07.123456" } },
      { source: "works as described", "review-sentiment": 0, "review-sentiment-metadata": { "class-name": "positive", confidence: 0.51, type: "groundtruth/text-classification", "job-name": "labeling-job/gt-sentiment", "human-annotated": "no", "creation-date": "2025-11-02T19:30:00.000001" } },
      { source: "meh", "review-sentiment": 2, "review-sentiment-metadata": { "class-name": "neutral", confidence: 0, type: "groundtruth/text-classification", "job-name": "labeling-job/gt-sentiment-chained", "human-annotated": "yes", "creation-date": "2025-11-03T01:02:03.000000", "adjustment-status": "adjusted" } },
    ];
    const body = `${gt.map((l) => JSON.stringify(l)).join("\n")}\n`;
    const version = await upload(manager, project.id, "gt-output.manifest", body);
    const job = await createImportJob(db, store, project.id, importLabelsInput.parse({ name: "from-gt", datasetVersionId: version.id }), manager);
    expect(job).toMatchObject({ labelAttributeName: "review-sentiment", taskType: "text-classification", importFormat: "groundtruth-manifest" });
    await importPendingLabels(db, store);
    const imported = await getLabelingJob(db, job.id, manager);
    expect(imported).toMatchObject({ status: "completed", labels: [{ name: "positive" }, { name: "negative" }, { name: "neutral" }], review: { pending: 1, reviewed: 1 } });
    expect(await text(job.id, manager, "groundtruth-manifest")).toBe(body);
    // The low-confidence machine label waits for review; correcting it makes it this job's label.
    const state = await reviewState(db, job.id, manager);
    expect(state.item).toMatchObject({ seq: 1, labels: [0], majority: null, humanAnnotated: false, answers: [] });
    expect(state.item!.reasons).toEqual(["confidence 0.51 is below the job's threshold of 0.7"]);
    await decideReview(db, job.id, state.item!.itemId, { decision: "correct", answer: { label: 2 } }, manager);
    const line = JSON.parse((await text(job.id, manager, "groundtruth-manifest")).split("\n")[1]);
    expect(line["review-sentiment"]).toBe(2);
    expect(line["review-sentiment-metadata"]).toMatchObject({ "class-name": "neutral", confidence: 1, "human-annotated": "yes", "job-name": "labeling-job/from-gt", "adjustment-status": "adjusted" });
    // Its CSV says what is not known (no majority vote or worker count in a manifest).
    expect((await text(job.id, manager, "csv")).split("\n")[1]).toBe("the delivery was late,negative,0.93,yes,,,,,,,");

    // Refused at once: an image manifest, several attributes without a pick, a file that is not labels.
    const images = await upload(manager, project.id, "img.manifest", JSON.stringify({ "source-ref": "s3://b/1.jpg", a: 0, "a-metadata": { "class-name": "cat", confidence: 0.9, type: "groundtruth/image-classification", "job-name": "j", "human-annotated": "yes", "creation-date": "2025-01-01T00:00:00.000000" } }));
    expect((await expectAppError(createImportJob(db, store, project.id, importLabelsInput.parse({ name: "img", datasetVersionId: images.id }), manager), "validation_failed")).message).toContain("only text classification labels can be imported");
    const chained = await upload(manager, project.id, "chained.manifest", JSON.stringify({ ...gt[0], other: 0, "other-metadata": gt[0]["review-sentiment-metadata"] }));
    expect((await expectAppError(createImportJob(db, store, project.id, importLabelsInput.parse({ name: "ch", datasetVersionId: chained.id }), manager), "validation_failed")).message).toContain("several label attributes (review-sentiment, other): pick the one to import");
    const plain = await upload(manager, project.id, "plain.csv", "id,review\n1,hello\n");
    expect((await expectAppError(createImportJob(db, store, project.id, importLabelsInput.parse({ name: "pl", datasetVersionId: plain.id }), manager), "validation_failed")).message).toContain('its first record has "id", "review"');
    // Failed in the worker, naming the line: a class named two ways, a missing confidence, an unnamed class id.
    for (const [name, lines, message] of [
      ["two-names", [gt[0], { ...gt[1], "review-sentiment": 1 }], 'line 2: class 1 is named "positive", but elsewhere "negative"'],
      ["no-confidence", [gt[0], { ...gt[1], "review-sentiment-metadata": { ...gt[1]["review-sentiment-metadata"], confidence: "high" } }], "line 2: confidence is not a number in [0, 1]"],
      ["gap", [gt[2]], "class ids 0, 1 appear in no line with a name: give the label set in class-id order"],
    ] as const) {
      const v = await upload(manager, project.id, `${name}.manifest`, lines.map((l) => JSON.stringify(l)).join("\n"));
      const failing = await createImportJob(db, store, project.id, importLabelsInput.parse({ name, datasetVersionId: v.id }), manager);
      await importPendingLabels(db, store);
      const failed = await getLabelingJob(db, failing.id, manager);
      expect(failed.status).toBe("failed");
      expect(failed.statusReason).toContain(message);
      expect(failed.counts.items).toBe(0);
    }
    // With the label set given, the gap is named.
    const v = await upload(manager, project.id, "gap2.manifest", JSON.stringify(gt[2]));
    const given = await createImportJob(db, store, project.id, importLabelsInput.parse({ name: "gap-named", datasetVersionId: v.id, labels: ["positive", "negative", "neutral"], reviewThreshold: 0 }), manager);
    await importPendingLabels(db, store);
    expect(await getLabelingJob(db, given.id, manager)).toMatchObject({ status: "completed", labels: [{ name: "positive" }, { name: "negative" }, { name: "neutral" }] });
  }, 120_000);

  it("exports 50,000 items in pages, saves them as a dataset version and imports them back", async () => {
    const n = 50_000;
    const { manager, project, workers } = await setup(1);
    const version = await upload(manager, project.id, "big.csv", `text\n${Array.from({ length: n }, (_, i) => `item ${i}`).join("\n")}\n`);
    const job = await createLabelingJob(
      db,
      project.id,
      createLabelingJobInput.parse({ name: "big", taskType: "text-classification", datasetVersionId: version.id, textField: "text", labels: [{ name: "even" }, { name: "odd" }], workersPerItem: 3, workerIds: [workers[0].id] }),
      manager,
    );
    await prepareLabelingJobs(db, store);
    // Labels as consolidation writes them, set in one statement (labeling 150,000 answers is the queue's test).
    const label = (c: number) => JSON.stringify({ label: c, majority: { label: c, voteShare: 1, tied: false }, workers: 3 });
    await driverOf(db).run(`UPDATE "LabelingItem" SET "status" = 'consolidated', "label" = CASE WHEN "seq" % 2 = 0 THEN ? ELSE ? END, "confidence" = 0.96, "consolidatedAt" = ? WHERE "jobId" = ?`, [label(0), label(1), new Date(), job.id]);
    await db.labelingJob.update({ where: { id: job.id }, data: { labeledCount: n, consolidatedCount: n, status: "completed" } });

    // The stream hands out a page at a time: the first read holds the header and one page, not the job.
    const { stream } = await exportStream(db, job.id, manager, "csv");
    const reader = stream.getReader();
    const firstChunk = new TextDecoder().decode((await reader.read()).value);
    expect(firstChunk.split("\n")).toHaveLength(1 + 1_000 + 1);
    let lines = firstChunk.split("\n").length - 1;
    for (let r = await reader.read(); !r.done; r = await reader.read()) lines += new TextDecoder().decode(r.value).split("\n").length - 1;
    expect(lines).toBe(n + 1);
    const started = Date.now();
    const jsonl = await text(job.id, manager, "jsonl");
    expect(jsonl.split("\n")).toHaveLength(n + 1);
    expect(JSON.parse(jsonl.split("\n")[n - 1])).toMatchObject({ text: `item ${n - 1}`, label: "odd", confidence: 0.96 });
    expect(Date.now() - started).toBeLessThan(30_000);

    // Saved by the worker as a dataset version, profiled like an upload, imported back whole.
    const imported = await saveAndImport(job.id, manager, project.id, "jsonl", "big-back");
    expect(imported.counts).toMatchObject({ items: n, consolidated: n });
    expect(await text(imported.id, manager, "jsonl")).toBe(jsonl);
  }, 300_000);
});
