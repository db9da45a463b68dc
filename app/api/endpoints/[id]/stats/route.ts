// GET /api/endpoints/[id]/stats?minutes=60 – invocations per minute (count, rps, latency
// percentiles, error rates) and the last 5 minutes per variant
import { z } from "zod";
import { idParams, route } from "@/server/http/route";
import { getEndpointStats } from "@/server/endpoints/invocation-stats";

const query = z.object({ minutes: z.coerce.number().int().min(1).max(1440).default(60) });

export const GET = route({ access: "models:read", params: idParams, query }, async ({ db, params, query: q, user }) => ({ stats: await getEndpointStats(db, params.id, user, q.minutes) }));
