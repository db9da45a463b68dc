// POST /api/jobs/[id]/stop – stops the job (at once if it has not started; else its runner is asked)
import { idParams, route } from "@/server/http/route";
import { stopTrainingJob } from "@/server/jobs/stop-training-job";

export const POST = route({ access: "training:write", params: idParams }, async ({ db, params, user, ip }) => ({ job: await stopTrainingJob(db, params.id, user, ip) }));
