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
import type { ImportLabelsInput } from "@/server/labeling/exchange-schemas";
import { importFormatLabels, type ExportFormat, type ReviewStatus } from "@/lib/labeling/exchange";
import { defaultTaskTimeLimitSeconds, isMultiLabel, manifestType, type LabelDef, type LabelingJobView, type TaskType } from "@/lib/labeling/tasks";

// Importing labels: a dataset version holding labeled texts — a SageMaker Ground Truth output
// manifest, or this studio's CSV / JSON Lines export (or any CSV / JSON Lines with text and label
// columns) — becomes a labeling job whose items already carry their consolidated labels,
// confidence, human-annotated flag and review state. It is how a team brings labels from Ground
// Truth or another studio: the job then works like any other (review queue, exports, saving as a
// dataset version), and export → import → export gives the same labels back.
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
  format: ExportFormat;
  taskType: TaskType;
  /** Manifests: the label attribute read. */
  attribute: string | null;
  textField: string;
}

function detect(row: Row, fileFormat: string, wantedAttribute: string | undefined): Detected {
  const keys = Object.keys(row);
  const table = exportedTableTask(keys);
  if (table) return { format: fileFormat === "csv" ? "csv" : "jsonl", taskType: table, attribute: null, textField: "text" };
  if (fileFormat !== "jsonl" || !("source" in row || "source-ref" in row)) {
    throw new Error(
      `its first record has ${keys.map((k) => JSON.stringify(k)).join(", ") || "no fields"}: a label import reads a Ground Truth output manifest (JSON Lines with "source" and "<attribute>-metadata") or a CSV / JSON Lines file with "text" and "label" (or "labels") columns`,
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
  if (taskType !== "text-classification" && taskType !== "text-classification-multilabel") {
    throw new Error(`its labels are ${type}: only text classification labels can be imported so far (images and their boxes live outside the studio)`);
  }
  if (!("source" in row)) throw new Error(`its first line has no "source" text`);
  return { format: "groundtruth-manifest", taskType, attribute, textField: "source" };
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
  if (await db.labelingJob.findUnique({ where: { projectId_name: { projectId, name: input.name } }, select: { id: true } })) throw invalid("name", `the project already has a labeling job named ${input.name}`);
  const row = await db.labelingJob.create({
    data: {
      projectId,
      name: input.name,
      taskType: detected.taskType,
      datasetVersionId: version.id,
      textField: detected.textField,
      labelAttributeName: detected.attribute ?? input.labelAttributeName ?? input.name,
      labels: JSON.stringify((input.labels ?? []).map((name) => ({ name, description: "" }))),
      // Nobody labels an imported job: its items come labeled.
      workersPerItem: 0,
      taskTimeLimitSeconds: defaultTaskTimeLimitSeconds(detected.taskType),
      importFormat: detected.format,
      ...(input.reviewThreshold !== undefined ? { reviewThreshold: input.reviewThreshold } : {}),
      createdById: actor.id,
      statusReason: `Reading the labels of ${label} (${importFormatLabels[detected.format]}).`,
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
}

const labeledText = (text: string, labeled: NonNullable<NewItem["labeled"]>): NewItem => ({ sourceRef: null, text, width: null, height: null, status: "consolidated", unreadableReason: null, labeled });

/** One manifest line → an item with its label. */
function manifestItem(job: ImportJob, row: Row, line: number): NewItem {
  const value = row[job.attribute];
  const meta = row[`${job.attribute}-metadata`];
  if (value === undefined) throw new Error(`line ${line} has no ${job.attribute}`);
  if (!isObject(meta)) throw new Error(`line ${line} has no ${job.attribute}-metadata object`);
  if (typeof row.source !== "string" || !row.source) throw new Error(`line ${line} has no "source" text`);
  if (row.source.length > MAX_TEXT) throw new Error(`line ${line}: the text is longer than ${MAX_TEXT.toLocaleString("en-US")} characters`);
  if (meta.type !== manifestType[job.taskType]) throw new Error(`line ${line}: type is ${JSON.stringify(meta.type)}, not ${manifestType[job.taskType]} as on the first line`);
  const probability = (v: unknown, what: string) => {
    if (typeof v !== "number" || !(v >= 0 && v <= 1)) throw new Error(`line ${line}: ${what} is not a number in [0, 1]`);
    return v;
  };
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
    const map = Object.fromEntries(ids.map((c) => [String(c), probability(isObject(confidenceMap) ? confidenceMap[String(c)] : undefined, `confidence-map's ${c}`)]));
    label = { labels: ids, confidenceMap: map, majority: null, workers: null };
    confidence = ids.length ? Math.min(...Object.values(map)) : null;
  } else {
    if (typeof value !== "number") throw new Error(`line ${line}: ${job.attribute} is not a class id`);
    if (typeof meta["class-name"] !== "string" || !meta["class-name"]) throw new Error(`line ${line}: class-name is missing`);
    label = { label: job.labels.named(value, meta["class-name"], line), majority: null, workers: null };
    confidence = probability(meta.confidence, "confidence");
  }
  const human = meta["human-annotated"];
  if (human !== "yes" && human !== "no") throw new Error(`line ${line}: human-annotated is ${JSON.stringify(human)}, not "yes" or "no"`);
  const jobName = meta["job-name"];
  const created = meta["creation-date"];
  if (typeof jobName !== "string" || typeof created !== "string" || !manifestDate(created)) throw new Error(`line ${line}: job-name or creation-date is missing`);
  const adjustment = meta["adjustment-status"];
  if (adjustment !== undefined && adjustment !== "adjusted" && adjustment !== "unadjusted") throw new Error(`line ${line}: adjustment-status is ${JSON.stringify(adjustment)}`);
  const review: ReviewStatus | null = adjustment === "adjusted" ? "corrected" : adjustment === "unadjusted" ? "accepted" : confidence !== null && confidence < job.threshold ? "pending" : null;
  return labeledText(row.source, {
    label: JSON.stringify(label),
    confidence,
    humanAnnotated: human === "yes",
    consolidatedAt: manifestDate(created)!,
    reviewStatus: review,
    reviewedById: null,
    reviewerEmail: null,
    reviewedAt: null,
    origin: JSON.stringify({ jobName, creationDate: created }),
  });
}

/** One row of a CSV / JSON Lines export → an item with its label. */
async function tableItem(job: ImportJob, row: Row, line: number, csv: boolean, hasReview: boolean): Promise<NewItem> {
  const multi = isMultiLabel(job.taskType);
  const r = parseTableRow(row, line, { csv, multi });
  if (r.text.length > MAX_TEXT) throw new Error(`row ${line}: the text is longer than ${MAX_TEXT.toLocaleString("en-US")} characters`);
  const ids = r.labels.map((n) => job.labels.id(n, line));
  const majority = r.majority?.map((n) => job.labels.id(n, line)) ?? null;
  let label: ConsolidatedLabel;
  let confidence = r.confidence;
  if (multi) {
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

/** The worker's step for an import job: reads its file into labeled items; completed after, or failed naming the line. */
export async function importLabels(db: Db, store: ArtifactStore, jobId: string, now = new Date()): Promise<void> {
  const job = await db.labelingJob.findUniqueOrThrow({
    where: { id: jobId },
    select: { taskType: true, labels: true, labelAttributeName: true, importFormat: true, reviewThreshold: true, datasetVersion: { select: { storageKey: true, format: true, status: true, statusReason: true, dataset: { select: { name: true } }, version: true } } },
  });
  const version = job.datasetVersion;
  const source = `${version.dataset.name} version ${version.version}`;
  const fail = (reason: string) => db.labelingJob.update({ where: { id: jobId }, data: { status: "failed", statusReason: `Importing the labels of ${source} failed: ${reason}`.slice(0, 4_000) } });
  if (version.status !== "ready") return void (await fail(`the file failed validation: ${version.statusReason ?? version.status}`));
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
  };
  const writer = new ItemWriter(db, jobId);
  const stream = store.read(version.storageKey);
  let pending = 0;
  let decided = 0;
  try {
    // A worker restart mid-way starts over.
    await db.labelingItem.deleteMany({ where: { jobId } });
    let hasReview: boolean | null = null;
    for await (const { line, row } of records(stream, version.format)) {
      hasReview ??= "review" in row;
      const item = job.importFormat === "groundtruth-manifest" ? manifestItem(context, row, line) : await tableItem(context, row, line, version.format === "csv", hasReview);
      if (item.labeled?.reviewStatus === "pending") pending++;
      else if (item.labeled?.reviewStatus) decided++;
      await writer.add(item);
    }
    await writer.flush();
    if (writer.seq === 0) throw new Error("the file holds no labeled items");
    const labels = context.labels.final();
    await db.labelingJob.update({
      where: { id: jobId },
      data: {
        status: "completed",
        statusReason: `Imported ${writer.seq.toLocaleString("en-US")} labels from ${source} (${importFormatLabels[job.importFormat as ExportFormat]}).`,
        labels: JSON.stringify(labels),
        itemCount: writer.seq,
        labeledCount: writer.seq,
        consolidatedCount: writer.seq,
        reviewPendingCount: pending,
        reviewedCount: decided,
      },
    });
  } catch (error) {
    await db.labelingItem.deleteMany({ where: { jobId } });
    await fail(error instanceof AppError || error instanceof Error ? error.message : String(error));
  } finally {
    stream.destroy();
  }
}

/** The worker's pass: imports the oldest waiting job's labels, once its file is validated. */
export async function importPendingLabels(db: Db, store: ArtifactStore): Promise<void> {
  const next = await db.labelingJob.findFirst({ where: { status: "preparing", importFormat: { not: null }, datasetVersion: { status: { not: "processing" } } }, orderBy: { createdAt: "asc" }, select: { id: true } });
  if (next) await importLabels(db, store, next.id);
}
