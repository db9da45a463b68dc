// POST /api/projects/[id]/datasets/upload?name=&filename=[&description=] – the request body is the
// file itself (CSV, JSON Lines, Parquet or zip), streamed to the artifact store as the dataset's
// next version (the dataset is created by its first upload).
import { created, idParams, route } from "@/server/http/route";
import { artifactStore } from "@/server/artifacts/artifact-store";
import { fileBody } from "@/server/http/file-body";
import { uploadDatasetQuery } from "@/server/datasets/dataset-schemas";
import { uploadDatasetVersion } from "@/server/datasets/upload-dataset-version";

export const POST = route({ access: "datasets:write", sdk: true, params: idParams, query: uploadDatasetQuery }, async ({ db, params, query, user, req }) => {
  const body = fileBody(req);
  return created(await uploadDatasetVersion(db, artifactStore(), params.id, query, body, user));
});
