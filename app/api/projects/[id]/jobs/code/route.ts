// POST /api/projects/[id]/jobs/code?filename=train.py – the body is a training script (.py) or a
// zipped folder (.zip), kept for a job about to be created (returns its codeUploadId)
import { created, idParams, route } from "@/server/http/route";
import { artifactStore } from "@/server/artifacts/artifact-store";
import { fileBody } from "@/server/http/file-body";
import { uploadJobCodeQuery } from "@/server/jobs/job-schemas";
import { uploadJobCode } from "@/server/jobs/upload-job-code";

export const POST = route({ access: "training:write", params: idParams, query: uploadJobCodeQuery }, async ({ db, params, query, user, req }) => {
  const body = fileBody(req);
  return created(await uploadJobCode(db, artifactStore(), params.id, query.filename, body, user));
});
