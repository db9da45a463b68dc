// GET /api/projects/[id]/experiments – the project's experiments with run counts
import { idParams, route } from "@/server/http/route";
import { listExperiments } from "@/server/tracking/list-runs";

export const GET = route({ access: "training:read", sdk: true, params: idParams }, async ({ db, params, user }) => ({
  experiments: await listExperiments(db, user, params.id),
}));
