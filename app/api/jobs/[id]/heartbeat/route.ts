// POST /api/jobs/[id]/heartbeat { attempt } – the job runner is alive; answers whether to stop
import { idParams, route } from "@/server/http/route";
import { jobAttemptInput } from "@/server/jobs/job-schemas";
import { jobHeartbeat } from "@/server/jobs/job-runtime";

export const POST = route({ access: "training:write", sdk: true, params: idParams, body: jobAttemptInput }, async ({ db, params, body, user }) =>
  jobHeartbeat(db, params.id, body.attempt, user),
);
