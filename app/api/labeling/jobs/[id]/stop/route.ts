// POST /api/labeling/jobs/[id]/stop – closes the job's queue
import { idParams, route } from "@/server/http/route";
import { recordAuditEvent } from "@/server/audit/record-audit-event";
import { stopLabelingJob } from "@/server/labeling/manage-jobs";

export const POST = route({ access: "labeling:manage", params: idParams }, async ({ db, params, user, ip }) => {
  const job = await stopLabelingJob(db, params.id, user);
  await recordAuditEvent(db, { action: "labeling.stop", actor: user, target: { type: "labeling_job", id: params.id }, ip });
  return { job };
});
