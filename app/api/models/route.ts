// GET /api/models?q=&projectId= – registered models in the caller's projects, newest activity first
import { route } from "@/server/http/route";
import { listModelsQuery } from "@/server/models/model-schemas";
import { listModels } from "@/server/models/list-models";

export const GET = route({ access: "models:read", query: listModelsQuery }, async ({ db, query, user }) => ({ models: await listModels(db, user, query) }));
