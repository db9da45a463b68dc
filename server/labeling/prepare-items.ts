import "server-only";
import { createReadStream } from "node:fs";
import readline from "node:readline";
import { randomUUID } from "node:crypto";
import { parse as parseCsv } from "csv-parse";
import sharp from "sharp";
import yauzl from "yauzl";
import type { Db } from "@/server/db";
import type { ArtifactStore } from "@/server/artifacts/artifact-store";
import { driverOf, type SqlValue } from "@/server/db-driver";

// The worker reads a new labeling job's dataset version into items: the rows' texts (CSV column or
// JSON Lines field), or the images of a zip (each decoded once: one that does not decode is marked
// unreadable with the reason, and never queued). Items go in with multi-row INSERTs, so a job of a
// million texts is ready in seconds; the counters are set at the end.

/** Image files a labeling job takes (SVG is left out: it can carry script). */
export const IMAGE_TYPES: Record<string, string> = { jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png", gif: "image/gif", webp: "image/webp", bmp: "image/bmp", tif: "image/tiff", tiff: "image/tiff" };
export const MAX_TEXT = 100_000;
const BATCH = 500;

export interface NewItem {
  sourceRef: string | null;
  text: string | null;
  width: number | null;
  height: number | null;
  status: "open" | "unreadable" | "consolidated";
  unreadableReason: string | null;
  /** Items that come with their label (imported, import-labels.ts). */
  labeled?: {
    label: string;
    confidence: number | null;
    humanAnnotated: boolean;
    consolidatedAt: Date;
    reviewStatus: string | null;
    reviewedById: string | null;
    reviewerEmail: string | null;
    reviewedAt: Date | null;
    origin: string | null;
  };
}

/** Writes a job's items in multi-row INSERTs of BATCH, numbering them in the order they come. */
export class ItemWriter {
  private pending: NewItem[] = [];
  seq = 0;
  unreadable = 0;
  constructor(
    private db: Db,
    private jobId: string,
    /** Random queue order (automated labeling: people label a random sample first). */
    private shuffle = false,
  ) {}

  async add(item: NewItem): Promise<void> {
    this.pending.push(item);
    if (item.status === "unreadable") this.unreadable++;
    if (this.pending.length >= BATCH) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const rows = this.pending.splice(0, this.pending.length);
    const values: SqlValue[] = [];
    for (const r of rows) {
      const l = r.labeled;
      values.push(`li${randomUUID().replace(/-/g, "")}`, this.jobId, this.seq++, r.sourceRef, r.text, r.width, r.height, r.status, r.unreadableReason, this.shuffle ? Math.random() : 0);
      values.push(l?.label ?? null, l?.confidence ?? null, l?.humanAnnotated ?? true, l?.consolidatedAt ?? null, l?.reviewStatus ?? null, l?.reviewedById ?? null, l?.reviewerEmail ?? null, l?.reviewedAt ?? null, l?.origin ?? null);
    }
    const placeholders = rows.map(() => `(${Array(19).fill("?").join(", ")})`).join(", ");
    await driverOf(this.db).transaction((tx) =>
      tx.run(
        `INSERT INTO "LabelingItem" ("id", "jobId", "seq", "sourceRef", "text", "width", "height", "status", "unreadableReason", "priority", "label", "confidence", "humanAnnotated", "consolidatedAt", "reviewStatus", "reviewedById", "reviewerEmail", "reviewedAt", "origin") VALUES ${placeholders}`,
        values,
      ),
    );
  }
}

async function readTexts(file: string, format: string, field: string, write: (text: string | null, row: number) => Promise<void>): Promise<void> {
  if (format === "csv") {
    const parser = createReadStream(file).pipe(parseCsv({ columns: true, bom: true, relax_column_count: true, skip_empty_lines: true }));
    let row = 0;
    for await (const record of parser as AsyncIterable<Record<string, string>>) await write(record[field] ?? null, ++row);
    return;
  }
  const lines = readline.createInterface({ input: createReadStream(file, { encoding: "utf8" }), crlfDelay: Infinity });
  let row = 0;
  for await (const line of lines) {
    if (!line.trim()) continue;
    row++;
    let value: unknown;
    try {
      value = (JSON.parse(line) as Record<string, unknown>)[field];
    } catch {
      value = undefined;
    }
    await write(value === undefined || value === null ? null : typeof value === "string" ? value : JSON.stringify(value), row);
  }
}

/** Decodes an image fully (a truncated or corrupt file fails here, not in a labeler's browser). */
export async function inspectImage(bytes: Buffer): Promise<{ width: number; height: number } | { error: string }> {
  try {
    const image = sharp(bytes, { failOn: "truncated", limitInputPixels: 268_402_689 });
    const meta = await image.metadata();
    await image.raw().toBuffer();
    if (!meta.width || !meta.height) return { error: "the image has no size" };
    return { width: meta.width, height: meta.height };
  } catch (error) {
    return { error: (error as Error).message.split("\n")[0].slice(0, 300) };
  }
}

/** An entry's bytes (decompressed, its size checked against the zip's directory). */
export function readZipEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Buffer> {
  return new Promise<Buffer>((res, rej) =>
    zip.openReadStream(entry, (e, stream) => {
      if (e || !stream) return rej(e ?? new Error("unreadable entry"));
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.once("end", () => res(Buffer.concat(chunks)));
      stream.once("error", rej);
    }),
  );
}

/** The files of a zip, one at a time (entry name and its bytes). */
export function eachZipFile(file: string, visit: (name: string, read: () => Promise<Buffer>) => Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, autoClose: true, decodeStrings: true, validateEntrySizes: true }, (error, zip) => {
      if (error || !zip) return reject(error ?? new Error("the zip could not be opened"));
      zip.on("entry", (entry: yauzl.Entry) => {
        if (entry.fileName.endsWith("/")) return zip.readEntry();
        visit(entry.fileName, () => readZipEntry(zip, entry)).then(() => zip.readEntry(), reject);
      });
      zip.once("end", () => resolve());
      zip.once("error", reject);
      zip.readEntry();
    });
  });
}

