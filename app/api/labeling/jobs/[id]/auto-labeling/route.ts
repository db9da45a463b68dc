// GET /api/labeling/jobs/[id]/auto-labeling – automated labeling: settings, machine- vs human-labeled counts, state, rounds
import { idParams, route } from "@/server/http/route";
import { getAutoLabeling } from "@/server/labeling/get-auto-labeling";

export const GET = route({ access: "labeling:read", params: idParams }, async ({ db, params, user }) => ({ autoLabeling: await getAutoLabeling(db, params.id, user) }));
