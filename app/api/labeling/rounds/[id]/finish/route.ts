// POST /api/labeling/rounds/[id]/finish { status: completed | failed, reason? } – the round's outcome; idempotent
import { idParams, route } from "@/server/http/route";
import { finishRound } from "@/server/labeling/auto-labeling-rounds";
import { roundFinishInput } from "@/lib/labeling/auto-labeling";

export const POST = route({ access: "labeling:manage", sdk: "labeling-round", params: idParams, body: roundFinishInput }, async ({ db, params, body, user }) => finishRound(db, params.id, body, user));
