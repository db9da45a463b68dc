// POST /api/projects/[id]/endpoints – creates an endpoint (Creating; the worker starts its model servers)
import { created, idParams, route } from "@/server/http/route";
import { recordAuditEvent } from "@/server/audit/record-audit-event";
import { createEndpointInput } from "@/server/endpoints/endpoint-schemas";
import { createEndpoint } from "@/server/endpoints/manage-endpoints";

export const POST = route({ access: "models:write", params: idParams, body: createEndpointInput }, async ({ db, params, body, user, ip }) => {
  const endpoint = await createEndpoint(db, params.id, body, user);
  await recordAuditEvent(db, { action: "endpoint.create", actor: user, target: { type: "endpoint", id: endpoint.id }, ip, detail: { name: endpoint.name, production: endpoint.production } });
  return created({ endpoint });
});
