// GET /api/endpoints/[id]/logs?after=&limit= – the newest lines of its model servers, oldest first
import { z } from "zod";
import { idParams, route } from "@/server/http/route";
import { getEndpointLogs } from "@/server/endpoints/manage-endpoints";

const query = z.object({ after: z.coerce.number().int().min(0).optional(), limit: z.coerce.number().int().min(1).max(2_000).default(500) });

export const GET = route({ access: "models:read", params: idParams, query }, async ({ db, params, query: q, user }) => ({ lines: await getEndpointLogs(db, params.id, user, q) }));
