// PUT /api/runs/[id]/artifacts?path=model/model.joblib – the body is the file, streamed to the
// artifact store (the same path again replaces it)
// GET /api/runs/[id]/artifacts?path=… – downloads it
import { idParams, route } from "@/server/http/route";
import { artifactStore } from "@/server/artifacts/artifact-store";
import { fileBody } from "@/server/http/file-body";
import { getRunArtifact, putRunArtifact } from "@/server/tracking/run-artifacts";
import { artifactQuery } from "@/server/tracking/tracking-queries";
import { artifactDownload } from "@/server/http/attachment";

export const PUT = route({ access: "training:write", sdk: true, params: idParams, query: artifactQuery }, async ({ db, params, query, user, req }) => {
  const body = fileBody(req);
  return putRunArtifact(db, artifactStore(), params.id, query.path, body, user);
});

export const GET = route({ access: "training:read", sdk: true, params: idParams, query: artifactQuery }, async ({ db, params, query, user }) => {
  const artifact = await getRunArtifact(db, params.id, query.path, user);
  return artifactDownload(
    { key: artifact.storageKey, filename: artifact.path.split("/").pop() ?? "artifact", sha256: artifact.sha256 },
    "The file of this artifact is missing from the artifact store.",
  );
});
