// POST /api/model-versions/[id]/onnx – queues the version for an ONNX export by the worker
import { idParams, route } from "@/server/http/route";
import { recordAuditEvent } from "@/server/audit/record-audit-event";
import { requestOnnxExport } from "@/server/models/update-model";

export const POST = route({ access: "models:write", params: idParams }, async ({ db, params, user, ip }) => {
  const version = await requestOnnxExport(db, params.id, user);
  await recordAuditEvent(db, { action: "model.onnx_export", actor: user, target: { type: "model_version", id: version.id }, ip, detail: { model: version.modelName, version: version.version } });
  return { version };
});
