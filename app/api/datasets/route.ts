// GET /api/datasets – datasets across the caller's projects (?q= searches names)
import { z } from "zod";
import { route } from "@/server/http/route";
import { listDatasetsAcrossProjects } from "@/server/datasets/list-datasets";

export const GET = route({ access: "datasets:read", query: z.object({ q: z.string().trim().max(120).optional() }) }, async ({ db, user, query }) =>
  listDatasetsAcrossProjects(db, user, query.q),
);
