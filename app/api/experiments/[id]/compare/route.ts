// GET /api/experiments/[id]/compare?runs=a,b&keys=loss,acc[&minStep=&maxStep=&points=] – metric
// curves of several runs, each downsampled on the server (LTTB) to `points` (default 1,000)
import { idParams, route } from "@/server/http/route";
import { compareRuns } from "@/server/tracking/list-runs";
import { compareQuery } from "@/server/tracking/tracking-queries";

export const GET = route({ access: "training:read", params: idParams, query: compareQuery }, async ({ db, params, query, user }) => ({
  series: await compareRuns(db, params.id, { runIds: query.runs, keys: query.keys, minStep: query.minStep, maxStep: query.maxStep, maxPoints: query.points }, user),
}));