/** Reads one job's dataset into items; the job is in_progress after, or failed with the reason. */
export async function prepareJob(db: Db, store: ArtifactStore, jobId: string): Promise<void> {
  const job = await db.labelingJob.findUniqueOrThrow({ where: { id: jobId }, select: { id: true, taskType: true, textField: true, autoLabel: true, datasetVersion: { select: { storageKey: true, format: true } } } });
  const file = store.localPath(job.datasetVersion.storageKey);
  const writer = new ItemWriter(db, jobId, job.autoLabel);
  try {
    if (!file) throw new Error("the dataset's file is not on this machine");
    // A worker restart mid-way starts over.
    await db.labelingItem.deleteMany({ where: { jobId } });
    if (job.textField) {
      await readTexts(file, job.datasetVersion.format, job.textField, async (text, row) => {
        if (text === null || !text.trim()) return writer.add({ sourceRef: null, text: text ?? "", width: null, height: null, status: "unreadable", unreadableReason: `row ${row} has no ${job.textField}` });
        const cut = text.length > MAX_TEXT;
        await writer.add({ sourceRef: null, text: cut ? text.slice(0, MAX_TEXT) : text, width: null, height: null, status: "open", unreadableReason: null });
      });
    } else {
      await eachZipFile(file, async (name, read) => {
        const extension = name.toLowerCase().split(".").pop() ?? "";
        if (!(extension in IMAGE_TYPES) || name.split("/").some((p) => p.startsWith("."))) return;
        const inspected = await inspectImage(await read());
        await writer.add(
          "error" in inspected
            ? { sourceRef: name, text: null, width: null, height: null, status: "unreadable", unreadableReason: `${name} does not decode as an image: ${inspected.error}` }
            : { sourceRef: name, text: null, width: inspected.width, height: inspected.height, status: "open", unreadableReason: null },
        );
      });
    }
    await writer.flush();
    if (writer.seq === 0) throw new Error(job.textField ? "the dataset has no rows" : "the zip has no images (jpg, png, gif, webp, bmp, tiff)");
    await db.labelingJob.update({
      where: { id: jobId },
      data: { status: "in_progress", statusReason: writer.unreadable ? `${writer.unreadable} item${writer.unreadable === 1 ? " is" : "s are"} unreadable and will not be queued.` : null, itemCount: writer.seq, unreadableCount: writer.unreadable },
    });
  } catch (error) {
    await db.labelingJob.update({ where: { id: jobId }, data: { status: "failed", statusReason: `Reading the dataset failed: ${(error as Error).message}`.slice(0, 4_000) } });
  }
}

/** The worker's pass: prepares new jobs, one at a time (jobs importing labels: import-labels.ts). */
export async function prepareLabelingJobs(db: Db, store: ArtifactStore): Promise<void> {
  const next = await db.labelingJob.findFirst({ where: { status: "preparing", importFormat: null }, orderBy: { createdAt: "asc" }, select: { id: true } });
  if (next) await prepareJob(db, store, next.id);
}
