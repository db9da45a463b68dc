// POST /api/notebooks/[id]/trash – move a notebook to the trash
import { idParams, route } from "@/server/http/route";
import { trashNotebook } from "@/server/notebooks/trash-notebook";

export const POST = route({ access: "notebooks:write", params: idParams }, async ({ db, params, user }) => trashNotebook(db, params.id, user));
