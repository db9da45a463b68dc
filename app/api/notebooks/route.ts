// GET /api/notebooks – recent notebooks across the caller's projects (?q= searches names)
import { z } from "zod";
import { route } from "@/server/http/route";
import { listRecentNotebooks } from "@/server/notebooks/list-recent-notebooks";

export const GET = route({ access: "notebooks:read", query: z.object({ q: z.string().trim().max(120).optional() }) }, async ({ db, user, query }) =>
  listRecentNotebooks(db, user, query.q),
);
