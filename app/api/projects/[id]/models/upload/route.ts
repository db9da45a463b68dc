// POST /api/projects/[id]/models/upload?filename=model.onnx – the body is a model file, kept for a
// version about to be registered (returns its uploadId)
import { created, idParams, route } from "@/server/http/route";
import { artifactStore } from "@/server/artifacts/artifact-store";
import { fileBody } from "@/server/http/file-body";
import { uploadModelQuery } from "@/server/models/model-schemas";
import { uploadModelFile } from "@/server/models/upload-model-file";

export const POST = route({ access: "models:write", sdk: true, params: idParams, query: uploadModelQuery }, async ({ db, params, query, user, req }) =>
  created(await uploadModelFile(db, artifactStore(), params.id, query.filename, fileBody(req), user)),
);
