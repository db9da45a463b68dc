// GET /api/projects/[id]/datasets – the project's datasets, each with its latest version
import { idParams, route } from "@/server/http/route";
import { listDatasets } from "@/server/datasets/list-datasets";

export const GET = route({ access: "datasets:read", sdk: true, params: idParams }, async ({ db, params, user }) => listDatasets(db, params.id, user));
