// GET /api/notebooks/[id]/checkpoints – the notebook's version history; POST – save a checkpoint now
import { created, idParams, route } from "@/server/http/route";
import { createCheckpoint, listCheckpoints } from "@/server/notebooks/checkpoints";
import { createCheckpointInput } from "@/server/notebooks/notebook-schemas";

export const GET = route({ access: "notebooks:read", params: idParams }, async ({ db, params, user }) => listCheckpoints(db, params.id, user));

export const POST = route({ access: "notebooks:write", params: idParams, body: createCheckpointInput }, async ({ db, params, body, user }) =>
  created(await createCheckpoint(db, params.id, body.label, user)),
);
