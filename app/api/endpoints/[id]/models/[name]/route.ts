// DELETE /api/endpoints/[id]/models/[name] – removes a model from a multi-model endpoint (its servers unload it)
import { idParams, route } from "@/server/http/route";
import { recordAuditEvent } from "@/server/audit/record-audit-event";
import { endpointModelName } from "@/lib/endpoints";
import { removeEndpointModel } from "@/server/endpoints/multi-model";

const params = idParams.extend({ name: endpointModelName });

export const DELETE = route({ access: "models:write", params }, async ({ db, params, user, ip }) => {
  const endpoint = await removeEndpointModel(db, params.id, params.name, user);
  await recordAuditEvent(db, { action: "endpoint.model.remove", actor: user, target: { type: "endpoint", id: params.id }, ip, detail: { name: params.name } });
  return { endpoint };
});
