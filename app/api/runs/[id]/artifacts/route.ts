// PUT /api/runs/[id]/artifacts?path=model/model.joblib – the body is the file, streamed to the
// artifact store (the same path again replaces it)
// GET /api/runs/[id]/artifacts?path=… – downloads it
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { AppError } from "@/server/errors";
import { idParams, route } from "@/server/http/route";
import { artifactStore } from "@/server/artifacts/artifact-store";
import { getRunArtifact, putRunArtifact } from "@/server/tracking/run-artifacts";
import { artifactQuery } from "@/server/tracking/tracking-queries";
import { artifactDownload } from "@/server/http/attachment";

export const PUT = route({ access: "training:write", sdk: true, params: idParams, query: artifactQuery }, async ({ db, params, query, user, req }) => {
  if (!req.body) throw new AppError("bad_request", "Send the file as the request body.");
  const body = Readable.fromWeb(req.body as unknown as WebReadableStream<Uint8Array>);
  return putRunArtifact(db, artifactStore(), params.id, query.path, body, user);
});

export const GET = route({ access: "training:read", sdk: true, params: idParams, query: artifactQuery }, async ({ db, params, query, user }) => {
  const artifact = await getRunArtifact(db, params.id, query.path, user);
  return artifactDownload(
    { key: artifact.storageKey, filename: artifact.path.split("/").pop() ?? "artifact", sha256: artifact.sha256 },
    "The file of this artifact is missing from the artifact store.",
  );
});
