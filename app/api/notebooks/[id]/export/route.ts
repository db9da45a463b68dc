// GET /api/notebooks/[id]/export – download the notebook as an .ipynb file (nbformat 4.5)
import { serializeIpynb } from "@/lib/nbformat";
import { idParams, route } from "@/server/http/route";
import { getNotebook } from "@/server/notebooks/get-notebook";

export const GET = route({ access: "notebooks:read", params: idParams }, async ({ db, params, user }) => {
  const notebook = await getNotebook(db, params.id, user);
  const filename = `${notebook.name}.ipynb`;
  return new Response(serializeIpynb(notebook.content), {
    headers: {
      "Content-Type": "application/x-ipynb+json; charset=utf-8",
      "Content-Disposition": `attachment; filename="${filename.replace(/[^\x20-\x7e]|"/g, "_")}"; filename*=UTF-8''${encodeURIComponent(filename)}`,
    },
  });
});
