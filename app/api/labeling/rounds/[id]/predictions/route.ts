// POST /api/labeling/rounds/[id]/predictions { predictions: [{ id, label, confidence }] } – machine-labels the confident, orders the rest; idempotent
import { idParams, route } from "@/server/http/route";
import { applyPredictions } from "@/server/labeling/auto-labeling-rounds";
import { roundPredictionsInput } from "@/lib/labeling/auto-labeling";

export const POST = route({ access: "labeling:manage", sdk: "labeling-round", params: idParams, body: roundPredictionsInput }, async ({ db, params, body, user }) => applyPredictions(db, params.id, body, user));
