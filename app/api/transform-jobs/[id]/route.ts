// GET /api/transform-jobs/[id] – a batch transform: status, progress, settings, output (and its first lines)
import { idParams, route } from "@/server/http/route";
import { artifactStore } from "@/server/artifacts/artifact-store";
import { getTransformJob } from "@/server/transform/manage-transform-jobs";

export const GET = route({ access: "models:read", params: idParams }, async ({ db, params, user }) => ({ job: await getTransformJob(db, artifactStore(), params.id, user) }));
