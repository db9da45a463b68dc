// GET /api/health – liveness for the launcher and load balancers: the web process answers and the database responds
import { publicRoute } from "@/server/http/route";

export const GET = publicRoute({}, async ({ db }) => {
  await db.user.count();
  return { ok: true };
});
