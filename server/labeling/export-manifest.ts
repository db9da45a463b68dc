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
  item: { sourceRef: string | null; text: string | null; label: ConsolidatedLabel; confidence: number; humanAnnotated: boolean; consolidatedAt: Date },
): Record<string, unknown> {
  const attr = job.labelAttributeName;
  const source = isTextTask(job.taskType) ? { source: item.text ?? "" } : { "source-ref": `${job.datasetRef}/${item.sourceRef}` };
  const common = { type: manifestType[job.taskType], "job-name": `labeling-job/${job.name}`, "human-annotated": item.humanAnnotated ? "yes" : "no", "creation-date": creationDate(item.consolidatedAt) };
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
export async function manifestStream(db: Db, jobId: string, principal: Principal): Promise<{ filename: string; stream: ReadableStream<Uint8Array> }> {
  const view = await getLabelingJob(db, jobId, principal);
  const job = { name: view.name, taskType: view.taskType, labelAttributeName: view.labelAttributeName, labels: view.labels, datasetRef: `studio://datasets/${view.datasetVersion.datasetName}/v${view.datasetVersion.version}` };
  const encoder = new TextEncoder();
  let after = -1;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const rows = await db.labelingItem.findMany({
        where: { jobId, status: "consolidated", seq: { gt: after } },
        orderBy: { seq: "asc" },
        take: PAGE,
        select: { seq: true, sourceRef: true, text: true, label: true, confidence: true, humanAnnotated: true, consolidatedAt: true },
      });
      if (rows.length === 0) return controller.close();
      after = rows[rows.length - 1].seq;
      const lines = rows.map((r) => JSON.stringify(manifestLine(job, { ...r, label: JSON.parse(r.label!) as ConsolidatedLabel, confidence: r.confidence ?? 0, consolidatedAt: r.consolidatedAt ?? new Date(0) })));
      controller.enqueue(encoder.encode(`${lines.join("\n")}\n`));
    },
  });
  return { filename: `${view.name}-output.manifest`, stream };
}
