// POST /api/jobs/[id]/status { attempt, status, exitCode?, reason? } – the job runner's report
// (running, then completed / failed / stopped); idempotent
import { idParams, route } from "@/server/http/route";
import { jobStatusInput } from "@/server/jobs/job-schemas";
import { reportJobStatus } from "@/server/jobs/job-runtime";

export const POST = route({ access: "training:write", sdk: true, params: idParams, body: jobStatusInput }, async ({ db, params, body, user }) =>
  reportJobStatus(db, params.id, body, user),
);
