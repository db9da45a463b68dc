// GET /api/endpoints/[id]/models – a multi-model endpoint's cache: what each model server has loaded, load times, cache hits
// POST /api/endpoints/[id]/models – { name?, modelVersionId } adds a model (loaded on its first call)
import { created, idParams, route } from "@/server/http/route";
import { recordAuditEvent } from "@/server/audit/record-audit-event";
import { endpointModelInput } from "@/server/endpoints/endpoint-schemas";
import { addEndpointModel, endpointModelCache } from "@/server/endpoints/multi-model";

export const GET = route({ access: "models:read", params: idParams }, async ({ db, params, user }) => ({ cache: await endpointModelCache(db, params.id, user) }));

export const POST = route({ access: "models:write", params: idParams, body: endpointModelInput }, async ({ db, params, body, user, ip }) => {
  const endpoint = await addEndpointModel(db, params.id, body, user);
  await recordAuditEvent(db, { action: "endpoint.model.add", actor: user, target: { type: "endpoint", id: params.id }, ip, detail: { modelVersionId: body.modelVersionId, name: body.name ?? null } });
  return created({ endpoint });
});
