// POST /api/notebooks/[id]/restore – bring a notebook back from the trash
import { idParams, route } from "@/server/http/route";
import { restoreNotebook } from "@/server/notebooks/trash-notebook";

export const POST = route({ access: "notebooks:write", params: idParams }, async ({ db, params, user }) => restoreNotebook(db, params.id, user));
