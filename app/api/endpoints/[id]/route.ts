// GET /api/endpoints/[id] – an endpoint with its variants and their model servers
// PATCH /api/endpoints/[id] – { variants } new variants, applied without dropping requests (see updateEndpoint)
// DELETE /api/endpoints/[id] – stops its model servers and removes it
import { idParams, route } from "@/server/http/route";
import { recordAuditEvent } from "@/server/audit/record-audit-event";
import { deleteEndpoint, getEndpoint, updateEndpoint } from "@/server/endpoints/manage-endpoints";
import { updateEndpointInput } from "@/server/endpoints/endpoint-schemas";

export const GET = route({ access: "models:read", params: idParams }, async ({ db, params, user }) => ({ endpoint: await getEndpoint(db, params.id, user) }));

export const PATCH = route({ access: "models:write", params: idParams, body: updateEndpointInput }, async ({ db, params, body, user, ip }) => {
  const endpoint = await updateEndpoint(db, params.id, body, user);
  await recordAuditEvent(db, {
    action: "endpoint.update",
    actor: user,
    target: { type: "endpoint", id: params.id },
    ip,
    detail: { variants: body.variants.map((v) => ({ name: v.name, modelVersionId: v.modelVersionId, weight: v.weight, shadow: v.shadow })) },
  });
  return { endpoint };
});

export const DELETE = route({ access: "models:write", params: idParams }, async ({ db, params, user, ip }) => {
  await deleteEndpoint(db, params.id, user);
  await recordAuditEvent(db, { action: "endpoint.delete", actor: user, target: { type: "endpoint", id: params.id }, ip });
  return { ok: true };
});
