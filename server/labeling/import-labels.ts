import "server-only";
import readline from "node:readline";
import type { Readable } from "node:stream";
import { parse as parseCsv } from "csv-parse";
import type { Db } from "@/server/db";
import { AppError } from "@/server/errors";
import type { Principal } from "@/server/auth/principal";
import type { ArtifactStore } from "@/server/artifacts/artifact-store";
import { requireProjectPermission } from "@/server/projects/project-access";
import { getLabelingJob } from "@/server/labeling/manage-jobs";
import { ItemWriter, MAX_TEXT, type NewItem } from "@/server/labeling/prepare-items";
import { exportedTableTask, parseTableRow } from "@/server/labeling/export-formats";
import type { ConsolidatedLabel } from "@/server/labeling/consolidate";
import { checkAnswer } from "@/server/labeling/queue";
import { studioImageRef, ZipImages } from "@/server/labeling/import-images";
import type { ImportLabelsInput } from "@/server/labeling/exchange-schemas";
import { importFormatLabels, type ImportFormat, type ReviewStatus } from "@/lib/labeling/exchange";
import { defaultTaskTimeLimitSeconds, isMultiLabel, isTextTask, manifestType, boxAnswerItem, type BoxAnswerItem, type LabelDef, type LabelingJobView, type SpanAnswerItem, type TaskType } from "@/lib/labeling/tasks";

// Importing labels: a dataset version holding labels — a SageMaker Ground Truth output manifest
// (text classification, named entities, bounding boxes), a COCO file of boxes, or this studio's
// CSV / JSON Lines export of classes or entities (or any CSV / JSON Lines with text and label or
// entities columns) — becomes a labeling job whose items already carry their consolidated labels,
// confidence (per object too), human-annotated flag and review state. Image labels refer to images
// of a zip dataset version of the project (import-images.ts says how a reference finds its image);
// that zip becomes the job's dataset version. Objects are checked as a labeler's answer is: boxes
// past the image clamped (none left inside: refused), entities inside the text and apart. It is how
// a team brings labels from Ground Truth or another studio: the job then works like any other
// (review queue, exports, saving as a dataset version), and export → import → export gives the
// same bytes back (COCO: its info too; the manifest: each line's job name and creation date).
//
// The request checks the file's first record (format, task, label attribute) so a wrong file is
// refused at once; the worker reads the whole file into items and fails the job naming the line
// of anything it cannot read.

type Row = Record<string, unknown>;

