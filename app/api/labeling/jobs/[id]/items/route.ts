// GET /api/labeling/jobs/[id]/items?after=&limit=&status= – the job's items in queue order, with consolidated labels
import { z } from "zod";
import { idParams, route } from "@/server/http/route";
import { listJobItems } from "@/server/labeling/manage-jobs";

const query = z.object({
  after: z.coerce.number().int().min(-1).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  status: z.enum(["open", "full", "labeled", "consolidated", "unreadable"]).optional(),
});

export const GET = route({ access: "labeling:read", params: idParams, query }, async ({ db, params, query, user }) => ({ items: await listJobItems(db, params.id, user, query) }));
