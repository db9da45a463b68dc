import "server-only";
import type { Db } from "@/server/db";
import type { Principal } from "@/server/auth/principal";
import { getLabelingJob } from "@/server/labeling/manage-jobs";
import { isTextTask, manifestType, type LabelDef, type TaskType } from "@/lib/labeling/tasks";
import type { ConsolidatedLabel } from "@/server/labeling/consolidate";
import { itemLines, type ExportItem } from "@/server/labeling/export-items";

// SageMaker Ground Truth's output manifest: one JSON object per consolidated item, with the job's
// label attribute and its -metadata (class name or class map, confidence, type, job name,
// human-annotated, creation date; adjustment-status once reviewed). Streamed in pages by queue
// order (export-items.ts), so a job of any size exports without holding it in memory or timing out.
// Labels imported from a manifest keep that manifest's job name and creation date.

/** SageMaker's creation-date: ISO 8601 with microseconds and no zone. */
const creationDate = (d: Date) => `${d.toISOString().slice(0, 19)}.${String(d.getUTCMilliseconds()).padStart(3, "0")}000`;

/** One manifest line of a consolidated item. */
export function manifestLine(
  job: { name: string; taskType: TaskType; labelAttributeName: string; labels: LabelDef[]; datasetRef: string },
  item: { sourceRef: string | null; text: string | null; width: number | null; height: number | null; label: ConsolidatedLabel; confidence: number; humanAnnotated: boolean; consolidatedAt: Date } & Partial<Pick<ExportItem, "review" | "origin">>,
): Record<string, unknown> {
  const attr = job.labelAttributeName;
  const source = isTextTask(job.taskType) ? { source: item.text ?? "" } : { "source-ref": `${job.datasetRef}/${item.sourceRef}` };
  const common = {
    type: manifestType[job.taskType],
    "job-name": item.origin?.jobName ?? `labeling-job/${job.name}`,
    "human-annotated": item.humanAnnotated ? "yes" : "no",
    "creation-date": item.origin?.creationDate ?? creationDate(item.consolidatedAt),
    // A reviewed label, as SageMaker's adjustment jobs write it.
    ...(item.review === "corrected" || item.review === "accepted" ? { "adjustment-status": item.review === "corrected" ? "adjusted" : "unadjusted" } : {}),
  };
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

/** The job as the exports name it. */
export async function exportedJob(db: Db, jobId: string, principal: Principal) {
  const view = await getLabelingJob(db, jobId, principal);
  return { view, job: { name: view.name, taskType: view.taskType, labelAttributeName: view.labelAttributeName, labels: view.labels, datasetRef: `studio://datasets/${view.datasetVersion.datasetName}/v${view.datasetVersion.version}` } };
}

/** The job's output manifest as a stream of JSON Lines (consolidated items, queue order). */
export async function manifestStream(db: Db, jobId: string, principal: Principal, onItems?: (count: number) => void): Promise<{ filename: string; stream: ReadableStream<Uint8Array> }> {
  const { view, job } = await exportedJob(db, jobId, principal);
  return { filename: `${view.name}-output.manifest`, stream: itemLines(db, jobId, (items) => items.map((item) => JSON.stringify(manifestLine(job, item))), { onItems }) };
}
