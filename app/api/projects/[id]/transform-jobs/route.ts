// POST /api/projects/[id]/transform-jobs – a batch transform (InProgress; the worker runs it)
import { created, idParams, route } from "@/server/http/route";
import { recordAuditEvent } from "@/server/audit/record-audit-event";
import { createTransformJobInput } from "@/server/transform/transform-schemas";
import { createTransformJob } from "@/server/transform/manage-transform-jobs";

export const POST = route({ access: "models:write", params: idParams, body: createTransformJobInput }, async ({ db, params, body, user, ip }) => {
  const job = await createTransformJob(db, params.id, body, user);
  await recordAuditEvent(db, {
    action: "transform.create",
    actor: user,
    target: { type: "transform_job", id: job.id },
    ip,
    detail: { name: job.name, modelVersionId: job.modelVersion.id, datasetVersion: `${job.input.datasetName} v${job.input.version}`, output: job.outputDatasetName },
  });
  return created({ job });
});
