// POST /api/notebooks/[id]/duplicate – copy a notebook as "Name (copy)"
import { created, idParams, route } from "@/server/http/route";
import { duplicateNotebook } from "@/server/notebooks/duplicate-notebook";

export const POST = route({ access: "notebooks:write", params: idParams }, async ({ db, params, user }) => created(await duplicateNotebook(db, params.id, user)));
