// Bounding boxes and named entities on both databases, from the dataset to the exports: answers
// checked against the image and the text (a box reaching past the image clamped, one outside it or
// without area refused; entities inside the text and apart), boxes matched across workers by IoU
// and averaged, entities clustered by overlap, a minority's objects dropped, and the Ground Truth
// manifest and COCO written field by field.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { setupTestDb } from "@/test/db";
import { expectAppError } from "@/test/fixtures";
import { labelingProject, uploadDataset, zipOf } from "@/test/labeling";
import { LocalArtifactStore } from "@/server/artifacts/artifact-store";
import { createLabelingJobInput } from "@/lib/labeling/tasks";
import { createLabelingJob, getLabelingJob, listJobItems } from "@/server/labeling/manage-jobs";
import { prepareLabelingJobs } from "@/server/labeling/prepare-items";
import { claimNext, submitAnswer } from "@/server/labeling/queue";
import { consolidateLabeledItems } from "@/server/labeling/consolidate";
import { manifestStream } from "@/server/labeling/export-manifest";
import { cocoStream } from "@/server/labeling/export-coco";
import { tableStream } from "@/server/labeling/export-formats";
import type { Principal } from "@/server/auth/principal";

const db = setupTestDb();
const storeRoot = mkdtempSync(path.join(os.tmpdir(), "labeling-objects-test-"));
const store = new LocalArtifactStore(storeRoot);
afterAll(() => rmSync(storeRoot, { recursive: true, force: true }));

const lines = async (stream: ReadableStream<Uint8Array>) => (await new Response(stream).text()).trim().split("\n").map((l) => JSON.parse(l) as Record<string, Record<string, unknown>>);

/** Each worker claims their next item and submits what `answer` gives for its queue position. */
async function answerAll(jobId: string, workers: Principal[], items: number, answer: (worker: number, seq: number) => unknown) {
  for (let n = 0; n < items; n++) {
    for (const [w, worker] of workers.entries()) {
      const item = (await claimNext(db, jobId, worker)).item!;
      await submitAnswer(db, jobId, item.assignmentId, answer(w, item.seq), worker);
    }
  }
}