/** The file's records, one at a time (CSV: by header; JSON Lines: one object per line), with their line numbers. */
async function* records(stream: Readable, format: string): AsyncGenerator<{ line: number; row: Row }> {
  if (format === "csv") {
    const parser = stream.pipe(parseCsv({ columns: true, bom: true, relax_column_count: true, skip_empty_lines: true }));
    let line = 1;
    for await (const row of parser as AsyncIterable<Row>) yield { line: ++line, row };
    return;
  }
  const lines = readline.createInterface({ input: stream, crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line++;
    if (!text.trim()) continue;
    let row: unknown;
    try {
      row = JSON.parse(text);
    } catch (error) {
      throw new Error(`line ${line} is not JSON (${(error as Error).message})`);
    }
    if (!row || typeof row !== "object" || Array.isArray(row)) throw new Error(`line ${line} is not a JSON object`);
    yield { line, row: row as Row };
  }
}

const manifestTasks = new Map(Object.entries(manifestType).map(([task, type]) => [type, task as TaskType]));

/** What the first record says the file is. */
interface Detected {
  format: ImportFormat;
  taskType: TaskType;
  /** Manifests: the label attribute read. */
  attribute: string | null;
  /** Texts: the field holding the text (null for images). */
  textField: string | null;
  /** Images: the first image the labels refer to. */
  imageRef: string | null;
}

/** Whether a record is a COCO file (one JSON object with images, annotations and categories). */
const isCoco = (row: Row) => "images" in row && "annotations" in row && "categories" in row;

function detect(row: Row, fileFormat: string, wantedAttribute: string | undefined): Detected {
  const keys = Object.keys(row);
  if (fileFormat === "jsonl" && isCoco(row)) {
    const first = Array.isArray(row.images) && isObject(row.images[0]) ? row.images[0].file_name : undefined;
    return { format: "coco", taskType: "bounding-box", attribute: null, textField: null, imageRef: typeof first === "string" ? first : null };
  }
  const table = exportedTableTask(keys);
  if (table) return { format: fileFormat === "csv" ? "csv" : "jsonl", taskType: table, attribute: null, textField: "text", imageRef: null };
  if (fileFormat !== "jsonl" || !("source" in row || "source-ref" in row)) {
    throw new Error(
      `its first record has ${keys.map((k) => JSON.stringify(k)).join(", ") || "no fields"}: a label import reads a Ground Truth output manifest (JSON Lines with "source" or "source-ref" and "<attribute>-metadata"), a COCO file (one JSON object with "images", "annotations" and "categories"), or a CSV / JSON Lines file with "text" and "label", "labels" or "entities" columns`,
    );
  }
  const attributes = keys.filter((k) => k.endsWith("-metadata") && keys.includes(k.slice(0, -"-metadata".length))).map((k) => k.slice(0, -"-metadata".length));
  if (attributes.length === 0) throw new Error(`its first line has no label attribute: no "<attribute>" with its "<attribute>-metadata"`);
  if (wantedAttribute && !attributes.includes(wantedAttribute)) throw new Error(`its first line has no label attribute ${wantedAttribute} (it has ${attributes.join(", ")})`);
  if (!wantedAttribute && attributes.length > 1) throw new Error(`its lines carry several label attributes (${attributes.join(", ")}): pick the one to import`);
  const attribute = wantedAttribute ?? attributes[0];
  const type = (row[`${attribute}-metadata`] as Row | null)?.type;
  const taskType = typeof type === "string" ? manifestTasks.get(type) : undefined;
  if (!taskType) throw new Error(`the label attribute ${attribute} has type ${JSON.stringify(type)}, which is not a task the studio labels`);
  if (taskType === "bounding-box") {
    if (typeof row["source-ref"] !== "string") throw new Error(`its first line has no "source-ref" naming an image`);
    return { format: "groundtruth-manifest", taskType, attribute, textField: null, imageRef: row["source-ref"] };
  }
  if (!isTextTask(taskType)) throw new Error(`its labels are ${type}: image classification labels cannot be imported (text classification, entities and boxes can)`);
  if (!("source" in row)) throw new Error(`its first line has no "source" text`);
  return { format: "groundtruth-manifest", taskType, attribute, textField: "source", imageRef: null };
}

async function firstRecord(store: ArtifactStore, storageKey: string, format: string): Promise<Row> {
  const stream = store.read(storageKey);
  try {
    for await (const { row } of records(stream, format)) return row;
  } finally {
    stream.destroy();
  }
  throw new Error("it holds no records");
}

const invalid = (path: string, message: string) => new AppError("validation_failed", `${path}: ${message}`, { issues: [{ path, message }] });

/**
 * The zip dataset version holding the images that image labels refer to: the one picked, else the
 * one the first `studio://datasets/<name>/v<n>/…` reference names.
 */
async function imagesVersion(db: Db, projectId: string, picked: string | undefined, imageRef: string | null) {
  const select = { id: true, format: true, status: true, statusReason: true, version: true, dataset: { select: { projectId: true, name: true } } } as const;
  const studio = imageRef ? studioImageRef(imageRef) : null;
  const version = picked
    ? await db.datasetVersion.findUnique({ where: { id: picked }, select })
    : studio
      ? await db.datasetVersion.findFirst({ where: { version: studio.version, dataset: { projectId, name: studio.datasetName } }, select })
      : null;
  if (!version) {
    if (picked) throw invalid("imagesVersionId", "names no dataset version of this project");
    throw invalid("imagesVersionId", `the labels refer to images (the first: ${imageRef ?? "none named"})${studio ? `, and the project has no ${studio.datasetName} version ${studio.version}` : ""}: pick the dataset version (a zip) holding them`);
  }
  const label = `${version.dataset.name} version ${version.version}`;
  if (version.dataset.projectId !== projectId) throw invalid("imagesVersionId", "names no dataset version of this project");
  if (version.status === "failed") throw invalid("imagesVersionId", `${label} failed validation: ${version.statusReason ?? "no reason given"}`);
  if (version.format !== "zip") throw invalid("imagesVersionId", `${label} is ${version.format}: the images come from a zip`);
  return version;
}

/** Creates the job that imports a dataset version's labels (the worker reads them once the version is validated). */
export async function createImportJob(db: Db, store: ArtifactStore, projectId: string, input: ImportLabelsInput, actor: Principal): Promise<LabelingJobView> {
  await requireProjectPermission(db, projectId, actor, "labeling:manage");
  const version = await db.datasetVersion.findUnique({ where: { id: input.datasetVersionId }, select: { id: true, format: true, status: true, statusReason: true, version: true, storageKey: true, dataset: { select: { projectId: true, name: true } } } });
  if (!version || version.dataset.projectId !== projectId) throw invalid("datasetVersionId", "names no dataset version of this project");
  const label = `${version.dataset.name} version ${version.version}`;
  if (version.status === "failed") throw invalid("datasetVersionId", `${label} failed validation: ${version.statusReason ?? "no reason given"}`);
  if (version.format !== "csv" && version.format !== "jsonl") throw invalid("datasetVersionId", `${label} is ${version.format}: labels are imported from a CSV or JSON Lines file`);
  if (input.labels && new Set(input.labels.map((l) => l.toLowerCase())).size !== input.labels.length) throw invalid("labels", "label names must differ");
  let detected: Detected;
  try {
    detected = detect(await firstRecord(store, version.storageKey, version.format), version.format, input.labelAttributeName);
  } catch (error) {
    throw invalid("datasetVersionId", `${label} cannot be imported: ${(error as Error).message}`);
  }
  // Image labels: the job's dataset version is the zip of the images, the labels file is kept beside it.
  const images = detected.textField === null ? await imagesVersion(db, projectId, input.imagesVersionId, detected.imageRef) : null;
  if (await db.labelingJob.findUnique({ where: { projectId_name: { projectId, name: input.name } }, select: { id: true } })) throw invalid("name", `the project already has a labeling job named ${input.name}`);
  const row = await db.labelingJob.create({
    data: {
      projectId,
      name: input.name,
      taskType: detected.taskType,
      datasetVersionId: images?.id ?? version.id,
      importVersionId: images ? version.id : null,
      textField: detected.textField,
      labelAttributeName: detected.attribute ?? input.labelAttributeName ?? input.name,
      labels: JSON.stringify((input.labels ?? []).map((name) => ({ name, description: "" }))),
      // Nobody labels an imported job: its items come labeled.
      workersPerItem: 0,
      taskTimeLimitSeconds: defaultTaskTimeLimitSeconds(detected.taskType),
      importFormat: detected.format,
      ...(input.reviewThreshold !== undefined ? { reviewThreshold: input.reviewThreshold } : {}),
      createdById: actor.id,
      statusReason: `Reading the labels of ${label} (${importFormatLabels[detected.format]})${images ? `, with the images of ${images.dataset.name} version ${images.version}` : ""}.`,
    },
    select: { id: true },
  });
  return getLabelingJob(db, row.id, actor);
}

/** The label set as the import builds it: given up front, or named as the file goes. */
class LabelSet {
  private names: (string | undefined)[];
  private fixed: boolean;
  constructor(given: LabelDef[]) {
    this.names = given.map((l) => l.name);
    this.fixed = given.length > 0;
  }

  /** Manifests: class id `id` is named `name` (the same everywhere in the file, and as given). */
  named(id: number, name: string, line: number): number {
    if (!Number.isInteger(id) || id < 0 || id >= 50) throw new Error(`line ${line}: class id ${id} is not 0–49`);
    const known = this.names[id];
    if (known === undefined && !this.fixed) this.names[id] = name;
    else if (known !== name) throw new Error(`line ${line}: class ${id} is named ${JSON.stringify(name)}, but ${known === undefined ? "the label set you gave has no such class" : `elsewhere ${JSON.stringify(known)}`}`);
    return id;
  }

  /** CSV / JSON Lines: the id of label `name` (new names get the next id unless the set was given). */
  id(name: string, line: number): number {
    const at = this.names.indexOf(name);
    if (at >= 0) return at;
    if (this.fixed) throw new Error(`row ${line}: label ${JSON.stringify(name)} is not in the label set you gave (${this.names.join(", ")})`);
    if (this.names.length >= 50) throw new Error(`row ${line}: label ${JSON.stringify(name)} would be the 51st label (at most 50)`);
    this.names.push(name);
    return this.names.length - 1;
  }

  /** The label set so far (a class not yet named is its id), for checking objects against it. */
  current(): LabelDef[] {
    return Array.from(this.names, (name, i) => ({ name: name ?? String(i), description: "" }));
  }

  final(): LabelDef[] {
    // (Array.from: a class id seen before lower ones leaves holes, which flatMap would skip.)
    const missing = Array.from(this.names, (n, i) => (n === undefined ? i : -1)).filter((i) => i >= 0);
    if (missing.length) throw new Error(`class id${missing.length > 1 ? "s" : ""} ${missing.join(", ")} appear${missing.length > 1 ? "" : "s"} in no line with a name: give the label set in class-id order`);
    if (this.names.length === 0) throw new Error("the file names no labels");
    return Array.from(this.names, (name) => ({ name: name!, description: "" }));
  }
}

const isObject = (v: unknown): v is Row => typeof v === "object" && v !== null && !Array.isArray(v);
/** A manifest's creation-date as a time (it has no zone: UTC, as SageMaker writes it). */
const manifestDate = (text: string): Date | null => {
  const d = new Date(`${text.slice(0, 23)}Z`);
  return Number.isNaN(d.getTime()) ? null : d;
};

interface ImportJob {
  taskType: TaskType;
  threshold: number;
  attribute: string;
  labels: LabelSet;
  reviewer: (email: string | null) => Promise<string | null>;
  now: Date;
  /** Image labels: the zip of the images. */
  images: ZipImages | null;
}

const labeledText = (text: string, labeled: NonNullable<NewItem["labeled"]>): NewItem => ({ sourceRef: null, text, width: null, height: null, status: "consolidated", unreadableReason: null, labeled });

/** A manifest line's label attribute and its metadata, checked against the first line's type. */
function manifestParts(job: ImportJob, row: Row, line: number): { value: unknown; meta: Row } {
  const value = row[job.attribute];
  const meta = row[`${job.attribute}-metadata`];
  if (value === undefined) throw new Error(`line ${line} has no ${job.attribute}`);
  if (!isObject(meta)) throw new Error(`line ${line} has no ${job.attribute}-metadata object`);
  if (meta.type !== manifestType[job.taskType]) throw new Error(`line ${line}: type is ${JSON.stringify(meta.type)}, not ${manifestType[job.taskType]} as on the first line`);
  return { value, meta };
}

/** A number in [0, 1], or an error naming the line and what it is. */
function probability(v: unknown, what: string, line: number): number {
  if (typeof v !== "number" || !(v >= 0 && v <= 1)) throw new Error(`line ${line}: ${what} is not a number in [0, 1]`);
  return v;
}

/** A manifest line's text ("source"). */
function manifestText(row: Row, line: number): string {
  if (typeof row.source !== "string" || !row.source) throw new Error(`line ${line} has no "source" text`);
  if (row.source.length > MAX_TEXT) throw new Error(`line ${line}: the text is longer than ${MAX_TEXT.toLocaleString("en-US")} characters`);
  return row.source;
}

/** The rest of a manifest item: human-annotated, the origin (job name and creation date as written), the review state. */
function manifestLabeled(job: ImportJob, meta: Row, line: number, label: ConsolidatedLabel, confidence: number | null): NonNullable<NewItem["labeled"]> {
  const human = meta["human-annotated"];
  if (human !== "yes" && human !== "no") throw new Error(`line ${line}: human-annotated is ${JSON.stringify(human)}, not "yes" or "no"`);
  const jobName = meta["job-name"];
  const created = meta["creation-date"];
  if (typeof jobName !== "string" || typeof created !== "string" || !manifestDate(created)) throw new Error(`line ${line}: job-name or creation-date is missing`);
  const adjustment = meta["adjustment-status"];
  if (adjustment !== undefined && adjustment !== "adjusted" && adjustment !== "unadjusted") throw new Error(`line ${line}: adjustment-status is ${JSON.stringify(adjustment)}`);
  const review: ReviewStatus | null = adjustment === "adjusted" ? "corrected" : adjustment === "unadjusted" ? "accepted" : confidence !== null && confidence < job.threshold ? "pending" : null;
  return {
    label: JSON.stringify(label),
    confidence,
    humanAnnotated: human === "yes",
    consolidatedAt: manifestDate(created)!,
    reviewStatus: review,
    reviewedById: null,
    reviewerEmail: null,
    reviewedAt: null,
    origin: JSON.stringify({ jobName, creationDate: created }),
  };
}

/** An item's confidence from its objects' (the least sure), or null with none. */
const objectsConfidence = (objects: { confidence: number }[]) => (objects.length ? Math.min(...objects.map((o) => o.confidence)) : null);

/** Objects checked as a labeler's answer is (queue.ts checkAnswer: boxes clamped to the image, entities inside the text and apart), in the order given. */
function checkedObjects<T extends { confidence: number }>(job: ImportJob, answer: { boxes: BoxAnswerItem[] } | { spans: SpanAnswerItem[] }, objects: T[], item: { width: number | null; height: number | null; text: string | null }, where: string): T[] {
  let checked;
  try {
    checked = checkAnswer(job.taskType, job.labels.current(), answer, item);
  } catch (error) {
    throw new Error(`${where}: ${(error as Error).message.replace(/^answer: /, "")}`);
  }
  // Boxes come back clamped in their order; entities are only checked (kept as given).
  return "boxes" in checked ? objects.map((o, i) => ({ ...o, ...checked.boxes[i] })) : objects;
}

/** One manifest line → an item with its label. */
async function manifestItem(job: ImportJob, row: Row, line: number): Promise<NewItem> {
  const { value, meta } = manifestParts(job, row, line);
  if (job.taskType === "bounding-box") return manifestBoxes(job, row, line, value, meta);
  const text = manifestText(row, line);
  if (job.taskType === "named-entity-recognition") return manifestSpans(job, text, line, value, meta);
  let label: ConsolidatedLabel;
  let confidence: number | null;
  if (isMultiLabel(job.taskType)) {
    const classMap = meta["class-map"];
    const confidenceMap = meta["confidence-map"];
    if (!Array.isArray(value) || !value.every((c) => Number.isInteger(c))) throw new Error(`line ${line}: ${job.attribute} is not a list of class ids`);
    if (!isObject(classMap)) throw new Error(`line ${line}: class-map is missing`);
    const ids = (value as number[]).map((c) => {
      const name = classMap[String(c)];
      if (typeof name !== "string" || !name) throw new Error(`line ${line}: class-map names no class ${c}`);
      return job.labels.named(c, name, line);
    });
    const map = Object.fromEntries(ids.map((c) => [String(c), probability(isObject(confidenceMap) ? confidenceMap[String(c)] : undefined, `confidence-map's ${c}`, line)]));
    label = { labels: ids, confidenceMap: map, majority: null, workers: null };
    confidence = ids.length ? Math.min(...Object.values(map)) : null;
  } else {
    if (typeof value !== "number") throw new Error(`line ${line}: ${job.attribute} is not a class id`);
    if (typeof meta["class-name"] !== "string" || !meta["class-name"]) throw new Error(`line ${line}: class-name is missing`);
    label = { label: job.labels.named(value, meta["class-name"], line), majority: null, workers: null };
    confidence = probability(meta.confidence, "confidence", line);
  }
  return labeledText(text, manifestLabeled(job, meta, line, label, confidence));
}

/** A box job's manifest line: the image (found in the zip, its size as written), its boxes and each box's confidence. */
async function manifestBoxes(job: ImportJob, row: Row, line: number, value: unknown, meta: Row): Promise<NewItem> {
  const ref = row["source-ref"];
  if (typeof ref !== "string" || !ref) throw new Error(`line ${line} has no "source-ref" naming an image`);
  const size = isObject(value) && Array.isArray(value.image_size) && isObject(value.image_size[0]) ? value.image_size[0] : null;
  const annotations = isObject(value) ? value.annotations : undefined;
  if (!size || !Array.isArray(annotations)) throw new Error(`line ${line}: ${job.attribute} is not { image_size: [{ width, height, depth }], annotations: [...] }`);
  const classMap = meta["class-map"];
  const objects = meta.objects;
  if (!isObject(classMap)) throw new Error(`line ${line}: class-map is missing`);
  if (!Array.isArray(objects) || objects.length !== annotations.length) throw new Error(`line ${line}: objects does not hold one { confidence } per annotation`);
  for (const [id, name] of Object.entries(classMap)) {
    if (typeof name !== "string" || !name || !/^\d+$/.test(id)) throw new Error(`line ${line}: class-map ${JSON.stringify(id)} is not a class id and its name`);
    job.labels.named(Number(id), name, line);
  }
  const boxes = annotations.map((a: unknown, n) => {
    const box = boxAnswerItem.safeParse(isObject(a) ? { classId: a.class_id, left: a.left, top: a.top, width: a.width, height: a.height } : null);
    if (!box.success) throw new Error(`line ${line}: annotation ${n + 1} is not { class_id, left, top, width, height } in pixels`);
    if (!(String(box.data.classId) in classMap)) throw new Error(`line ${line}: annotation ${n + 1} has class_id ${box.data.classId}, which class-map does not name`);
    return { ...box.data, confidence: probability(isObject(objects[n]) ? objects[n].confidence : undefined, `objects[${n}].confidence`, line) };
  });
  const image = await imageOf(job, ref, `line ${line}`, { width: size.width, height: size.height });
  const checked = checkedObjects(job, { boxes }, boxes, { ...image, text: null }, `line ${line}`);
  const label: ConsolidatedLabel = { boxes: checked, workers: 0, dropped: 0 };
  return { sourceRef: image.path, text: null, width: image.width, height: image.height, status: "consolidated", unreadableReason: null, labeled: manifestLabeled(job, meta, line, label, objectsConfidence(checked)) };
}

/** The image a reference names in the job's zip; a size the labels state must be the image's. */
async function imageOf(job: ImportJob, reference: string, where: string, stated: { width: unknown; height: unknown }) {
  let image;
  try {
    image = await job.images!.image(reference);
  } catch (error) {
    throw new Error(`${where}: ${(error as Error).message}`);
  }
  if (stated.width !== image.width || stated.height !== image.height) throw new Error(`${where}: the labels say ${image.path} is ${String(stated.width)} × ${String(stated.height)}, but it is ${image.width} × ${image.height}`);
  return image;
}

/** A named-entity manifest line: the label set (its "labels", in class-id order), the entities with their confidences. */
function manifestSpans(job: ImportJob, text: string, line: number, value: unknown, meta: Row): NewItem {
  const annotations = isObject(value) ? value.annotations : undefined;
  const entities = isObject(annotations) ? annotations.entities : undefined;
  const labels = isObject(annotations) ? annotations.labels : undefined;
  if (!Array.isArray(entities) || !Array.isArray(labels)) throw new Error(`line ${line}: ${job.attribute} is not { annotations: { entities: [...], labels: [...] } }`);
  const names = labels.map((l: unknown, i) => {
    if (!isObject(l) || typeof l.label !== "string" || !l.label) throw new Error(`line ${line}: labels[${i}] is not { label }`);
    job.labels.named(i, l.label, line);
    return l.label;
  });
  const confidences = meta.entities;
  if (!Array.isArray(confidences) || confidences.length !== entities.length) throw new Error(`line ${line}: entities in the metadata do not hold one { confidence } per entity`);
  const spans = entities.map((e: unknown, n) => {
    if (!isObject(e) || !Number.isInteger(e.startOffset) || !Number.isInteger(e.endOffset) || typeof e.label !== "string") throw new Error(`line ${line}: entity ${n + 1} is not { startOffset, endOffset, label }`);
    const id = names.indexOf(e.label);
    if (id < 0) throw new Error(`line ${line}: entity ${n + 1} has label ${JSON.stringify(e.label)}, which its labels do not list`);
    return { start: e.startOffset as number, end: e.endOffset as number, label: id, confidence: probability(isObject(confidences[n]) ? confidences[n].confidence : undefined, `entities[${n}].confidence`, line) };
  });
  const checked = checkedObjects(job, { spans }, spans, { width: null, height: null, text }, `line ${line}`);
  return labeledText(text, manifestLabeled(job, meta, line, { spans: checked, workers: 0, dropped: 0 }, objectsConfidence(checked)));
}

/** One row of a CSV / JSON Lines export → an item with its label. */
async function tableItem(job: ImportJob, row: Row, line: number, csv: boolean, hasReview: boolean): Promise<NewItem> {
  const multi = isMultiLabel(job.taskType);
  const r = parseTableRow(row, line, { csv, multi, entities: job.taskType === "named-entity-recognition" });
  if (r.text.length > MAX_TEXT) throw new Error(`row ${line}: the text is longer than ${MAX_TEXT.toLocaleString("en-US")} characters`);
  const ids = r.labels.map((n) => job.labels.id(n, line));
  const majority = r.majority?.map((n) => job.labels.id(n, line)) ?? null;
  let label: ConsolidatedLabel;
  let confidence = r.confidence;
  if (job.taskType === "named-entity-recognition") {
    const spans = r.entities.map((e) => ({ start: e.start, end: e.end, label: job.labels.id(e.label, line), confidence: e.confidence }));
    checkedObjects(job, { spans }, spans, { width: null, height: null, text: r.text }, `row ${line}`);
    r.entities.forEach((e, n) => {
      const covered = r.text.slice(e.start, e.end);
      if (covered !== e.text) throw new Error(`row ${line}: entity ${n + 1} (${e.start}–${e.end}) says it covers ${JSON.stringify(e.text)}, but the text there is ${JSON.stringify(covered)}`);
    });
    label = { spans, workers: r.workers ?? 0, dropped: 0 };
    confidence ??= objectsConfidence(spans);
  } else if (multi) {
    const map = Object.fromEntries(ids.map((c, i) => [String(c), r.confidenceMap?.[r.labels[i]] ?? confidence ?? 0]));
    for (const name of Object.keys(r.confidenceMap ?? {})) if (!r.labels.includes(name)) throw new Error(`row ${line}: confidence_map names ${JSON.stringify(name)}, which is not one of its labels`);
    label = { labels: ids, confidenceMap: map, majority: majority ? { labels: majority } : null, workers: r.workers };
    confidence ??= ids.length ? Math.min(...Object.values(map)) : null;
  } else {
    if (majority && (r.voteShare === null || r.tied === null)) throw new Error(`row ${line}: majority_vote comes with vote_share and tied`);
    label = { label: ids[0], majority: majority ? { label: majority[0], voteShare: r.voteShare!, tied: r.tied! } : null, workers: r.workers };
  }
  const review = hasReview ? r.review : confidence !== null && r.workers !== 1 && confidence < job.threshold ? "pending" : null;
  const decided = review === "accepted" || review === "corrected";
  return labeledText(r.text, {
    label: JSON.stringify(label),
    confidence,
    humanAnnotated: r.humanAnnotated,
    consolidatedAt: job.now,
    reviewStatus: review,
    reviewedById: decided ? await job.reviewer(r.reviewedBy) : null,
    reviewerEmail: decided ? r.reviewedBy : null,
    reviewedAt: decided ? r.reviewedAt : null,
    origin: null,
  });
}

/** A COCO file (one JSON object) → its images in order, each an item with its boxes. Categories by id are the label set; COCO has no confidence: a box's is its `score` when given, else 1. */
async function* cocoItems(job: ImportJob, coco: Row): AsyncGenerator<NewItem> {
  const { images, annotations, categories } = coco;
  if (!Array.isArray(images) || !Array.isArray(annotations) || !Array.isArray(categories)) throw new Error("its images, annotations and categories are not all lists");
  const classOf = new Map<unknown, number>();
  categories.forEach((c: unknown, i) => {
    if (!isObject(c) || !Number.isInteger(c.id) || typeof c.name !== "string" || !c.name) throw new Error(`categories[${i}] is not { id, name }`);
    if (classOf.has(c.id)) throw new Error(`category id ${String(c.id)} appears twice`);
    classOf.set(c.id, -1);
  });
  // Class ids in category id order (the studio's export writes class index + 1).
  (categories as Row[])
    .toSorted((a, b) => (a.id as number) - (b.id as number))
    .forEach((c, i) => classOf.set(c.id, job.labels.named(i, c.name as string, 1)));
  const boxesOf = new Map<unknown, (BoxAnswerItem & { confidence: number })[]>();
  images.forEach((im: unknown, i) => {
    if (!isObject(im) || im.id === undefined || typeof im.file_name !== "string" || !im.file_name) throw new Error(`images[${i}] is not { id, file_name, width, height }`);
    if (boxesOf.has(im.id)) throw new Error(`image id ${JSON.stringify(im.id)} appears twice`);
    boxesOf.set(im.id, []);
  });
  annotations.forEach((a: unknown, n) => {
    const where = `annotation ${n + 1}${isObject(a) && a.id !== undefined ? ` (id ${JSON.stringify(a.id)})` : ""}`;
    if (!isObject(a)) throw new Error(`${where} is not an object`);
    const classId = classOf.get(a.category_id);
    if (classId === undefined) throw new Error(`${where}: category_id ${JSON.stringify(a.category_id)} is not one of the categories`);
    const boxes = boxesOf.get(a.image_id);
    if (!boxes) throw new Error(`${where}: image_id ${JSON.stringify(a.image_id)} is not one of the images`);
    const [left, top, width, height] = Array.isArray(a.bbox) ? (a.bbox as unknown[]) : [];
    const box = boxAnswerItem.safeParse({ classId, left, top, width, height });
    if (!box.success || !Array.isArray(a.bbox) || a.bbox.length !== 4) throw new Error(`${where}: bbox is not [x, y, width, height] in pixels`);
    boxes.push({ ...box.data, confidence: a.score === undefined ? 1 : probability(a.score, `${where}'s score`, 1) });
  });
  for (const [i, im] of (images as Row[]).entries()) {
    const where = `image ${i + 1} (id ${JSON.stringify(im.id)})`;
    const image = await imageOf(job, im.file_name as string, where, { width: im.width, height: im.height });
    const boxes = boxesOf.get(im.id)!;
    const checked = checkedObjects(job, { boxes }, boxes, { ...image, text: null }, where);
    const confidence = objectsConfidence(checked);
    yield {
      sourceRef: image.path,
      text: null,
      width: image.width,
      height: image.height,
      status: "consolidated",
      unreadableReason: null,
      labeled: {
        label: JSON.stringify({ boxes: checked, workers: 0, dropped: 0 } satisfies ConsolidatedLabel),
        confidence,
        humanAnnotated: true,
        consolidatedAt: job.now,
        reviewStatus: confidence !== null && confidence < job.threshold ? "pending" : null,
        reviewedById: null,
        reviewerEmail: null,
        reviewedAt: null,
        origin: null,
      },
    };
  }
}

/** The worker's step for an import job: reads its file into labeled items; completed after, or failed naming the line. */
export async function importLabels(db: Db, store: ArtifactStore, jobId: string, now = new Date()): Promise<void> {
  const versionSelect = { storageKey: true, format: true, status: true, statusReason: true, dataset: { select: { name: true } }, version: true } as const;
  const job = await db.labelingJob.findUniqueOrThrow({
    where: { id: jobId },
    select: { taskType: true, labels: true, labelAttributeName: true, importFormat: true, importVersionId: true, reviewThreshold: true, datasetVersion: { select: versionSelect } },
  });
  // Image labels: the labels file is the import version, the job's own version the images' zip.
  const version = job.importVersionId ? await db.datasetVersion.findUnique({ where: { id: job.importVersionId }, select: versionSelect }) : job.datasetVersion;
  const source = version ? `${version.dataset.name} version ${version.version}` : "a deleted dataset version";
  const fail = (reason: string) => db.labelingJob.update({ where: { id: jobId }, data: { status: "failed", statusReason: `Importing the labels of ${source} failed: ${reason}`.slice(0, 4_000) } });
  if (!version) return void (await fail("the file is gone"));
  if (version.status !== "ready") return void (await fail(`the file failed validation: ${version.statusReason ?? version.status}`));
  const images = job.importVersionId ? job.datasetVersion : null;
  if (images && images.status !== "ready") return void (await fail(`the images' zip failed validation: ${images.statusReason ?? images.status}`));
  const emails = new Map<string, string | null>();
  const context: ImportJob = {
    taskType: job.taskType as TaskType,
    threshold: job.reviewThreshold,
    attribute: job.labelAttributeName,
    labels: new LabelSet(JSON.parse(job.labels) as LabelDef[]),
    now,
    reviewer: async (email) => {
      if (!email) return null;
      if (!emails.has(email)) emails.set(email, (await db.user.findUnique({ where: { email }, select: { id: true } }))?.id ?? null);
      return emails.get(email)!;
    },
    images: null,
  };
  const writer = new ItemWriter(db, jobId);
  const stream = store.read(version.storageKey);
  let pending = 0;
  let decided = 0;
  let info: string | null = null;
  try {
    if (images) {
      const zip = store.localPath(images.storageKey);
      if (!zip) throw new Error("the images' zip is not on this machine");
      context.images = await ZipImages.open(zip, { datasetName: images.dataset.name, version: images.version });
    }
    // A worker restart mid-way starts over.
    await db.labelingItem.deleteMany({ where: { jobId } });
    let hasReview: boolean | null = null;
    const add = async (item: NewItem) => {
      if (item.labeled?.reviewStatus === "pending") pending++;
      else if (item.labeled?.reviewStatus) decided++;
      await writer.add(item);
    };
    for await (const { line, row } of records(stream, version.format)) {
      if (job.importFormat === "coco") {
        if (info !== null) throw new Error(`line ${line}: a COCO file is one JSON object`);
        info = JSON.stringify(row.info ?? {});
        for await (const item of cocoItems(context, row)) await add(item);
        continue;
      }
      hasReview ??= "review" in row;
      await add(job.importFormat === "groundtruth-manifest" ? await manifestItem(context, row, line) : await tableItem(context, row, line, version.format === "csv", hasReview));
    }
    await writer.flush();
    if (writer.seq === 0) throw new Error("the file holds no labeled items");
    const labels = context.labels.final();
    await db.labelingJob.update({
      where: { id: jobId },
      data: {
        status: "completed",
        statusReason: `Imported ${writer.seq.toLocaleString("en-US")} labels from ${source} (${importFormatLabels[job.importFormat as ImportFormat]}).`,
        labels: JSON.stringify(labels),
        itemCount: writer.seq,
        labeledCount: writer.seq,
        consolidatedCount: writer.seq,
        reviewPendingCount: pending,
        reviewedCount: decided,
        importInfo: info,
      },
    });
  } catch (error) {
    await db.labelingItem.deleteMany({ where: { jobId } });
    await fail(error instanceof AppError || error instanceof Error ? error.message : String(error));
  } finally {
    stream.destroy();
    context.images?.close();
  }
}

/** The worker's pass: imports the oldest waiting job's labels, once its files (labels, and images) are validated. */
export async function importPendingLabels(db: Db, store: ArtifactStore): Promise<void> {
  const waiting = await db.labelingJob.findMany({ where: { status: "preparing", importFormat: { not: null }, datasetVersion: { status: { not: "processing" } } }, orderBy: { createdAt: "asc" }, take: 20, select: { id: true, importVersionId: true } });
  const files = waiting.flatMap((j) => (j.importVersionId ? [j.importVersionId] : []));
  const processing = new Set((await db.datasetVersion.findMany({ where: { id: { in: files }, status: "processing" }, select: { id: true } })).map((v) => v.id));
  const next = waiting.find((j) => !j.importVersionId || !processing.has(j.importVersionId));
  if (next) await importLabels(db, store, next.id);
}
