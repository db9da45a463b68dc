// POST /api/projects/[id]/jobs/code?filename=train.py – the body is a training script (.py) or a
// zipped folder (.zip), kept for a job about to be created (returns its codeUploadId)
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { AppError } from "@/server/errors";
import { created, idParams, route } from "@/server/http/route";
import { artifactStore } from "@/server/artifacts/artifact-store";
import { uploadJobCodeQuery } from "@/server/jobs/job-schemas";
import { uploadJobCode } from "@/server/jobs/upload-job-code";

export const POST = route({ access: "training:write", params: idParams, query: uploadJobCodeQuery }, async ({ db, params, query, user, req }) => {
  if (!req.body) throw new AppError("bad_request", "Send the file as the request body.");
  const body = Readable.fromWeb(req.body as unknown as WebReadableStream<Uint8Array>);
  return created(await uploadJobCode(db, artifactStore(), params.id, query.filename, body, user));
});
