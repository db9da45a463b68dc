// GET /api/runs/[id] – a run: params, tags, metric summaries, artifacts, lineage
// PATCH /api/runs/[id] { status } – ends a notebook's or script's run
import { idParams, route } from "@/server/http/route";
import { getRun } from "@/server/tracking/list-runs";
import { endRun } from "@/server/tracking/end-run";
import { endRunInput } from "@/server/tracking/tracking-schemas";

export const GET = route({ access: "training:read", sdk: true, params: idParams }, async ({ db, params, user }) => ({ run: await getRun(db, params.id, user) }));

export const PATCH = route({ access: "training:write", sdk: true, params: idParams, body: endRunInput }, async ({ db, params, body, user }) =>
  endRun(db, params.id, body.status, user),
);
