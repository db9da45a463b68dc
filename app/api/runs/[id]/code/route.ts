// GET /api/runs/[id]/code – the code snapshot the run ran, streamed
import { idParams, route } from "@/server/http/route";
import { artifactDownload } from "@/server/http/attachment";
import { getRunCode } from "@/server/tracking/run-artifacts";

export const GET = route({ access: "training:read", sdk: true, params: idParams }, async ({ db, params, user }) => {
  return artifactDownload(await getRunCode(db, params.id, user), "The run's code is missing from the artifact store.");
});
