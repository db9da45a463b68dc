// GET /api/labeling/jobs/[id]/review?after=&before= – the next item waiting for review (after or before a queue position, wrapping around), with the workers' answers
import { z } from "zod";
import { idParams, route } from "@/server/http/route";
import { reviewState } from "@/server/labeling/review";

const query = z.object({ after: z.coerce.number().int().min(-1).optional(), before: z.coerce.number().int().min(0).optional() });

export const GET = route({ access: "labeling:review", params: idParams, query }, async ({ db, params, query, user }) => ({ review: await reviewState(db, params.id, user, query) }));