describe("bounding boxes and named entities", () => {
  it("matches boxes across workers by IoU, averages them, drops a minority's, and exports the manifest and COCO", async () => {
    const { manager, project, workers } = await labelingProject(db, 3);
    const image = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: "#88aa44" } }).png().toBuffer();
    const version = await uploadDataset(db, store, manager, project.id, "street.zip", zipOf({ "frames/a.png": await image(200, 100), "frames/b.png": await image(100, 100) }));
    const job = await createLabelingJob(
      db,
      project.id,
      createLabelingJobInput.parse({ name: "street-objects", taskType: "bounding-box", datasetVersionId: version.id, labels: [{ name: "cat" }, { name: "dog" }], workersPerItem: 3, workerIds: workers.map((w) => w.id) }),
      manager,
    );
    await prepareLabelingJobs(db, store);
    const first = (await claimNext(db, job.id, workers[0])).item!;
    expect(first).toMatchObject({ seq: 0, width: 200, height: 100 });
    // Bad boxes are refused naming the box; nothing is counted.
    const refuse = async (answer: unknown) => (await expectAppError(submitAnswer(db, job.id, first.assignmentId, answer, workers[0]), "validation_failed")).message;
    expect(await refuse({ boxes: [{ classId: 0, left: 10, top: 10, width: 20, height: 20 }, { classId: 1, left: 250, top: 10, width: 20, height: 20 }] })).toContain("box 2 (dog) at 250, 10 lies outside the 200 × 100 image");
    expect(await refuse({ boxes: [{ classId: 0, left: 10, top: 10, width: 0, height: 20 }] })).toContain("box 1 (cat) has no area");
    expect(await refuse({ boxes: [{ classId: 7, left: 10, top: 10, width: 5, height: 5 }] })).toContain("label 7 does not exist");
    expect(await refuse({ label: 0 })).toContain("this job takes { boxes:");
    expect((await getLabelingJob(db, job.id, manager)).counts.responses).toBe(0);

    const drawn: Record<number, unknown[][]> = {
      // Image a: one cat all three drew (one calls it a dog), and a box only the first drew, reaching past the image.
      0: [
        [{ classId: 0, left: 10, top: 10, width: 50, height: 40 }, { classId: 1, left: 180, top: 80, width: 40, height: 40 }],
        [{ classId: 0, left: 12, top: 8, width: 50, height: 44 }],
        [{ classId: 1, left: 11, top: 9, width: 48, height: 42 }],
      ],
      // Image b: nothing, say all three.
      1: [[], [], []],
    };
    await submitAnswer(db, job.id, first.assignmentId, { boxes: drawn[0][0] }, workers[0]);
    const stored = await db.labelingAssignment.findUniqueOrThrow({ where: { id: first.assignmentId } });
    expect(JSON.parse(stored.answer!).boxes[1]).toEqual({ classId: 1, left: 180, top: 80, width: 20, height: 20 }); // clamped to the image
    const next = (await claimNext(db, job.id, workers[0])).item!;
    await submitAnswer(db, job.id, next.assignmentId, { boxes: [] }, workers[0]);
    await answerAll(job.id, workers.slice(1), 2, (w, seq) => ({ boxes: drawn[seq][w + 1] }));
    await consolidateLabeledItems(db);
    expect((await getLabelingJob(db, job.id, manager)).status).toBe("completed");
    const items = await listJobItems(db, job.id, manager, { limit: 10 });
    expect(items.map((i) => i.labels)).toEqual([["cat (11, 9, 49 × 42)"], []]);

    const manifest = await lines((await manifestStream(db, job.id, manager)).stream);
    expect(manifest).toHaveLength(2);
    const [a, b] = manifest;
    expect(a["source-ref"]).toBe(`studio://datasets/street/v1/frames/a.png`);
    expect(a["street-objects"]).toEqual({ image_size: [{ width: 200, height: 100, depth: 3 }], annotations: [{ class_id: 0, left: 11, top: 9, width: 49, height: 42 }] });
    const metadata = a["street-objects-metadata"] as Record<string, unknown>;
    expect(metadata).toMatchObject({ "class-map": { "0": "cat", "1": "dog" }, type: "groundtruth/object-detection", "job-name": "labeling-job/street-objects", "human-annotated": "yes" });
    const [{ confidence }] = metadata.objects as { confidence: number }[];
    expect(confidence).toBeGreaterThan(0.85); // all three drew it, closely
    expect(confidence).toBeLessThan(1);
    expect(metadata["creation-date"]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    expect(b["street-objects"]).toEqual({ image_size: [{ width: 100, height: 100, depth: 3 }], annotations: [] });
    expect(b["street-objects-metadata"]).toMatchObject({ objects: [] });

    const coco = JSON.parse(await new Response((await cocoStream(db, job.id, manager)).stream).text()) as Record<string, unknown[]>;
    expect(coco.images).toEqual([
      { id: 1, file_name: "frames/a.png", width: 200, height: 100 },
      { id: 2, file_name: "frames/b.png", width: 100, height: 100 },
    ]);
    expect(coco.annotations).toEqual([{ id: 1, image_id: 1, category_id: 1, bbox: [11, 9, 49, 42], area: 49 * 42, iscrowd: 0, segmentation: [] }]);
    expect(coco.categories).toEqual([
      { id: 1, name: "cat", supercategory: "" },
      { id: 2, name: "dog", supercategory: "" },
    ]);
    expect(coco.info).toMatchObject({ description: "labeling-job/street-objects" });
    expect(coco.licenses).toEqual([]);
    expect((await expectAppError(tableStream(db, job.id, manager, "csv"), "validation_failed")).message).toContain("export it as the Ground Truth manifest or COCO");
  }, 60_000);

  it("clusters entities by overlap, drops a minority's, and exports SageMaker's text-span manifest", async () => {
    const { manager, project, workers } = await labelingProject(db, 3);
    const text = "Ada Lovelace met Charles Babbage in London.";
    const version = await uploadDataset(db, store, manager, project.id, "bios.csv", Buffer.from(`id,bio\n1,"${text}"\n2,"Nobody here."\n`));
    const job = await createLabelingJob(
      db,
      project.id,
      createLabelingJobInput.parse({ name: "people-places", taskType: "named-entity-recognition", datasetVersionId: version.id, textField: "bio", labels: [{ name: "person" }, { name: "place" }], workersPerItem: 3, workerIds: workers.map((w) => w.id) }),
      manager,
    );
    await prepareLabelingJobs(db, store);
    const first = (await claimNext(db, job.id, workers[0])).item!;
    const refuse = async (answer: unknown) => (await expectAppError(submitAnswer(db, job.id, first.assignmentId, answer, workers[0]), "validation_failed")).message;
    expect(await refuse({ spans: [{ start: 0, end: 12, label: 0 }, { start: 4, end: 16, label: 0 }] })).toContain("entities 0–12 and 4–16 overlap");
    expect(await refuse({ spans: [{ start: 36, end: 50, label: 1 }] })).toContain("entity 36–50 (place) is not inside the text (0–43)");
    await submitAnswer(db, job.id, first.assignmentId, { spans: [{ start: 36, end: 42, label: 1 }, { start: 0, end: 12, label: 0 }, { start: 17, end: 32, label: 0 }] }, workers[0]);
    const second = (await claimNext(db, job.id, workers[0])).item!;
    await submitAnswer(db, job.id, second.assignmentId, { spans: [] }, workers[0]);
    const marked: Record<number, unknown[][]> = {
      0: [
        [{ start: 0, end: 12, label: 0 }, { start: 17, end: 32, label: 0 }, { start: 36, end: 42, label: 0 }], // London a person: outvoted
        [{ start: 0, end: 12, label: 0 }, { start: 25, end: 32, label: 0 }, { start: 36, end: 42, label: 1 }], // only "Babbage": too little overlap
      ],
      1: [[], [{ start: 0, end: 6, label: 0 }]], // "Nobody" by one of three: dropped
    };
    await answerAll(job.id, workers.slice(1), 2, (w, seq) => ({ spans: marked[seq][w] }));
    await consolidateLabeledItems(db);
    expect((await getLabelingJob(db, job.id, manager)).status).toBe("completed");
    const items = await listJobItems(db, job.id, manager, { limit: 10 });
    expect(items.map((i) => i.labels)).toEqual([["person: Ada Lovelace", "person: Charles Babbage", "place: London"], []]);

    const [one, two] = await lines((await manifestStream(db, job.id, manager)).stream);
    expect(one.source).toBe(text);
    expect(one["people-places"]).toEqual({
      annotations: {
        entities: [
          { endOffset: 12, startOffset: 0, label: "person" },
          { endOffset: 32, startOffset: 17, label: "person" },
          { endOffset: 42, startOffset: 36, label: "place" },
        ],
        labels: [{ label: "person" }, { label: "place" }],
      },
    });
    const metadata = one["people-places-metadata"] as Record<string, unknown>;
    expect(metadata).toMatchObject({ type: "groundtruth/text-span", "job-name": "labeling-job/people-places", "human-annotated": "yes" });
    expect(metadata.entities).toEqual([{ confidence: 1 }, { confidence: 0.67 }, { confidence: 1 }]);
    expect(two["people-places"]).toEqual({ annotations: { entities: [], labels: [{ label: "person" }, { label: "place" }] } });
    expect((await db.labelingItem.findFirstOrThrow({ where: { jobId: job.id, seq: 1 } })).confidence).toBeCloseTo(2 / 3); // two of three said "none"
    // JSON Lines and CSV carry the entities with their words.
    const [row] = (await new Response((await tableStream(db, job.id, manager, "jsonl")).stream).text()).trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(Object.keys(row)).toEqual(["text", "entities", "confidence", "human_annotated", "workers", "review", "reviewed_by", "reviewed_at"]);
    expect(row.entities).toEqual([
      { start: 0, end: 12, label: "person", text: "Ada Lovelace", confidence: 1 },
      { start: 17, end: 32, label: "person", text: "Charles Babbage", confidence: 2 / 3 },
      { start: 36, end: 42, label: "place", text: "London", confidence: 1 },
    ]);
    const csv = await new Response((await tableStream(db, job.id, manager, "csv")).stream).text();
    expect(csv.split("\n")[0]).toBe("text,entities,confidence,human_annotated,workers,review,reviewed_by,reviewed_at");
  }, 60_000);
});
