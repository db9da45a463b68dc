// POST /api/model-versions/[id]/approval – { status: Approved | Rejected | PendingManualApproval, comment }
import { idParams, route } from "@/server/http/route";
import { recordAuditEvent } from "@/server/audit/record-audit-event";
import { approvalInput } from "@/server/models/model-schemas";
import { setModelApproval } from "@/server/models/update-model";

export const POST = route({ access: "models:approve", params: idParams, body: approvalInput }, async ({ db, params, body, user, ip }) => {
  const version = await setModelApproval(db, params.id, body, user);
  await recordAuditEvent(db, { action: "model.approval", actor: user, target: { type: "model_version", id: version.id }, ip, detail: { model: version.modelName, version: version.version, status: body.status } });
  return { version };
});
