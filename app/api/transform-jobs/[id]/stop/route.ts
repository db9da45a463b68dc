// POST /api/transform-jobs/[id]/stop – Stopping; the worker ends its process and marks it Stopped
import { idParams, route } from "@/server/http/route";
import { artifactStore } from "@/server/artifacts/artifact-store";
import { recordAuditEvent } from "@/server/audit/record-audit-event";
import { stopTransformJob } from "@/server/transform/manage-transform-jobs";

export const POST = route({ access: "models:write", params: idParams }, async ({ db, params, user, ip }) => {
  const job = await stopTransformJob(db, artifactStore(), params.id, user);
  await recordAuditEvent(db, { action: "transform.stop", actor: user, target: { type: "transform_job", id: job.id }, ip, detail: { name: job.name } });
  return { job };
});
