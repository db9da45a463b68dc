// GET /api/jobs/[id]/spec – what the job runner needs: code, hyperparameters, inputs, its run
import { idParams, route } from "@/server/http/route";
import { getJobSpec } from "@/server/jobs/job-runtime";

export const GET = route({ access: "training:write", sdk: true, params: idParams }, async ({ db, params, user }) => ({ job: await getJobSpec(db, params.id, user) }));
