// GET /api/notebooks/[id] – a notebook with its content (?content=false: without it); PATCH – rename or choose host/kernel; DELETE – delete it from the trash
import { idParams, route } from "@/server/http/route";
import { getNotebook } from "@/server/notebooks/get-notebook";
import { updateNotebook } from "@/server/notebooks/update-notebook";
import { deleteNotebook } from "@/server/notebooks/trash-notebook";
import { getNotebookQuery, updateNotebookInput } from "@/server/notebooks/notebook-schemas";

export const GET = route({ access: "notebooks:read", params: idParams, query: getNotebookQuery }, async ({ db, params, query, user }) => {
  const { content, ...summary } = await getNotebook(db, params.id, user);
  return query.content === "false" ? summary : { ...summary, content };
});

export const PATCH = route({ access: "notebooks:write", params: idParams, body: updateNotebookInput }, async ({ db, params, body, user }) =>
  updateNotebook(db, params.id, body, user),
);

export const DELETE = route({ access: "notebooks:write", params: idParams }, async ({ db, params, user }) => {
  await deleteNotebook(db, params.id, user);
  return { ok: true };
});
