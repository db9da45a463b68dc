// The review queue for bounding boxes and named entities, on both databases: which items go to
// review (workers' object counts differ, an object dropped for lack of support, an object not
// every worker marked, a class vote not unanimous, or low confidence), the reviewer's screen with
// each worker's objects, and decisions — a correction checked and clamped like a labeler's answer,
// stored with confidence 1 per object, and in the exports.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { setupTestDb } from "@/test/db";
import { expectAppError } from "@/test/fixtures";
import { answerAll, labelingProject, uploadDataset, zipOf } from "@/test/labeling";
import { LocalArtifactStore } from "@/server/artifacts/artifact-store";
import { createLabelingJobInput } from "@/lib/labeling/tasks";
import { createLabelingJob, getLabelingJob, listJobItems } from "@/server/labeling/manage-jobs";
import { prepareLabelingJobs } from "@/server/labeling/prepare-items";
import { consolidateLabeledItems } from "@/server/labeling/consolidate";
import { manifestStream } from "@/server/labeling/export-manifest";
import { cocoStream } from "@/server/labeling/export-coco";
import { tableStream } from "@/server/labeling/export-formats";
import { decideReview, itemsForReview, reviewState } from "@/server/labeling/review";

const db = setupTestDb();
const storeRoot = mkdtempSync(path.join(os.tmpdir(), "labeling-review-objects-test-"));
const store = new LocalArtifactStore(storeRoot);
afterAll(() => rmSync(storeRoot, { recursive: true, force: true }));

const text = async (stream: ReadableStream<Uint8Array>) => new Response(stream).text();

const box = (classId: number, left: number, top: number, width = 20, height = 20) => ({ classId, left, top, width, height });

