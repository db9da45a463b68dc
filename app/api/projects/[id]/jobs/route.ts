// GET /api/projects/[id]/jobs – the project's training jobs, newest first
// POST /api/projects/[id]/jobs – creates a training job (pending; the worker starts it)
import { created, idParams, route } from "@/server/http/route";
import { artifactStore } from "@/server/artifacts/artifact-store";
import { recordAuditEvent } from "@/server/audit/record-audit-event";
import { createJobInput } from "@/server/jobs/job-schemas";
import { createTrainingJob } from "@/server/jobs/create-training-job";
import { listTrainingJobs } from "@/server/jobs/list-training-jobs";

export const GET = route({ access: "training:read", params: idParams }, async ({ db, params, user }) => ({ jobs: await listTrainingJobs(db, user, params.id) }));

export const POST = route({ access: "training:write", params: idParams, body: createJobInput }, async ({ db, params, body, user, ip }) => {
  const job = await createTrainingJob(db, artifactStore(), params.id, body, user);
  await recordAuditEvent(db, { action: "job.create", actor: user, target: { type: "training_job", id: job.id }, ip, detail: { name: job.name, sourceType: job.sourceType, host: job.hostName } });
  return created({ job });
});
