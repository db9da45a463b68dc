// Importing boxes and entities on both databases: a box job's Ground Truth manifest and COCO file,
// and an entity job's manifest, CSV and JSON Lines, exported, uploaded as dataset versions,
// imported (images found in the zip: studio:// references directly, s3:// and plain paths by
// their path in the zip) and exported again to the same bytes; and what is refused, naming the
// line: images missing from the zip, unknown classes, boxes outside the image (reaching past it:
// clamped), a wrong image size, entities outside the text or overlapping, an entity's words wrong.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { setupTestDb } from "@/test/db";
import { expectAppError } from "@/test/fixtures";
import { labelAll, labelingProject, uploadDataset, zipOf } from "@/test/labeling";
import { LocalArtifactStore } from "@/server/artifacts/artifact-store";
import { createLabelingJobInput } from "@/lib/labeling/tasks";
import { createLabelingJob, getLabelingJob, listJobItems } from "@/server/labeling/manage-jobs";
import { prepareLabelingJobs } from "@/server/labeling/prepare-items";
import { consolidateLabeledItems } from "@/server/labeling/consolidate";
import { cocoStream } from "@/server/labeling/export-coco";
import { exportStream } from "@/server/labeling/export-formats";
import { createImportJob, importPendingLabels } from "@/server/labeling/import-labels";
import { importLabelsInput } from "@/server/labeling/exchange-schemas";
import type { ExportFormat } from "@/lib/labeling/exchange";
import type { Principal } from "@/server/auth/principal";

const db = setupTestDb();
const storeRoot = mkdtempSync(path.join(os.tmpdir(), "labeling-import-objects-test-"));
const store = new LocalArtifactStore(storeRoot);
afterAll(() => rmSync(storeRoot, { recursive: true, force: true }));

const read = (stream: ReadableStream<Uint8Array>) => new Response(stream).text();
const exported = async (jobId: string, principal: Principal, format: ExportFormat | "coco") => read((format === "coco" ? await cocoStream(db, jobId, principal) : await exportStream(db, jobId, principal, format)).stream);
const image = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: "#88aa44" } }).png().toBuffer();

let files = 0;
/** Uploads `body` as a dataset version and imports it as a job (the worker's pass run); the job after. */
async function importFile(manager: Principal, projectId: string, name: string, filename: string, body: string, extra: { imagesVersionId?: string } = {}) {
  const version = await uploadDataset(db, store, manager, projectId, `f${++files}-${filename}`, body);
  expect(version.status).not.toBe("failed");
  const job = await createImportJob(db, store, projectId, importLabelsInput.parse({ name, datasetVersionId: version.id, ...extra }), manager);
  await importPendingLabels(db, store);
  return getLabelingJob(db, job.id, manager);
}

