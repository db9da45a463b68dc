// GET /api/model-versions/[id]/files?path=model.joblib – downloads one file of the version
import { idParams, route } from "@/server/http/route";
import { artifactDownload } from "@/server/http/attachment";
import { modelFileQuery } from "@/server/models/model-schemas";
import { getModelVersionFile } from "@/server/models/list-models";

export const GET = route({ access: "models:read", sdk: true, params: idParams, query: modelFileQuery }, async ({ db, params, query, user }) =>
  artifactDownload(await getModelVersionFile(db, params.id, query.path, user), "The file is missing from the artifact store."),
);
