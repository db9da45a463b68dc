// POST /api/projects/[id]/runs – a run started by the SDK (notebook or script), in an experiment
// named by the caller (created on first use)
import { created, idParams, route } from "@/server/http/route";
import { createRun } from "@/server/tracking/create-run";
import { createRunInput } from "@/server/tracking/tracking-schemas";

export const POST = route({ access: "training:write", sdk: true, params: idParams, body: createRunInput }, async ({ db, params, body, user }) =>
  created({ run: await createRun(db, params.id, body, user) }),
);
