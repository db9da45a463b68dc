// GET /api/labeling/rounds/[id] – a round of automated labeling's spec, for its code on the compute host (the round's token only)
import { idParams, route } from "@/server/http/route";
import { getRoundSpec } from "@/server/labeling/auto-labeling-rounds";

export const GET = route({ access: "labeling:manage", sdk: "labeling-round", params: idParams }, async ({ db, params, user }) => ({ round: await getRoundSpec(db, params.id, user) }));
