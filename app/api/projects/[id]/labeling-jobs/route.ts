// POST /api/projects/[id]/labeling-jobs – creates a labeling job on a dataset version (the worker reads it into items)
import { created, idParams, route } from "@/server/http/route";
import { recordAuditEvent } from "@/server/audit/record-audit-event";
import { createLabelingJobInput } from "@/lib/labeling/tasks";
import { createLabelingJob } from "@/server/labeling/manage-jobs";

export const POST = route({ access: "labeling:manage", params: idParams, body: createLabelingJobInput }, async ({ db, params, body, user, ip }) => {
  const job = await createLabelingJob(db, params.id, body, user);
  await recordAuditEvent(db, { action: "labeling.create", actor: user, target: { type: "labeling_job", id: job.id }, ip, detail: { name: job.name, taskType: job.taskType, workers: job.workers.length } });
  return created({ job });
});