describe("importing boxes and entities", () => {
  it("imports a box job's manifest and COCO (studio://, s3:// and plain references) and exports them again byte for byte; refuses what does not fit", async () => {
    const { manager, project, workers } = await labelingProject(db, 2);
    const zip = await uploadDataset(db, store, manager, project.id, "street.zip", zipOf({ "frames/a.png": await image(200, 100), "frames/b.png": await image(100, 100), "c.png": await image(50, 40) }));
    const job = await createLabelingJob(
      db,
      project.id,
      createLabelingJobInput.parse({ name: "street-objects", taskType: "bounding-box", datasetVersionId: zip.id, labels: [{ name: "cat" }, { name: "dog" }, { name: "bird" }], workersPerItem: 2, workerIds: workers.map((w) => w.id) }),
      manager,
    );
    await prepareLabelingJobs(db, store);
    const drawn: Record<string, unknown[][]> = {
      "frames/a.png": [
        [{ classId: 0, left: 10, top: 10, width: 50, height: 40 }, { classId: 1, left: 100, top: 20, width: 60, height: 70 }],
        [{ classId: 0, left: 12, top: 8, width: 50, height: 44 }, { classId: 1, left: 104, top: 22, width: 58, height: 68 }],
      ],
      "frames/b.png": [[], []],
      "c.png": [[{ classId: 2, left: 1, top: 2, width: 30, height: 20 }], [{ classId: 2, left: 1, top: 2, width: 30, height: 20 }]],
    };
    const refs = (await listJobItems(db, job.id, manager, { limit: 10 })).map((i) => i.sourceRef!);
    await labelAll(db, job.id, workers, (seq, k) => ({ boxes: drawn[refs[seq]][k] }));
    await consolidateLabeledItems(db);
    const manifest = await exported(job.id, manager, "groundtruth-manifest");
    const coco = await exported(job.id, manager, "coco");
    const original = manifest.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(original.map((l) => l["source-ref"])).toEqual(refs.map((r) => `studio://datasets/street/v1/${r}`));

    // The manifest: its studio:// references name the zip, so none needs picking.
    const fromManifest = await importFile(manager, project.id, "boxes-back", "boxes.manifest", manifest);
    expect(fromManifest).toMatchObject({ status: "completed", taskType: "bounding-box", importFormat: "groundtruth-manifest", labelAttributeName: "street-objects", datasetVersion: { id: zip.id }, labels: [{ name: "cat" }, { name: "dog" }, { name: "bird" }], counts: { items: 3, consolidated: 3 } });
    expect(await exported(fromManifest.id, manager, "groundtruth-manifest")).toBe(manifest);
    // Field by field: each item's image, size, boxes and their confidences; the job name and date as written.
    const items = await db.labelingItem.findMany({ where: { jobId: fromManifest.id }, orderBy: { seq: "asc" } });
    for (const [i, item] of items.entries()) {
      const line = original[i] as Record<string, Record<string, unknown>>;
      const label = JSON.parse(item.label!) as { boxes: { classId: number; left: number; top: number; width: number; height: number; confidence: number }[] };
      expect(item).toMatchObject({ sourceRef: refs[i], width: (line["street-objects"].image_size as { width: number }[])[0].width, humanAnnotated: true, status: "consolidated" });
      expect(label.boxes.map(({ confidence, ...b }) => ({ class_id: b.classId, left: b.left, top: b.top, width: b.width, height: b.height, confidence }))).toEqual(
        (line["street-objects"].annotations as object[]).map((a, n) => ({ ...a, confidence: (line["street-objects-metadata"].objects as { confidence: number }[])[n].confidence })),
      );
      expect(JSON.parse(item.origin!)).toEqual({ jobName: "labeling-job/street-objects", creationDate: line["street-objects-metadata"]["creation-date"] });
    }

    // COCO: file_name is the path in the picked zip; the info comes back as it was.
    const fromCoco = await importFile(manager, project.id, "coco-back", "boxes-coco.json", coco, { imagesVersionId: zip.id });
    expect(fromCoco).toMatchObject({ status: "completed", taskType: "bounding-box", importFormat: "coco", datasetVersion: { id: zip.id }, labels: [{ name: "cat" }, { name: "dog" }, { name: "bird" }], counts: { items: 3 } });
    expect(await exported(fromCoco.id, manager, "coco")).toBe(coco);
    // COCO has no confidence: the boxes come as sure; otherwise the manifest's boxes.
    const cocoManifest = (await exported(fromCoco.id, manager, "groundtruth-manifest")).trim().split("\n").map((l) => JSON.parse(l) as Record<string, Record<string, unknown>>);
    expect(cocoManifest.map((l) => l["coco-back"])).toEqual(original.map((l) => l["street-objects"]));
    expect(cocoManifest.map((l) => l["coco-back-metadata"].objects)).toEqual(original.map((l) => ((l["street-objects-metadata"] as { objects: object[] }).objects).map(() => ({ confidence: 1 }))));

    // s3:// and plain paths find their image by its path in the picked zip: the same export again.
    const elsewhere = original.map((l, i) => JSON.stringify({ ...l, "source-ref": i === 0 ? `s3://bucket/raw/street/${refs[i]}` : i === 1 ? refs[i] : `/data/${refs[i]}` })).join("\n");
    const fromS3 = await importFile(manager, project.id, "s3-back", "s3.manifest", `${elsewhere}\n`, { imagesVersionId: zip.id });
    expect(fromS3.status).toBe("completed");
    expect(await exported(fromS3.id, manager, "groundtruth-manifest")).toBe(manifest);
    // …but without the zip picked they cannot be found.
    const s3 = await uploadDataset(db, store, manager, project.id, "s3only.manifest", elsewhere);
    expect((await expectAppError(createImportJob(db, store, project.id, importLabelsInput.parse({ name: "no-zip", datasetVersionId: s3.id }), manager), "validation_failed")).message).toContain(
      `the labels refer to images (the first: s3://bucket/raw/street/${refs[0]}): pick the dataset version (a zip) holding them`,
    );
    const texts = await uploadDataset(db, store, manager, project.id, "notzip.csv", "a\n1\n");
    expect((await expectAppError(createImportJob(db, store, project.id, importLabelsInput.parse({ name: "csv-zip", datasetVersionId: s3.id, imagesVersionId: texts.id }), manager), "validation_failed")).message).toContain("is csv: the images come from a zip");

    // Refused in the worker, naming the line: a missing image, an unknown class, a box outside the image, a wrong size.
    const line0 = original[refs.indexOf("frames/a.png")] as Record<string, Record<string, unknown>>;
    const withBoxes = (annotations: object[], objects = annotations.map(() => ({ confidence: 0.9 }))) => ({ ...line0, "street-objects": { ...line0["street-objects"], annotations }, "street-objects-metadata": { ...line0["street-objects-metadata"], objects } });
    for (const [name, line, message, extra] of [
      ["missing", { ...line0, "source-ref": "s3://bucket/frames/zzz.png" }, "line 1: image s3://bucket/frames/zzz.png is not in street version 1", { imagesVersionId: zip.id }],
      ["other-version", { ...line0, "source-ref": "studio://datasets/street/v2/frames/a.png" }, "line 1: image studio://datasets/street/v2/frames/a.png is in street version 2, but the images picked are street version 1", { imagesVersionId: zip.id }],
      ["unknown-class", withBoxes([{ class_id: 7, left: 1, top: 1, width: 5, height: 5 }]), "line 1: annotation 1 has class_id 7, which class-map does not name", {}],
      ["outside", withBoxes([{ class_id: 0, left: 250, top: 10, width: 20, height: 20 }]), "line 1: box 1 (cat) at 250, 10 lies outside the 200 × 100 image", {}],
      ["no-confidence", withBoxes([{ class_id: 0, left: 1, top: 1, width: 5, height: 5 }], []), "line 1: objects does not hold one { confidence } per annotation", {}],
      ["wrong-size", { ...line0, "street-objects": { ...line0["street-objects"], image_size: [{ width: 640, height: 480, depth: 3 }] } }, "line 1: the labels say frames/a.png is 640 × 480, but it is 200 × 100", {}],
    ] as const) {
      const failed = await importFile(manager, project.id, name, `${name}.manifest`, JSON.stringify(line), extra);
      expect(failed.status).toBe("failed");
      expect(failed.statusReason).toContain(message);
      expect(failed.counts.items).toBe(0);
    }
    // A box reaching past the image is clamped to it, as a labeler's is.
    const clamped = await importFile(manager, project.id, "clamped", "clamped.manifest", JSON.stringify(withBoxes([{ class_id: 1, left: 180, top: 80, width: 40, height: 40 }])));
    expect(clamped.status).toBe("completed");
    expect(JSON.parse((await exported(clamped.id, manager, "groundtruth-manifest")).trim())["street-objects"].annotations).toEqual([{ class_id: 1, left: 180, top: 80, width: 20, height: 20 }]);

    // COCO refusals: an unknown category, an annotation of no image, an image not in the zip.
    const cocoJson = JSON.parse(coco) as { images: { file_name: string }[]; annotations: { category_id: number; image_id: number }[] };
    for (const [name, file, message] of [
      ["coco-category", { ...cocoJson, annotations: [{ ...cocoJson.annotations[0], category_id: 9 }] }, "annotation 1 (id 1): category_id 9 is not one of the categories"],
      ["coco-image-id", { ...cocoJson, annotations: [{ ...cocoJson.annotations[0], image_id: 99 }] }, "annotation 1 (id 1): image_id 99 is not one of the images"],
      ["coco-missing", { ...cocoJson, images: cocoJson.images.map((im, i) => (i === 1 ? { ...im, file_name: "frames/nope.png" } : im)) }, "image 2 (id 2): image frames/nope.png is not in street version 1"],
    ] as const) {
      const failed = await importFile(manager, project.id, name, `${name}.json`, JSON.stringify(file), { imagesVersionId: zip.id });
      expect(failed.status).toBe("failed");
      expect(failed.statusReason).toContain(message);
    }
  }, 120_000);

  it("imports an entity job's manifest, CSV and JSON Lines and exports them again byte for byte; refuses entities outside the text, overlapping or misquoted", async () => {
    const { manager, project, workers } = await labelingProject(db, 3);
    const bios = ["Ada Lovelace met Charles Babbage in London.", 'Grace "Amazing" Hopper, <b>Arlington</b>', "Nobody here."];
    const version = await uploadDataset(db, store, manager, project.id, "bios.jsonl", bios.map((bio) => JSON.stringify({ bio })).join("\n"));
    const job = await createLabelingJob(
      db,
      project.id,
      createLabelingJobInput.parse({ name: "people-places", taskType: "named-entity-recognition", datasetVersionId: version.id, textField: "bio", labels: [{ name: "person" }, { name: "place" }, { name: "date" }], workersPerItem: 3, workerIds: workers.map((w) => w.id) }),
      manager,
    );
    await prepareLabelingJobs(db, store);
    // The third worker's odd entities are a minority's, dropped; the others' confidence 2/3.
    const marked: Record<number, unknown[][]> = {
      0: [
        [{ start: 0, end: 12, label: 0 }, { start: 17, end: 32, label: 0 }, { start: 36, end: 42, label: 1 }],
        [{ start: 0, end: 12, label: 0 }, { start: 17, end: 32, label: 0 }, { start: 36, end: 42, label: 1 }],
        [{ start: 0, end: 3, label: 0 }, { start: 25, end: 32, label: 0 }],
      ],
      1: [[{ start: 0, end: 22, label: 0 }, { start: 27, end: 36, label: 1 }], [{ start: 0, end: 22, label: 0 }, { start: 27, end: 36, label: 1 }], [{ start: 27, end: 36, label: 1 }]],
      2: [[], [], []],
    };
    await labelAll(db, job.id, workers, (seq, k) => ({ spans: marked[seq][k] }));
    await consolidateLabeledItems(db);
    expect((await getLabelingJob(db, job.id, manager)).status).toBe("completed");

    for (const format of ["groundtruth-manifest", "jsonl", "csv"] as const) {
      const original = await exported(job.id, manager, format);
      const back = await importFile(manager, project.id, `ner-${format}`, format === "csv" ? "ner.csv" : format === "jsonl" ? "ner.jsonl" : "ner.manifest", original);
      expect(back.statusReason).toContain("Imported 3 labels");
      expect(back).toMatchObject({ status: "completed", taskType: "named-entity-recognition", importFormat: format, counts: { items: 3, consolidated: 3 } });
      // The manifest lists every label; the CSV / JSON Lines name the ones used, in order of appearance.
      expect(back.labels.map((l) => l.name)).toEqual(format === "groundtruth-manifest" ? ["person", "place", "date"] : ["person", "place"]);
      expect(await exported(back.id, manager, format)).toBe(original);
      if (format === "jsonl") {
        // Field by field: offsets, labels and each entity's confidence.
        const items = await db.labelingItem.findMany({ where: { jobId: back.id }, orderBy: { seq: "asc" } });
        const rows = original.trim().split("\n").map((l) => JSON.parse(l) as { text: string; entities: { start: number; end: number; label: string; confidence: number }[]; confidence: number });
        for (const [i, item] of items.entries()) {
          expect(item.text).toBe(rows[i].text);
          expect(item.confidence).toBe(rows[i].confidence);
          expect((JSON.parse(item.label!) as { spans: object[] }).spans).toEqual(rows[i].entities.map((e) => ({ start: e.start, end: e.end, label: ["person", "place"].indexOf(e.label), confidence: e.confidence })));
        }
      }
    }

    // Refused, naming the line: outside the text, overlapping, a label the line does not list, words that are not the text's.
    const [first] = (await exported(job.id, manager, "groundtruth-manifest")).trim().split("\n").map((l) => JSON.parse(l) as Record<string, Record<string, Record<string, unknown>>>);
    const withEntities = (entities: object[]) => ({ ...first, "people-places": { annotations: { ...first["people-places"].annotations, entities } }, "people-places-metadata": { ...first["people-places-metadata"], entities: entities.map(() => ({ confidence: 1 })) } });
    const [row] = (await exported(job.id, manager, "jsonl")).trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const [name, filename, body, message] of [
      ["outside", "outside.manifest", withEntities([{ startOffset: 36, endOffset: 50, label: "place" }]), "line 1: entity 36–50 (place) is not inside the text (0–43)"],
      ["overlap", "overlap.manifest", withEntities([{ startOffset: 0, endOffset: 12, label: "person" }, { startOffset: 4, endOffset: 16, label: "person" }]), "line 1: entities 0–12 and 4–16 overlap"],
      ["unlisted", "unlisted.manifest", withEntities([{ startOffset: 0, endOffset: 3, label: "animal" }]), 'line 1: entity 1 has label "animal", which its labels do not list'],
      ["misquoted", "misquoted.jsonl", { ...row, entities: [{ start: 0, end: 3, label: "person", text: "Bob", confidence: 1 }] }, 'row 1: entity 1 (0–3) says it covers "Bob", but the text there is "Ada"'],
      ["table-outside", "table-outside.jsonl", { ...row, entities: [{ start: 40, end: 60, label: "place", text: "n.", confidence: 1 }] }, "row 1: entity 40–60 (place) is not inside the text (0–43)"],
    ] as const) {
      const failed = await importFile(manager, project.id, name, filename, JSON.stringify(body));
      expect(failed.status).toBe("failed");
      expect(failed.statusReason).toContain(message);
      expect(failed.counts.items).toBe(0);
    }
  }, 120_000);
});
