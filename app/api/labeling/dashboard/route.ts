// GET /api/labeling/dashboard?projectId=&hours= – labeling progress, agreement and throughput across the caller's jobs
import { z } from "zod";
import { route } from "@/server/http/route";
import { labelingDashboard } from "@/server/labeling/dashboard";

const query = z.object({
  projectId: z.string().min(1).max(64).optional(),
  hours: z.coerce.number({ error: "must be a number of hours" }).int("must be a whole number").min(1, "must be 1–720").max(720, "must be 1–720").default(48),
});

export const GET = route({ access: "labeling:read", query }, async ({ db, query, user }) => ({ dashboard: await labelingDashboard(db, user, query) }));
