// GET /api/jobs/[id] – one training job: status and reason, code, hyperparameters, inputs, host, run
import { idParams, route } from "@/server/http/route";
import { getTrainingJob } from "@/server/jobs/list-training-jobs";

export const GET = route({ access: "training:read", params: idParams }, async ({ db, params, user }) => ({ job: await getTrainingJob(db, params.id, user) }));
