// POST /api/labeling/jobs/[id]/review/[itemId] – { decision: "accept" } or { decision: "correct", answer }: the reviewer's decision
import { z } from "zod";
import { idParams, route } from "@/server/http/route";
import { decideReview } from "@/server/labeling/review";
import { reviewDecisionInput } from "@/server/labeling/exchange-schemas";

const params = idParams.extend({ itemId: z.string().min(1).max(64).regex(/^[a-z0-9]+$/i) });

export const POST = route({ access: "labeling:review", params, body: reviewDecisionInput }, async ({ db, params, body, user }) => decideReview(db, params.id, params.itemId, body, user));
