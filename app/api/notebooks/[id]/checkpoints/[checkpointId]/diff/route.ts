// GET /api/notebooks/[id]/checkpoints/[checkpointId]/diff – cell-level diff of a checkpoint against the current content
import { idParams, route } from "@/server/http/route";
import { diffCheckpoint } from "@/server/notebooks/checkpoints";

const params = idParams.extend({ checkpointId: idParams.shape.id });

export const GET = route({ access: "notebooks:read", params }, async ({ db, params: p, user }) => diffCheckpoint(db, p.id, p.checkpointId, user));
