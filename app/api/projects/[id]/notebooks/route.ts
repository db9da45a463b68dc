// GET /api/projects/[id]/notebooks – the project's notebooks (?q= search, ?trashed=true for the trash); POST – create or import an .ipynb
import { created, idParams, route } from "@/server/http/route";
import { createNotebook } from "@/server/notebooks/create-notebook";
import { listNotebooks } from "@/server/notebooks/list-notebooks";
import { createNotebookInput, listNotebooksQuery } from "@/server/notebooks/notebook-schemas";

export const GET = route({ access: "notebooks:read", params: idParams, query: listNotebooksQuery }, async ({ db, params, query, user }) =>
  listNotebooks(db, params.id, query, user),
);

export const POST = route(
  { access: "notebooks:write", params: idParams, body: createNotebookInput, maxBodyBytes: 110 * 1024 * 1024 },
  async ({ db, params, body, user }) => created(await createNotebook(db, params.id, body, user)),
);
