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
  item: { sourceRef: string | null; text: string | null; label: ConsolidatedLabel; confidence: number; humanAnnotated: boolean; consolidatedAt: Date } & Partial<Pick<ExportItem, "review" | "origin">>,
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

/** The job's output manifest as a stream of JSON Lines (consolidated items, queue order). */
export async function manifestStream(db: Db, jobId: string, principal: Principal, onItems?: (count: number) => void): Promise<{ filename: string; stream: ReadableStream<Uint8Array> }> {
  const view = await getLabelingJob(db, jobId, principal);
  const job = { name: view.name, taskType: view.taskType, labelAttributeName: view.labelAttributeName, labels: view.labels, datasetRef: `studio://datasets/${view.datasetVersion.datasetName}/v${view.datasetVersion.version}` };
  return { filename: `${view.name}-output.manifest`, stream: itemLines(db, jobId, (items) => items.map((item) => JSON.stringify(manifestLine(job, item))), { onItems }) };
}
