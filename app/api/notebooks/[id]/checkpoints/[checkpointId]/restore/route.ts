// POST /api/notebooks/[id]/checkpoints/[checkpointId]/restore – make a checkpoint the current content (the replaced content is kept as a checkpoint)
import { idParams, route } from "@/server/http/route";
import { restoreCheckpoint } from "@/server/notebooks/checkpoints";

const params = idParams.extend({ checkpointId: idParams.shape.id });

export const POST = route({ access: "notebooks:write", params }, async ({ db, params: p, user }) => restoreCheckpoint(db, p.id, p.checkpointId, user));
