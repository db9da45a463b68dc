// GET /api/runs/[id]/metrics?key=loss[&minStep=&maxStep=&points=] – one metric's history,
// downsampled on the server to `points` (default 1,000); a narrow step range comes back in full
import { idParams, route } from "@/server/http/route";
import { getMetricHistory } from "@/server/tracking/metric-history";
import { metricHistoryQuery } from "@/server/tracking/tracking-queries";

export const GET = route({ access: "training:read", sdk: true, params: idParams, query: metricHistoryQuery }, async ({ db, params, query, user }) =>
  getMetricHistory(db, params.id, { key: query.key, minStep: query.minStep, maxStep: query.maxStep, maxPoints: query.points }, user),
);
