// PUT /api/notebooks/[id]/content – save content on top of baseVersion (409 if it was saved elsewhere since)
import { idParams, route } from "@/server/http/route";
import { saveNotebook } from "@/server/notebooks/save-notebook";
import { saveNotebookInput } from "@/server/notebooks/notebook-schemas";

export const PUT = route(
  { access: "notebooks:write", params: idParams, body: saveNotebookInput, maxBodyBytes: 110 * 1024 * 1024 },
  async ({ db, params, body, user }) => saveNotebook(db, params.id, body, user),
);
