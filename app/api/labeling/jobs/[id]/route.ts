// GET /api/labeling/jobs/[id] – a labeling job: settings, labelers, progress counters
import { idParams, route } from "@/server/http/route";
import { getLabelingJob } from "@/server/labeling/manage-jobs";

export const GET = route({ access: "signed-in", params: idParams }, async ({ db, params, user }) => ({ job: await getLabelingJob(db, params.id, user) }));
