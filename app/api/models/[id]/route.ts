// GET /api/models/[id] – a registered model with its versions, newest first
// PATCH /api/models/[id] – changes its description
import { idParams, route } from "@/server/http/route";
import { updateModelInput } from "@/server/models/model-schemas";
import { getModel } from "@/server/models/list-models";
import { updateModel } from "@/server/models/update-model";

export const GET = route({ access: "models:read", params: idParams }, async ({ db, params, user }) => ({ model: await getModel(db, params.id, user) }));

export const PATCH = route({ access: "models:write", params: idParams, body: updateModelInput }, async ({ db, params, body, user }) => ({ model: await updateModel(db, params.id, body, user) }));
