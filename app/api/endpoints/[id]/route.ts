// GET /api/endpoints/[id] – an endpoint with its variants and their model servers
// DELETE /api/endpoints/[id] – stops its model servers and removes it
import { idParams, route } from "@/server/http/route";
import { recordAuditEvent } from "@/server/audit/record-audit-event";
import { deleteEndpoint, getEndpoint } from "@/server/endpoints/manage-endpoints";

export const GET = route({ access: "models:read", params: idParams }, async ({ db, params, user }) => ({ endpoint: await getEndpoint(db, params.id, user) }));

export const DELETE = route({ access: "models:write", params: idParams }, async ({ db, params, user, ip }) => {
  await deleteEndpoint(db, params.id, user);
  await recordAuditEvent(db, { action: "endpoint.delete", actor: user, target: { type: "endpoint", id: params.id }, ip });
  return { ok: true };
});
