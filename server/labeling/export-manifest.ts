import "server-only";
import type { Db } from "@/server/db";
import type { Principal } from "@/server/auth/principal";
import { getLabelingJob } from "@/server/labeling/manage-jobs";
import { isTextTask, manifestType, type LabelDef, type TaskType } from "@/lib/labeling/tasks";
import type { ConsolidatedLabel } from "@/server/labeling/consolidate";

// SageMaker Ground Truth's output manifest: one JSON object per consolidated item, with the job's
// label attribute and its -metadata (class name or class map, confidence, type, job name,
// human-annotated, creation date). Streamed in pages by queue order, so a job of any size exports
// without holding it in memory or timing out.

const PAGE = 1_000;

/** SageMaker's creation-date: ISO 8601 with microseconds and no zone. */
const creationDate = (d: Date) => `${d.toISOString().slice(0, 19)}.${String(d.getUTCMilliseconds()).padStart(3, "0")}000`;

/** One manifest line of a consolidated item. */
export function manifestLine(
  job: { name: string; taskType: TaskType; labelAttributeName: string; labels: LabelDef[]; datasetRef: string },
  item: { sourceRef: string | null; text: string | null; width: number | null; height: number | null; label: ConsolidatedLabel; confidence: number; humanAnnotated: boolean; consolidatedAt: Date },
): Record<string, unknown> {
  const attr = job.labelAttributeName;
  const source = isTextTask(job.taskType) ? { source: item.text ?? "" } : { "source-ref": `${job.datasetRef}/${item.sourceRef}` };
  const common = { type: manifestType[job.taskType], "job-name": `labeling-job/${job.name}`, "human-annotated": item.humanAnnotated ? "yes" : "no", "creation-date": creationDate(item.consolidatedAt) };
  const round = (x: number) => Math.round(x * 100) / 100;
  const label = item.label;
  if ("boxes" in label) {
    return {
      ...source,
      [attr]: {
        image_size: [{ width: item.width ?? 0, height: item.height ?? 0, depth: 3 }],
        annotations: label.boxes.map((b) => ({ class_id: b.classId, left: b.left, top: b.top, width: b.width, height: b.height })),
      },
      [`${attr}-metadata`]: {
        objects: label.boxes.map((b) => ({ confidence: round(b.confidence) })),
        "class-map": Object.fromEntries(job.labels.map((l, i) => [String(i), l.name])),
        ...common,
      },
    };
  }
  if ("spans" in label) {
    return {
      ...source,
      [attr]: {
        annotations: {
          entities: label.spans.map((s) => ({ endOffset: s.end, startOffset: s.start, label: job.labels[s.label]?.name ?? String(s.label) })),
          labels: job.labels.map((l) => ({ label: l.name })),
        },
      },
      [`${attr}-metadata`]: { entities: label.spans.map((s) => ({ confidence: round(s.confidence) })), ...common },
    };
  }
  if ("labels" in label) {
    const ids = label.labels;
    return {
      ...source,
      [attr]: ids,
      [`${attr}-metadata`]: {
        "class-map": Object.fromEntries(ids.map((c) => [String(c), job.labels[c]?.name ?? String(c)])),
        "confidence-map": Object.fromEntries(ids.map((c) => [String(c), round(label.confidenceMap[String(c)] ?? 0)])),
        ...common,
      },
    };
  }
  return { ...source, [attr]: label.label, [`${attr}-metadata`]: { "class-name": job.labels[label.label]?.name ?? String(label.label), confidence: round(item.confidence), ...common } };
}

/** A consolidated item as the exports read it. */
export interface ExportedItem {
  seq: number;
  sourceRef: string | null;
  text: string | null;
  width: number | null;
  height: number | null;
  label: ConsolidatedLabel;
  confidence: number;
  humanAnnotated: boolean;
  consolidatedAt: Date;
}

/** The job's consolidated items in queue order, a page at a time (never the whole job in memory). */
export async function* consolidatedItems(db: Db, jobId: string): AsyncGenerator<ExportedItem[]> {
  let after = -1;
  for (;;) {
    const rows = await db.labelingItem.findMany({
      where: { jobId, status: "consolidated", seq: { gt: after } },
      orderBy: { seq: "asc" },
      take: PAGE,
      select: { seq: true, sourceRef: true, text: true, width: true, height: true, label: true, confidence: true, humanAnnotated: true, consolidatedAt: true },
    });
    if (rows.length === 0) return;
    after = rows[rows.length - 1].seq;
    yield rows.map((r) => ({ ...r, label: JSON.parse(r.label!) as ConsolidatedLabel, confidence: r.confidence ?? 0, consolidatedAt: r.consolidatedAt ?? new Date(0) }));
  }
}

/** A stream of the text chunks `chunks` yields, pulled as the client reads. */
export function textStream(chunks: AsyncIterator<string>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await chunks.return?.(undefined);
    },
  });
}

/** The job as the exports name it. */
export async function exportedJob(db: Db, jobId: string, principal: Principal) {
  const view = await getLabelingJob(db, jobId, principal);
  return { view, job: { name: view.name, taskType: view.taskType, labelAttributeName: view.labelAttributeName, labels: view.labels, datasetRef: `studio://datasets/${view.datasetVersion.datasetName}/v${view.datasetVersion.version}` } };
}

/** The job's output manifest as a stream of JSON Lines (consolidated items, queue order). */
export async function manifestStream(db: Db, jobId: string, principal: Principal): Promise<{ filename: string; stream: ReadableStream<Uint8Array> }> {
  const { view, job } = await exportedJob(db, jobId, principal);
  async function* lines() {
    for await (const page of consolidatedItems(db, jobId)) yield `${page.map((item) => JSON.stringify(manifestLine(job, item))).join("\n")}\n`;
  }
  return { filename: `${view.name}-output.manifest`, stream: textStream(lines()) };
}
