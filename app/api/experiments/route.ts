// GET /api/experiments[?projectId=] – experiments across the caller's projects (by project role)
import { route } from "@/server/http/route";
import { listExperiments } from "@/server/tracking/list-runs";
import { experimentsQuery } from "@/server/tracking/tracking-queries";

export const GET = route({ access: "training:read", sdk: true, query: experimentsQuery }, async ({ db, query, user }) => ({
  experiments: await listExperiments(db, user, query.projectId),
}));
