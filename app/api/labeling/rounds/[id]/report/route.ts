// POST /api/labeling/rounds/[id]/report { trainSize, validationSize, validationAccuracy, threshold, … } – the round's validation results
import { idParams, route } from "@/server/http/route";
import { reportRound } from "@/server/labeling/auto-labeling-rounds";
import { roundReportInput } from "@/lib/labeling/auto-labeling";

export const POST = route({ access: "labeling:manage", sdk: "labeling-round", params: idParams, body: roundReportInput }, async ({ db, params, body, user }) => reportRound(db, params.id, body, user));
