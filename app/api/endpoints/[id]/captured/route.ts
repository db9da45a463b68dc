// GET /api/endpoints/[id]/captured?kind=capture|shadow&variant=&hour=yyyy[/mm[/dd[/hh]]]&before=&limit= –
// its captured-data (or shadow comparison) files, newest first; `before` = the previous page's `next`
import { idParams, route } from "@/server/http/route";
import { artifactStore } from "@/server/artifacts/artifact-store";
import { capturedFilesQuery, listCapturedFiles } from "@/server/endpoints/captured-files";

export const GET = route({ access: "models:read", params: idParams, query: capturedFilesQuery }, async ({ db, params, query, user }) =>
  listCapturedFiles(db, artifactStore(), params.id, user, query),
);
