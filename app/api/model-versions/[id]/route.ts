// GET /api/model-versions/[id] – one version: signature, metrics, lineage, files, approval history
import { idParams, route } from "@/server/http/route";
import { getModelVersion } from "@/server/models/list-models";

export const GET = route({ access: "models:read", sdk: true, params: idParams }, async ({ db, params, user }) => ({ version: await getModelVersion(db, params.id, user) }));
