// GET /api/endpoints?projectId= – endpoints in the caller's projects, newest first
import { route } from "@/server/http/route";
import { listEndpointsQuery } from "@/server/endpoints/endpoint-schemas";
import { listEndpoints } from "@/server/endpoints/manage-endpoints";

export const GET = route({ access: "models:read", query: listEndpointsQuery }, async ({ db, query, user }) => ({ endpoints: await listEndpoints(db, user, query) }));
