// POST /api/projects/[id]/datasets/upload?name=&filename=[&description=] – the request body is the
// file itself (CSV, JSON Lines, Parquet or zip), streamed to the artifact store as the dataset's
// next version (the dataset is created by its first upload).
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { AppError } from "@/server/errors";
import { created, idParams, route } from "@/server/http/route";
import { artifactStore } from "@/server/artifacts/artifact-store";
import { uploadDatasetQuery } from "@/server/datasets/dataset-schemas";
import { uploadDatasetVersion } from "@/server/datasets/upload-dataset-version";

export const POST = route({ access: "datasets:write", sdk: true, params: idParams, query: uploadDatasetQuery }, async ({ db, params, query, user, req }) => {
  if (!req.body) throw new AppError("bad_request", "Send the file as the request body.");
  const body = Readable.fromWeb(req.body as unknown as WebReadableStream<Uint8Array>);
  return created(await uploadDatasetVersion(db, artifactStore(), params.id, query, body, user));
});
