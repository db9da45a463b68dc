// GET /api/endpoints/[id]/captured/download?key= – one captured file as stored (JSON Lines), streamed
import { idParams, route } from "@/server/http/route";
import { artifactStore } from "@/server/artifacts/artifact-store";
import { artifactDownload } from "@/server/http/attachment";
import { capturedFile, capturedFileQuery } from "@/server/endpoints/captured-files";

export const GET = route({ access: "models:read", params: idParams, query: capturedFileQuery }, async ({ db, params, query, user }) => {
  const file = await capturedFile(db, artifactStore(), params.id, user, query.key);
  return artifactDownload({ key: file.key, filename: file.key.replaceAll("/", "_"), contentType: "application/x-ndjson" }, "The captured file is missing from the artifact store.");
});
