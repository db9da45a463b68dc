// GET /api/jobs/[id]/code – the job's code snapshot (script, zipped folder or notebook), streamed
import { Readable } from "node:stream";
import { AppError } from "@/server/errors";
import { idParams, route } from "@/server/http/route";
import { artifactStore } from "@/server/artifacts/artifact-store";
import { attachmentHeaders } from "@/server/http/attachment";
import { getJobCodeKey } from "@/server/jobs/job-runtime";

export const GET = route({ access: "training:read", sdk: true, params: idParams }, async ({ db, params, user }) => {
  const { key, filename } = await getJobCodeKey(db, params.id, user);
  const store = artifactStore();
  const size = await store.size(key);
  if (size === null) throw new AppError("not_found", "The job's code is missing from the artifact store.");
  return new Response(Readable.toWeb(store.read(key)) as ReadableStream, { headers: attachmentHeaders(filename, size) });
});
