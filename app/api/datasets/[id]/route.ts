// GET /api/datasets/[id] – one dataset with all its versions
import { idParams, route } from "@/server/http/route";
import { getDataset } from "@/server/datasets/list-datasets";

export const GET = route({ access: "datasets:read", sdk: true, params: idParams }, async ({ db, params, user }) => getDataset(db, params.id, user));
