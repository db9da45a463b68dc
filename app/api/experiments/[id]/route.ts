// GET /api/experiments/[id] – the experiment and every run with params, tags and metric summaries
import { idParams, route } from "@/server/http/route";
import { listRuns } from "@/server/tracking/list-runs";

export const GET = route({ access: "training:read", sdk: true, params: idParams }, async ({ db, params, user }) => listRuns(db, params.id, user));