describe("reviewing boxes and entities", () => {
  it("selects items whose workers' objects disagree or whose confidence is low", () => {
    const review = (answers: unknown[][], confidence = 1) =>
      itemsForReview("bounding-box", 0.7, [{ itemId: "x", confidence, workers: answers.length }], answers.map((boxes) => ({ itemId: "x", answer: JSON.stringify({ boxes }) }))).length === 1;
    expect(review([[box(0, 10, 10)], [box(0, 10, 10)]])).toBe(false);
    expect(review([[box(0, 10, 10)], [box(0, 10, 10)]], 0.6)).toBe(true); // low confidence
    expect(itemsForReview("bounding-box", 0.7, [{ itemId: "x", confidence: 0, workers: 1 }], [{ itemId: "x", answer: JSON.stringify({ boxes: [box(0, 1, 1)] }) }])).toEqual([]); // one worker: nothing to compare
    expect(review([[box(0, 10, 10), box(0, 60, 60)], [box(0, 10, 10)]])).toBe(true); // counts differ
    expect(review([[box(0, 10, 10), box(0, 60, 10)], [box(0, 10, 10), box(0, 110, 10)], [box(0, 10, 10), box(0, 160, 10)]])).toBe(true); // three lone boxes dropped
    expect(review([[box(0, 10, 10)], [box(0, 60, 60)]])).toBe(true); // each kept, neither drawn by both
    expect(review([[box(0, 10, 10)], [box(1, 10, 10)]])).toBe(true); // class not unanimous
    const spans = (answers: unknown[][]) => itemsForReview("named-entity-recognition", 0.7, [{ itemId: "t", confidence: 1, workers: answers.length }], answers.map((s) => ({ itemId: "t", answer: JSON.stringify({ spans: s }) }))).length === 1;
    expect(spans([[{ start: 0, end: 5, label: 0 }], [{ start: 0, end: 5, label: 0 }]])).toBe(false);
    expect(spans([[{ start: 0, end: 5, label: 0 }], [{ start: 0, end: 5, label: 1 }]])).toBe(true);
    expect(spans([[{ start: 0, end: 5, label: 0 }], []])).toBe(true);
  });

  it("shows each worker's boxes, takes a corrected box clamped to the image, and exports it", async () => {
    const { manager, project, workers } = await labelingProject(db, 2);
    const image = await sharp({ create: { width: 100, height: 80, channels: 3, background: "#446688" } }).png().toBuffer();
    const version = await uploadDataset(db, store, manager, project.id, "yard.zip", zipOf({ "a.png": image, "b.png": image, "c.png": image }));
    const job = await createLabelingJob(
      db,
      project.id,
      createLabelingJobInput.parse({ name: "yard", taskType: "bounding-box", datasetVersionId: version.id, labels: [{ name: "cat" }, { name: "dog" }], workersPerItem: 2, workerIds: workers.map((w) => w.id) }),
      manager,
    );
    await prepareLabelingJobs(db, store);
    const drawn: Record<number, unknown[][]> = {
      0: [[box(0, 10, 10)], [box(0, 10, 10)]], // agreed
      1: [[box(0, 10, 10), box(1, 50, 40)], [box(0, 10, 10)]], // the dog: only the first worker
      2: [[box(0, 30, 30)], [box(1, 30, 30)]], // cat or dog?
    };
    await answerAll(db, job.id, workers, 3, (w, seq) => ({ boxes: drawn[seq][w] }));
    await consolidateLabeledItems(db);
    expect((await getLabelingJob(db, job.id, manager)).review).toMatchObject({ pending: 2, reviewed: 0 });
    expect((await listJobItems(db, job.id, manager, { limit: 10 })).map((i) => i.review)).toEqual([null, "pending", "pending"]);

    const first = (await reviewState(db, job.id, manager)).item!;
    expect(first).toMatchObject({ seq: 1, width: 100, height: 80, reasons: ["confidence 0.50 is below the job's threshold of 0.7", "the workers marked different numbers of boxes (2, 1)"] });
    expect(first.answer).toEqual({ boxes: [box(0, 10, 10), box(1, 50, 40)] });
    expect(first.answers.map((a) => a.answer)).toEqual([{ boxes: drawn[1][0] }, { boxes: drawn[1][1] }]);
    expect((await reviewState(db, job.id, manager, { after: 1 })).item!.reasons).toEqual(["the workers gave some boxes different labels"]);

    // Checked like a labeler's answer: a box outside the image is refused, one reaching past it clamped.
    expect((await expectAppError(decideReview(db, job.id, first.itemId, { decision: "correct", answer: { boxes: [box(0, 150, 10)] } }, manager), "validation_failed")).message).toContain("lies outside the 100 × 80 image");
    const at = new Date("2026-05-06T07:08:09.000Z");
    expect(await decideReview(db, job.id, first.itemId, { decision: "correct", answer: { boxes: [box(0, 12, 10), box(1, 90, 70)] } }, manager, at)).toEqual({ status: "corrected" });
    const corrected = await db.labelingItem.findUniqueOrThrow({ where: { id: first.itemId } });
    expect(corrected).toMatchObject({ reviewStatus: "corrected", confidence: 1, humanAnnotated: true, reviewerEmail: manager.email, reviewedAt: at });
    expect(JSON.parse(corrected.label!).boxes).toEqual([
      { ...box(0, 12, 10), confidence: 1 },
      { ...box(1, 90, 70, 10, 10), confidence: 1 },
    ]);
    // Accepting the other keeps its boxes, each now a person's decision.
    const second = (await reviewState(db, job.id, manager)).item!;
    expect(await decideReview(db, job.id, second.itemId, { decision: "correct", answer: second.answer }, manager)).toEqual({ status: "accepted" });
    expect(JSON.parse((await db.labelingItem.findUniqueOrThrow({ where: { id: second.itemId } })).label!).boxes.map((b: { confidence: number }) => b.confidence)).toEqual([1]);
    expect(await reviewState(db, job.id, manager)).toMatchObject({ item: null, pending: 0, reviewed: 2 });

    const coco = JSON.parse(await text((await cocoStream(db, job.id, manager)).stream)) as { annotations: { image_id: number; bbox: number[] }[] };
    expect(coco.annotations.filter((a) => a.image_id === 2).map((a) => a.bbox)).toEqual([
      [12, 10, 20, 20],
      [90, 70, 10, 10],
    ]);
    const manifest = (await text((await manifestStream(db, job.id, manager)).stream)).trim().split("\n").map((l) => JSON.parse(l) as Record<string, Record<string, unknown>>);
    expect(manifest[1]["yard-metadata"]).toMatchObject({ objects: [{ confidence: 1 }, { confidence: 1 }], "human-annotated": "yes" });
  }, 60_000);

  it("shows each worker's entities and takes a corrected entity into the manifest and JSON Lines", async () => {
    const { manager, project, workers } = await labelingProject(db, 2);
    const bio = "Ada Lovelace met Charles Babbage in London.";
    const version = await uploadDataset(db, store, manager, project.id, "bios.csv", Buffer.from(`id,bio\n1,"${bio}"\n2,"Nobody here."\n`));
    const job = await createLabelingJob(
      db,
      project.id,
      createLabelingJobInput.parse({ name: "who-where", taskType: "named-entity-recognition", datasetVersionId: version.id, textField: "bio", labels: [{ name: "person" }, { name: "place" }], workersPerItem: 2, workerIds: workers.map((w) => w.id) }),
      manager,
    );
    await prepareLabelingJobs(db, store);
    const ada = { start: 0, end: 12, label: 0 };
    await answerAll(db, job.id, workers, 2, (w, seq) => ({ spans: seq === 1 ? [] : [ada, { start: 36, end: 42, label: w }] })); // London: person or place?
    await consolidateLabeledItems(db);
    expect((await listJobItems(db, job.id, manager, { limit: 10 })).map((i) => i.review)).toEqual(["pending", null]);
    const item = (await reviewState(db, job.id, manager)).item!;
    expect(item.reasons).toEqual(["the workers gave some entities different labels"]);
    expect(item.answers.map((a) => a.answer)).toEqual([{ spans: [ada, { start: 36, end: 42, label: 0 }] }, { spans: [ada, { start: 36, end: 42, label: 1 }] }]);

    expect((await expectAppError(decideReview(db, job.id, item.itemId, { decision: "correct", answer: { spans: [ada, { start: 4, end: 16, label: 0 }] } }, manager), "validation_failed")).message).toContain("overlap");
    const fixed = { spans: [{ start: 36, end: 42, label: 1 }, { start: 17, end: 32, label: 0 }, ada] };
    expect(await decideReview(db, job.id, item.itemId, { decision: "correct", answer: fixed }, manager)).toEqual({ status: "corrected" });
    const [one] = (await text((await manifestStream(db, job.id, manager)).stream)).trim().split("\n").map((l) => JSON.parse(l) as Record<string, Record<string, unknown>>);
    expect(one["who-where"]).toMatchObject({
      annotations: {
        entities: [
          { startOffset: 0, endOffset: 12, label: "person" },
          { startOffset: 17, endOffset: 32, label: "person" },
          { startOffset: 36, endOffset: 42, label: "place" },
        ],
      },
    });
    expect(one["who-where-metadata"]).toMatchObject({ entities: [{ confidence: 1 }, { confidence: 1 }, { confidence: 1 }], "human-annotated": "yes" });
    const [row] = (await text((await tableStream(db, job.id, manager, "jsonl")).stream)).trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(row).toMatchObject({ confidence: 1, review: "corrected", reviewed_by: manager.email });
    expect((row.entities as { text: string }[]).map((e) => e.text)).toEqual(["Ada Lovelace", "Charles Babbage", "London"]);
  }, 60_000);
});
