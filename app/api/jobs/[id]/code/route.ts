// GET /api/jobs/[id]/code – the job's code snapshot (script, zipped folder or notebook), streamed
import { idParams, route } from "@/server/http/route";
import { artifactDownload } from "@/server/http/attachment";
import { getJobCodeKey } from "@/server/jobs/job-runtime";

export const GET = route({ access: "training:read", sdk: true, params: idParams }, async ({ db, params, user }) => {
  const { key, filename } = await getJobCodeKey(db, params.id, user);
  return artifactDownload({ key, filename }, "The job's code is missing from the artifact store.");
});
